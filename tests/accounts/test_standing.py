"""Standing changes are told, and ops have the other default causes (SPEC section 9; terms §26a, §27b;
issue 16 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.audit import Actor, Role
from accounts.models import Account, AuditEntry, Company, Notice
from accounts.roles import CREDIT, VIEWER
from accounts.standing import account_standing_set, company_standing_set
from amexprog.common.errors import ApplicationError
from statements.delinquency import delinquency_update
from statements.selectors import account_dues
from tests.accounts.factories import ops_user
from tests.charges.test_authorizations import authorize, decline_reason
from tests.conftest import token_client
from tests.statements.conftest import no_fee_company, overdue_account, pay, run_through  # noqa: F401

pytestmark = pytest.mark.django_db

OPS = Actor(role=Role.ISSUER, label="test-ops")
DAY = dt.date(2026, 3, 11)


def standing_notices(**recipient):
    return list(Notice.objects.filter(kind=Notice.Kind.STANDING, **recipient).order_by("created_on", "pk"))


def test_issue16_item3_every_delinquency_standing_change_is_a_notice_with_its_reason(overdue_account):  # noqa: F811
    """Terms §26a, SPEC section 9: DKK 10,000.00 due 28 February 2026 and not paid → in default on
    1 March (1 DPD), suspended on 30 March (30 DPD), collections on 29 May (90 DPD), back in good standing
    when the arrears are paid: four notices to the holder (who pays: individual billing), in Danish,
    each naming its reason; re-running a day adds none. Before the fix the status changed silently."""
    run_through(dt.date(2026, 5, 29))
    assert overdue_account.cardmember.language == "da"
    notices = standing_notices(cardmember=overdue_account.cardmember)
    assert [(n.created_on, n.subject) for n in notices] == [
        (dt.date(2026, 3, 1), f"Din kortkonto {overdue_account.number} er i misligholdelse"),
        (dt.date(2026, 3, 30), f"Din kortkonto {overdue_account.number} er suspenderet"),
        (dt.date(2026, 5, 29), f"Din kortkonto {overdue_account.number} er overdraget til inkasso"),
    ]
    assert all("Årsag: beløbet, der forfaldt 28. februar 2026, er ikke betalt." in n.body for n in notices)
    delinquency_update(on=dt.date(2026, 5, 29))  # idempotent by source key
    assert len(standing_notices(cardmember=overdue_account.cardmember)) == 3

    arrears = sum(due.unpaid for due in account_dues(account=overdue_account, as_of=dt.date(2026, 5, 30)))
    pay(overdue_account, str(arrears), dt.date(2026, 5, 30), "pay/arrears")
    run_through(dt.date(2026, 5, 30))
    overdue_account.refresh_from_db()
    assert overdue_account.status == Account.Status.ACTIVE
    lifted = standing_notices(cardmember=overdue_account.cardmember)[-1]
    assert (lifted.created_on, lifted.subject) == (
        dt.date(2026, 5, 30), f"Din kortkonto {overdue_account.number} er igen i god stand")
    assert "Årsag: det forfaldne beløb er betalt." in lifted.body


def test_issue16_item3_ops_default_suspend_and_lift_are_audited_and_told(bob_account, alice, tokens):
    """Terms §27b, §26a(iii): ops (the credit group) put Bob's account in default for insolvency, then
    suspend it for a false statement, then lift it, over the API: each audited with the cause, each a
    notice to the company's PAs (corporate liability, central billing: the company pays) with the
    reason. The daily delinquency step does not lift what ops set."""
    credit = ops_user("credit-ops", CREDIT)
    assert alice.pa.language == "en"  # the PAs read the company's notices in their language
    client = APIClient()
    client.force_login(credit)
    url = f"/api/v1/accounts/{bob_account.number}/standing/"
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        response = client.post(url, {"status": "in_default", "cause": "insolvency", "note": "Court ruling 12/26"},
                               format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "in_default"
        delinquency_update(on=DAY)  # nothing overdue: the step must not undo ops' default
        bob_account.refresh_from_db()
        assert (bob_account.status, bob_account.standing_cause) == (Account.Status.IN_DEFAULT, "insolvency")
        assert client.post(url, {"status": "suspended", "cause": "false_statement"},
                           format="json").status_code == 200
        assert client.post(url, {"status": "suspended"}, format="json").status_code == 400  # no cause
        assert client.post(url, {"status": "active", "note": "Paid in full"}, format="json").status_code == 200
    bob_account.refresh_from_db()
    assert (bob_account.status, bob_account.standing_hold) == (Account.Status.ACTIVE, "")
    entries = AuditEntry.objects.filter(account=bob_account).order_by("pk")
    assert [(e.action, e.reason, e.actor, e.details["status_after"]) for e in entries] == [
        ("standing_set", "insolvency", "user:credit-ops", "in_default"),
        ("standing_set", "false_statement", "user:credit-ops", "suspended"),
        ("standing_lifted", "Paid in full", "user:credit-ops", "active"),
    ]
    notices = standing_notices(company=bob_account.company)
    assert [n.cardmember_id for n in notices] == [None, None, None]
    assert [n.subject for n in notices] == [
        f"Your card account {bob_account.number} is in default",
        f"Your card account {bob_account.number} is suspended",
        f"Your card account {bob_account.number} is back in good standing",
    ]
    assert "Reason: insolvency proceedings." in notices[0].body
    assert "Reason: false or misleading information was given to us." in notices[1].body
    assert "Reason: the issuer lifted it." in notices[2].body


def test_issue16_item3_view_only_ops_and_pas_may_not_change_standing(bob_account, company_a, alice, tokens):
    """Terms §27b is the issuer's power: the view-only ops person and the company's PA are refused, the
    account and company unchanged, nothing audited."""
    viewer = ops_user("viewer-ops", VIEWER)
    for user, refused in ((viewer, (403, 404)), (alice, (403,))):
        client = APIClient()
        client.force_login(user)
        body = {"status": "suspended", "cause": "creditworthiness"}
        assert client.post(f"/api/v1/accounts/{bob_account.number}/standing/", body,
                           format="json").status_code in refused
        assert client.post(f"/api/v1/companies/{company_a.number}/standing/", body,
                           format="json").status_code in refused
    with pytest.raises(ApplicationError):
        account_standing_set(account=bob_account, status="suspended", cause="insolvency", on=DAY,
                             by=Actor(role=Role.COMPANY, label="user:alice"))
    bob_account.refresh_from_db()
    company_a.refresh_from_db()
    assert (bob_account.status, company_a.status) == (Account.Status.ACTIVE, Company.Status.ACTIVE)
    assert not AuditEntry.objects.filter(action__in=["standing_set", "standing_lifted"]).exists()


def test_issue16_item3_company_suspension_declines_company_suspended_and_lifting_restores(
        bob_card, company_a, alice, tokens):
    """Terms §26a(iii), SPEC sections 9 and 10: ops suspend Alpha A/S for a breach of another agreement;
    Bob's DKK 100.00 purchase declines `company_suspended`, the PAs get the company's notice with the
    reason, the account's own status is unchanged; lifting it approves the same purchase again."""
    network = token_client(tokens.network)
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        company_standing_set(company=company_a, status="suspended", cause="other_agreement_breach", by=OPS, on=DAY)
        declined = authorize(network, bob_card.pan, "100.00", transaction_id="S-1")
        assert decline_reason(declined) == "company_suspended"
        bob_card.card.account.refresh_from_db()
        assert bob_card.card.account.status == Account.Status.ACTIVE
        company_standing_set(company=company_a, status="active", note="Agreement settled", by=OPS, on=DAY)
        approved = authorize(network, bob_card.pan, "100.00", transaction_id="S-2").json()
    assert approved["approved"] is True
    company_a.refresh_from_db()
    assert company_a.status == Company.Status.ACTIVE
    actions = list(AuditEntry.objects.filter(company=company_a, account=None).order_by("pk")
                   .values_list("action", "reason"))
    assert actions == [("standing_set", "other_agreement_breach"), ("standing_lifted", "Agreement settled")]
    subjects = [n.subject for n in standing_notices(company=company_a)]
    assert subjects == ["The card programme of Alpha A/S is suspended",
                        "The card programme of Alpha A/S is no longer suspended"]
    assert "Reason: a breach of another agreement with us." in standing_notices(company=company_a)[0].body


