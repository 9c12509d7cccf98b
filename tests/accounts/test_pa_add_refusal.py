"""Issue 15 item 12: the PA-add refusal does not tell whether an address belongs to ops staff."""

import datetime as dt

import pytest

from accounts.audit import Actor, Role
from accounts.data_changes import PA_NOT_ALLOWED, company_pa_add
from amexprog.common.errors import ApplicationError
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 2)


def refusal(company, email: str, by) -> tuple:
    with pytest.raises(ApplicationError) as error:
        company_pa_add(company=company, email=email, by=by, on=ON)
    return error.value.code, error.value.message, error.value.extra, error.value.status


def test_issue15_item12_a_staff_address_is_refused_like_any_other(company_a, alice):
    by = Actor(role=Role.COMPANY, label="user:alice", user_id=alice.pk)
    UserFactory(username="olga", email="olga@issuer.example", is_staff=True)
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    UserFactory(username="twin1", email="twin@example.com")
    UserFactory(username="twin2", email="twin@example.com")
    staff = refusal(company_a, "olga@issuer.example", by)
    assert staff == refusal(company_a, "gone@example.com", by) == refusal(company_a, "twin@example.com", by)
    assert staff[0] == "not_allowed" and staff[1] == str(PA_NOT_ALLOWED)
    assert "staff" not in staff[1].lower() and "user" not in staff[1].lower()
    assert company_a.administrators.count() == 1
