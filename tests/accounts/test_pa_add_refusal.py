"""Issue 15 item 12: adding a PA does not tell whether an address belongs to ops staff.

Asking for any well-formed address opens the same pending request (issue 15 item 5), whoever owns it;
whether it may become a PA is checked when a second person approves, with one and the same refusal for a
staff address, an inactive user's and a shared one.
"""

import datetime as dt

import pytest

from accounts.audit import Actor, Role
from accounts.change_requests import change_request_approve
from accounts.data_changes import PA_NOT_ALLOWED, company_pa_add
from accounts.models import ChangeRequest
from amexprog.common.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.accounts.second_person import approver

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 2)


def test_issue15_item12_a_staff_address_is_asked_for_and_refused_like_any_other(company_a, alice):
    by = Actor(role=Role.COMPANY, label="user:alice", user_id=alice.pk)
    UserFactory(username="olga", email="olga@issuer.example", is_staff=True)
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    UserFactory(username="twin1", email="twin@example.com")
    UserFactory(username="twin2", email="twin@example.com")
    asked = {email: company_pa_add(company=company_a, email=email, by=by, on=ON)
             for email in ("olga@issuer.example", "gone@example.com", "twin@example.com", "new@example.com")}
    # The asker's answer is the same for every address: a pending request of the same kind.
    assert {(request.kind, request.status) for request in asked.values()} == {
        (ChangeRequest.Kind.PA_ADD, ChangeRequest.Status.PENDING)}

    second = approver()
    refusals = []
    for email in ("olga@issuer.example", "gone@example.com", "twin@example.com"):
        with pytest.raises(ApplicationError) as error:
            change_request_approve(change_request=asked[email], by=second, on=ON)
        refusals.append((error.value.code, error.value.message))
    assert refusals == [("not_allowed", str(PA_NOT_ALLOWED))] * 3
    assert "staff" not in str(PA_NOT_ALLOWED).lower()
    assert company_a.administrators.count() == 1
    change_request_approve(change_request=asked["new@example.com"], by=second, on=ON)
    assert company_a.administrators.count() == 2