def test_issue16_item3_company_default_puts_every_open_account_in_default(bob_account, company_a, alice):
    """Terms §27b: ops put the whole company in default for insolvency: each open account is in default
    (audited per account), cards still authorize (default is not suspension); lifting restores them."""
    company_standing_set(company=company_a, status="in_default", cause="insolvency", by=OPS, on=DAY)
    bob_account.refresh_from_db()
    assert (bob_account.status, bob_account.standing_cause) == (Account.Status.IN_DEFAULT, "insolvency")
    assert AuditEntry.objects.filter(account=bob_account, action="standing_set",
                                     details__company_wide=True).count() == 1
    company_standing_set(company=company_a, status="active", by=OPS, on=DAY)
    bob_account.refresh_from_db()
    assert bob_account.status == Account.Status.ACTIVE


def test_issue16_item3_admin_asks_for_the_cause_and_only_credit_ops_have_the_action(client, company_a, bob_account):
    """Terms §27b in the admin: the credit group's suspend action asks for the cause, then suspends the
    company, audited with the ops user; the view-only ops person is not offered the action and a forged
    post changes nothing."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    url = reverse("admin:accounts_company_changelist")
    viewer = ops_user("viewer-ops", VIEWER)
    client.force_login(viewer)
    assert b"companies_suspend" not in client.get(url).content
    client.post(url, {"action": "companies_suspend", ACTION_CHECKBOX_NAME: [company_a.pk], "apply": "1",
                      "cause": "insolvency"})
    assert Company.objects.get(pk=company_a.pk).status == Company.Status.ACTIVE

    client.force_login(ops_user("credit-ops", CREDIT))
    ask = client.post(url, {"action": "companies_suspend", ACTION_CHECKBOX_NAME: [company_a.pk]})
    assert ask.status_code == 200 and b'name="cause"' in ask.content
    done = client.post(url, {"action": "companies_suspend", ACTION_CHECKBOX_NAME: [company_a.pk], "apply": "1",
                             "cause": "insolvency", "note": "Bankruptcy filed"})
    assert done.status_code == 302
    assert Company.objects.get(pk=company_a.pk).status == Company.Status.SUSPENDED
    entry = AuditEntry.objects.get(company=company_a, action="standing_set")
    assert (entry.actor, entry.reason, entry.details["note"]) == ("admin:credit-ops", "insolvency", "Bankruptcy filed")
