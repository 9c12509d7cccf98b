"""Trust II item 8 (issue 16): complaints as terms §21b–d say (SPEC section 12).

Acknowledged at once, answered in writing within 15 bank days (a rule), overdue cases shown to ops,
the final answer naming the market's authorities and saying no out-of-court scheme is used.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Notice
from amexprog.common.errors import ApplicationError
from complaints.models import Complaint
from complaints.services import complaint_answer, complaint_open, complaints_flag_overdue
from disputes.models import DisputeRules
from tests.accounts.factories import UserFactory
from tests.conftest import token_client
from tests.test_translations import compiled_locale  # noqa: F401  (the catalogues, compiled for the test)

pytestmark = pytest.mark.django_db

# Monday 2 March 2026: 15 Danish bank days later is Monday 23 March (no holiday in between).
RECEIVED = dt.date(2026, 3, 2)
DUE = dt.date(2026, 3, 23)
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def _ops(*codenames: str):
    user = UserFactory(username="olga", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="complaints"))
    return type(user).objects.get(pk=user.pk)  # fresh: permissions are cached per instance


def _open(bob, bob_account, on=RECEIVED) -> Complaint:
    return complaint_open(user=bob, company=bob_account.company, account=bob_account, topic="service",
                          subject="Nobody answered the phone", description="I called the card line three times.",
                          on=on)


def test_issue16_item8_acknowledged_at_once_with_the_answer_due_15_bank_days_later(bob, bob_account):
    complaint = _open(bob, bob_account)
    assert complaint.answer_due_on == DUE
    assert complaint.status == Complaint.Status.OPEN and complaint.by_holder
    notice = Notice.objects.get(source_key=f"complaint/{complaint.pk}/acknowledged")
    assert notice.cardmember_id == bob_account.cardmember_id and notice.company_id is None
    assert notice.created_on == RECEIVED
    assert "23" in notice.body and "marts 2026" in notice.body  # the factory's cardmembers read Danish


def test_issue16_item8_the_answer_period_is_a_rule(bob, bob_account):
    """Terms §21b: 15 bank days is data: a version with 10 bank days makes the answer due on 16 March."""
    DisputeRules.objects.create(market="DK", currency="DKK", effective_from=dt.date(2026, 3, 1),
                                unauthorized_holder_cap="375.00", complaint_answer_bank_days=10)
    assert _open(bob, bob_account).answer_due_on == dt.date(2026, 3, 16)


@pytest.mark.usefixtures("compiled_locale")
def test_issue16_item8_final_answer_names_the_authorities_and_no_out_of_court_scheme(bob, bob_account):
    complaint = _open(bob, bob_account)
    answered = complaint_answer(complaint=complaint, user=_ops("answer_complaint"),
                                answer="We are sorry: the line was understaffed that week.", on=dt.date(2026, 3, 10))
    assert answered.status == Complaint.Status.ANSWERED and answered.answered_on == dt.date(2026, 3, 10)
    notice = Notice.objects.get(source_key=f"complaint/{complaint.pk}/answered")
    assert notice.cardmember_id == bob_account.cardmember_id
    for name in ("Forbrugerombudsmanden", "Konkurrence- og Forbrugerstyrelsen", "Finanstilsynet"):
        assert name in notice.body
    assert "Carl Jacobsens Vej 35" in notice.body and "Strandgade 29" in notice.body
    # Written in Danish: "Vi bruger ikke en udenretslig tvistløsningsordning".
    assert "udenretslig" in notice.body
    with pytest.raises(ApplicationError) as error:
        complaint_answer(complaint=complaint, user=_ops("answer_complaint"), answer="again", on=dt.date(2026, 3, 11))
    assert error.value.code == "complaint_answered"


def test_issue16_item8_only_ops_with_the_permission_answer(bob, bob_account, alice):
    complaint = _open(bob, bob_account)
    for user in (_ops("view_complaint"), alice, bob):
        with pytest.raises(ApplicationError) as error:
            complaint_answer(complaint=complaint, user=user, answer="No.", on=dt.date(2026, 3, 5))
        assert error.value.code == "not_allowed"
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.OPEN


def test_issue16_item8_unanswered_after_the_due_date_is_flagged_for_ops(bob, bob_account):
    complaint = _open(bob, bob_account)
    assert complaints_flag_overdue(on=DUE) == 0
    assert complaints_flag_overdue(on=DUE + dt.timedelta(days=1)) == 1
    assert Complaint.objects.get(pk=complaint.pk).overdue_since == DUE + dt.timedelta(days=1)
    assert complaints_flag_overdue(on=DUE + dt.timedelta(days=2)) == 0  # once


def test_issue16_item8_refund_refusal_no_longer_points_to_a_complaint_board():
    from disputes.services.refund_requests import REFUSED_BODY

    assert "complaint board" not in str(REFUSED_BODY)
    assert "Complaints" in str(REFUSED_BODY)


@time_machine.travel(AT, tick=False)
def test_issue16_item8_api_scoping_and_answer(bob, bob_account, alice, carol, tokens, client):
    """A's token complains about the company; carol, B's token and bob do not see it; bob's own complaint is
    his alone (not the PA's); the answer is ops-only."""
    a, b = token_client(tokens.a), token_client(tokens.b)
    created = a.post("/api/v1/complaints/", {"company_number": "10001", "topic": "fees", "subject": "Fee question",
                                             "description": "Why two annual fees?"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["answer_due_on"] == DUE.isoformat()
    assert Notice.objects.get(source_key=f"complaint/{pk}/acknowledged").company_id == bob_account.company_id
    assert b.get(f"/api/v1/complaints/{pk}/").status_code == 404
    assert b.post("/api/v1/complaints/", {"company_number": "10001", "topic": "fees", "subject": "x",
                                          "description": "y"}, format="json").status_code == 404
    assert a.post(f"/api/v1/complaints/{pk}/answer/", {"answer": "x"}, format="json").status_code == 403
    own = _open(bob, bob_account)
    assert [row["id"] for row in a.get("/api/v1/complaints/").json()["results"]] == [pk]
    client.force_login(bob)
    assert [row["id"] for row in client.get("/api/v1/complaints/").json()["results"]] == [own.pk]
    client.force_login(carol)
    assert client.get("/api/v1/complaints/").json()["results"] == []
    ops = token_client(tokens.ops)
    answered = ops.post(f"/api/v1/complaints/{pk}/answer/", {"answer": "Only one fee: the other is a refund."},
                        format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    names = {row["name"] for row in a.get("/api/v1/complaint-authorities/?market=DK").json()["results"]}
    assert names == {"Forbrugerombudsmanden", "Konkurrence- og Forbrugerstyrelsen", "Finanstilsynet"}


@time_machine.travel(AT, tick=False)
def test_issue16_item8_portal_complaint_and_outsider_404(bob, bob_account, carol, client):
    client.force_login(bob)
    page = client.get(reverse("portal:complaints"))
    assert page.status_code == 200
    about = f"account:{bob_account.pk}"
    response = client.post(reverse("portal:complaints"), {"about": about, "topic": "account", "subject": "Letter",
                                                          "description": "My statement came late."})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("portal:complaint_detail", args=[complaint.pk])
    assert client.get(response.url).status_code == 200
    client.force_login(carol)
    assert client.get(reverse("portal:complaint_detail", args=[complaint.pk])).status_code == 404
    # carol cannot complain in company A's name either: the choice is not hers.
    client.post(reverse("portal:complaints"), {"about": about, "topic": "account", "subject": "x", "description": "y"})
    assert Complaint.objects.count() == 1


def test_issue16_item8_admin_overdue_filter_and_answer(bob, bob_account, client):
    complaint = _open(bob, bob_account)
    complaints_flag_overdue(on=DUE + dt.timedelta(days=1))
    viewer = _ops("view_complaint")
    client.force_login(viewer)
    listing = client.get(reverse("admin:complaints_complaint_changelist") + "?overdue=yes")
    assert listing.status_code == 200 and "Nobody answered the phone" in listing.content.decode()
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    assert "final_answer" not in client.get(url).content.decode()
    client.post(url, {"final_answer": "Viewer tries"})
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.OPEN
    answerer = UserFactory(username="anna", is_staff=True)
    for codename in ("view_complaint", "change_complaint", "answer_complaint"):
        answerer.user_permissions.add(Permission.objects.get(codename=codename,
                                                             content_type__app_label="complaints"))
    client.force_login(answerer)
    assert "final_answer" in client.get(url).content.decode()
    client.post(url, {"final_answer": "Answered in the admin."})
    assert Complaint.objects.get(pk=complaint.pk).answer == "Answered in the admin."
