"""Closure by the issuer and the final statement (terms §31a, §32; SPEC section 11; issue 16 item 10).

Ops end an account, or cancel a card, with 2 months' dated notice (the daily run carries it out on the
date the notice names) or at once for a breach or the end of employment, with the reason; whatever ends
an account, a final statement that day bills everything unbilled, due after the market's final-statement
days (programme rule, default 0)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from rest_framework.test import APIClient

from accounts.audit import Actor, Role
from accounts.issuer_closure import (
    AT_ONCE_HAS_NO_DATE,
    NOTICE_TOO_SHORT,
    issuer_closure_give,
    issuer_closure_withdraw,
)
from accounts.issuer_closure_models import IssuerClosure
from accounts.lifecycle import account_close
from accounts.models import Account, AuditEntry, Card, Notice, ProgrammeRules
from accounts.roles import CREDIT, SERVICE_AGENT, VIEWER
from amexprog.common.errors import ApplicationError
from ledger.verification import verify_ledger
from statements.models import CompanyStatement, Delinquency, Statement
from statements.rendering.data import statement_document
from statements.rendering.documents import render_statement_html
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card, ops_user
from tests.statements.conftest import no_fee_company, overdue_account, pay, post, run_through  # noqa: F401

pytestmark = pytest.mark.django_db

OPS = Actor(role=Role.ISSUER, label="user:credit-ops")
COMPANY = Actor(role=Role.COMPANY, label="user:alice")
HOLDER = Actor(role=Role.HOLDER, label="user:bob")


def closure_notices(**recipient) -> list[Notice]:
    return list(Notice.objects.filter(kind=Notice.Kind.CLOSURE, **recipient).order_by("pk"))


@pytest.fixture
def ida(company_a, alice):
    """Ida Berg of Alpha A/S (central billing, corporate liability: notices go to the PAs, alice reads
    English), opened 10 January 2026, cycle day 15, DKK 650 annual fee; January's DKK 1,650.00 paid."""
    account = AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Ida", last_name="Berg"),
                             cycle_day=15, opened_on=dt.date(2026, 1, 10))
    card = issue_card(account, on=dt.date(2026, 1, 10)).card
    post(account, "purchase", "1000.00", dt.date(2026, 1, 12), "charge/hotel")
    run_through(dt.date(2026, 2, 9), start=dt.date(2026, 1, 10))
    pay(account, "1650.00", dt.date(2026, 2, 10), "pay/jan")
    run_through(dt.date(2026, 3, 3))
    return account, card


def test_issue16_item10_terms_31a_dated_notice_then_the_daily_run_closes_on_that_date(ida):
    """Terms §31a, §32: ops give 2 months' notice on 4 March 2026; the notice to the PAs names 4 May, the
    reason, Ida and her card. The card works until then. The daily run of 4 May closes the account: the
    card is cancelled, the fee refunded 650 × 251 days ÷ 365 = 446.99, and the final statement of 4 May
    bills everything unbilled: purchase 900.00 − refund 446.99 = DKK 453.01, due 4 May (0 final-statement
    days) and summed by no company statement. Not paid: 1 day past due on 5 May."""
    account, card = ida
    closure = issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 4), grounds="notice",
                                  reason="The card programme with Alpha A/S ends")
    assert (closure.status, closure.effective_on) == ("scheduled", dt.date(2026, 5, 4))
    notice = closure_notices(company=account.company)[0]
    assert notice.subject == f"Your card account {account.number} will be closed on 4 May 2026"
    assert "of Ida Berg (cards ending " + card.last4 + ") with 2 months' notice (terms §31a)" in notice.body
    assert "On 4 May 2026 the account will be closed" in notice.body
    assert "Reason: The card programme with Alpha A/S ends." in notice.body
    entry = AuditEntry.objects.get(action="issuer_closure_given")
    assert (entry.actor, entry.reason, entry.details["grounds"], entry.details["effective_on"]) == (
        "user:credit-ops", "The card programme with Alpha A/S ends", "notice", "2026-05-04")

    post(account, "purchase", "900.00", dt.date(2026, 4, 20), "charge/flight")
    run_through(dt.date(2026, 5, 3))
    account.refresh_from_db()
    card.refresh_from_db()
    assert (account.status, card.status) == (Account.Status.ACTIVE, Card.Status.ACTIVE)

    run_through(dt.date(2026, 5, 4))
    account.refresh_from_db()
    card.refresh_from_db()
    closure.refresh_from_db()
    assert (account.status, card.status) == (Account.Status.CLOSING, Card.Status.CANCELLED)
    assert (closure.status, closure.done_on) == ("done", dt.date(2026, 5, 4))
    final = Statement.objects.get(account=account, final=True)
    assert (final.statement_date, final.period_start, final.due_date) == (
        dt.date(2026, 5, 4), dt.date(2026, 2, 16), dt.date(2026, 5, 4))
    assert final.totals == {"fee_annual_refund": "-446.99", "purchase": "900.00"}
    assert (final.opening_balance, final.billed_amount, final.closing_balance) == (
        Decimal("0.00"), Decimal("453.01"), Decimal("453.01"))
    assert final.company_statement is None
    assert not CompanyStatement.objects.filter(statement_date=dt.date(2026, 5, 4)).exists()
    closed = AuditEntry.objects.get(account=account, action="account_closed")
    assert (closed.reason, closed.details["note"]) == ("issuer_notice", "The card programme with Alpha A/S ends")
    told = closure_notices(company=account.company)[-1]
    assert told.subject == f"Your card account {account.number} is closed"
    assert "Reason: The card programme with Alpha A/S ends." in told.body
    assert "the final statement bills DKK\xa0453.01, due on 4 May 2026" in told.body

    run_through(dt.date(2026, 5, 5))
    assert Delinquency.objects.get(account=account).days_past_due == 1
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_issue16_item10_terms_31a_breach_closes_at_once_with_the_reason(ida):
    """Terms §31a: a breach of the terms closes the account at once, the reason recorded and told; the
    final statement of that day (terms §32) carries the fee refund 650 × 296 ÷ 365 = 527.12 and the
    DKK 80.00 bought since: a credit of DKK 447.12, nothing due."""
    account, card = ida
    post(account, "purchase", "80.00", dt.date(2026, 3, 19), "charge/taxi")
    closure = issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 20), grounds="breach",
                                  reason="Card used for the holder's own business")
    account.refresh_from_db()
    card.refresh_from_db()
    assert (closure.status, closure.effective_on, closure.done_on) == ("done", dt.date(2026, 3, 20),
                                                                        dt.date(2026, 3, 20))
    assert (account.status, card.status) == (Account.Status.CLOSING, Card.Status.CANCELLED)
    closed = AuditEntry.objects.get(account=account, action="account_closed")
    assert (closed.actor, closed.reason, closed.details["note"]) == (
        "user:credit-ops", "breach_of_terms", "Card used for the holder's own business")
    final = Statement.objects.get(account=account, statement_date=dt.date(2026, 3, 20))
    assert final.final and final.due_date == dt.date(2026, 3, 20)
    assert final.totals == {"fee_annual_refund": "-527.12", "purchase": "80.00"}
    assert final.closing_balance == Decimal("-447.12")
    notice = closure_notices(company=account.company)[-1]
    assert "Reason: Card used for the holder's own business." in notice.body
    assert "Nothing is owed on the account." in notice.body


def test_issue16_item10_terms_31a_a_card_cancelled_with_notice_or_at_once(ida):
    """Terms §31a for one card: with notice the card works until the date, then the daily run cancels it;
    the account stays open. At once for the end of employment: cancelled now."""
    account, card = ida
    closure = issuer_closure_give(account=account, card=card, by=OPS, on=dt.date(2026, 3, 4), grounds="notice",
                                  reason="Corporate cards for travel staff only", effective_on=dt.date(2026, 6, 1))
    notice = closure_notices(company=account.company)[0]
    assert notice.subject == f"Your card ending {card.last4} will be cancelled on 1 June 2026"
    run_through(dt.date(2026, 5, 31))
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    run_through(dt.date(2026, 6, 1))
    card.refresh_from_db()
    account.refresh_from_db()
    closure.refresh_from_db()
    assert (card.status, account.status, closure.status) == (Card.Status.CANCELLED, Account.Status.ACTIVE, "done")
    assert AuditEntry.objects.get(card=card, action="card_cancelled").reason == "Corporate cards for travel staff only"

    second = issue_card(account, on=dt.date(2026, 6, 2)).card
    issuer_closure_give(account=account, card=second, by=OPS, on=dt.date(2026, 6, 2), grounds="employment_end",
                        reason="Employment ended 1 June")
    second.refresh_from_db()
    assert second.status == Card.Status.CANCELLED


def test_issue16_item10_terms_31a_notice_is_two_months_at_least_and_only_ops_give_it(ida):
    """Terms §31a: notice given on 4 March cannot close before 4 May; at once takes no date; a PA cannot
    use the issuer's power; one closure waits per account; a closing account takes none."""
    account, _card = ida
    with pytest.raises(ApplicationError) as short:
        issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 4), grounds="notice", reason="x",
                            effective_on=dt.date(2026, 5, 3))
    assert short.value.message == NOTICE_TOO_SHORT.format(earliest="2026-05-04")
    with pytest.raises(ApplicationError) as dated:
        issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 4), grounds="breach", reason="x",
                            effective_on=dt.date(2026, 5, 4))
    assert dated.value.message == AT_ONCE_HAS_NO_DATE
    with pytest.raises(ApplicationError) as pa:
        issuer_closure_give(account=account, by=COMPANY, on=dt.date(2026, 3, 4), grounds="notice", reason="x")
    assert pa.value.status == 403
    with pytest.raises(ApplicationError) as no_reason:
        issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 4), grounds="notice", reason=" ")
    assert no_reason.value.code == "reason_required"
    assert not IssuerClosure.objects.exists() and not AuditEntry.objects.filter(
        action="issuer_closure_given").exists()

    issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 4), grounds="notice", reason="Programme ends",
                        effective_on=dt.date(2026, 5, 10))
    with pytest.raises(ApplicationError) as twice:
        issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 5), grounds="notice", reason="again")
    assert twice.value.code == "closure_already_given"


def test_issue16_item10_a_holder_closing_first_supersedes_and_a_withdrawal_changes_nothing(ida):
    """A closure with notice whose account the holder closed meanwhile is superseded on its date; a
    withdrawn one is told and the daily run leaves the account open."""
    account, _card = ida
    closure = issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 3, 4), grounds="notice",
                                  reason="Programme ends")
    withdrawn = issuer_closure_withdraw(closure=closure, by=OPS, on=dt.date(2026, 3, 10), reason="Programme renewed")
    assert withdrawn.status == "withdrawn"
    told = closure_notices(company=account.company)[-1]
    assert told.subject == "The closure announced for 4 May 2026 is withdrawn"
    assert "Reason: Programme renewed." in told.body
    run_through(dt.date(2026, 5, 5))
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE

    again = issuer_closure_give(account=account, by=OPS, on=dt.date(2026, 5, 6), grounds="notice",
                                reason="Programme ends after all")
    account_close(account=account, on=dt.date(2026, 5, 20), reason="company_request", by=COMPANY)
    run_through(dt.date(2026, 7, 6))
    again.refresh_from_db()
    assert (again.status, again.done_on) == ("superseded", dt.date(2026, 7, 6))
    assert AuditEntry.objects.filter(account=account, action="account_closed").count() == 1


def test_issue16_item10_terms_32_the_holders_closure_bills_the_days_interest_due_after_the_rule(
        overdue_account):  # noqa: F811
    """Terms §32 on every path (here the holder's own request): DKK 10,000.00 due 28 February 2026, unpaid;
    the holder closes on 10 March. The final statement of 10 March bills the late interest of 1–10 March,
    10,000.00 × 8.60 % × 10 ÷ 365 = 23.5616… → DKK 23.56 (the closing day's accrual included), and the
    DKK 100.00 reminder of 7 March: closing balance 10,123.56, due after the DK rule's 14 final-statement
    days: 24 March."""
    rules = ProgrammeRules.objects.filter(market="DK").order_by("-effective_from").first()
    rules.pk, rules.effective_from, rules.final_statement_days = None, dt.date(2026, 1, 1), 14
    rules.save()
    run_through(dt.date(2026, 3, 9))
    account_close(account=overdue_account, on=dt.date(2026, 3, 10), reason="", by=HOLDER)
    final = Statement.objects.get(account=overdue_account, final=True)
    assert (final.statement_date, final.period_start, final.due_date) == (
        dt.date(2026, 3, 10), dt.date(2026, 3, 1), dt.date(2026, 3, 24))  # after 28 February's statement
    assert final.totals == {"fee_reminder": "100.00", "interest": "23.56"}  # the reminder of 7 March too
    assert (final.opening_balance, final.billed_amount, final.closing_balance) == (
        Decimal("10000.00"), Decimal("123.56"), Decimal("10123.56"))
    run_through(dt.date(2026, 3, 10))  # the night after: the day's accrual is not made twice
    assert list(Statement.objects.filter(account=overdue_account).values_list("statement_date", flat=True)) == [
        dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 10)]
    assert Statement.objects.get(statement_date=dt.date(2026, 3, 10)).totals["interest"] == "23.56"
    html = render_statement_html(statement_document(final))  # in the holder's language (da)
    assert "Slutopgørelse: kontoen lukkes" in html and "(vilkår §32)" in html
    notice = closure_notices(cardmember=overdue_account.cardmember)[-1]
    assert notice.subject == f"Din kortkonto {overdue_account.number} er lukket"
    assert "slutopgørelsen opkræver 10.123,56\xa0kr. med forfald den 24. marts 2026" in notice.body


def test_issue16_item10_ops_api_and_admin_are_gated_by_close_account(ida, alice):
    """The ops API and the admin action: the credit group (accounts.close_account) gives notice; the
    view-only ops person and the service agent cannot; a PA is refused by the service."""
    account, card = ida
    url = f"/api/v1/accounts/{account.number}/issuer-close/"
    body = {"grounds": "notice", "reason": "Programme ends", "effective_on": "2026-06-01"}
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        for user, refused in ((ops_user("viewer-ops", VIEWER), (403, 404)),
                              (ops_user("agent-ops", SERVICE_AGENT), (403, 404)), (alice, (403,))):
            client = APIClient()
            client.force_login(user)
            assert client.post(url, body, format="json").status_code in refused
            assert client.post(f"/api/v1/cards/{card.pk}/issuer-cancel/", body,
                               format="json").status_code in refused
        assert not IssuerClosure.objects.exists()
        client = APIClient()
        client.force_login(ops_user("credit-ops", CREDIT))
        response = client.post(url, body, format="json")
        assert response.status_code == 201, response.json()
        assert response.json() | {"id": 0} == {
            "id": 0, "account_number": account.number, "card_last4": None, "grounds": "notice",
            "reason": "Programme ends", "decided_on": "2026-03-04", "effective_on": "2026-06-01",
            "status": "scheduled", "done_on": None}
        short = client.post(url, {**body, "effective_on": "2026-04-01"}, format="json")
        assert (short.status_code, short.json()["code"]) == (400, "notice_too_short")

        admin = ops_user("admin-credit", CREDIT)
        client.force_login(admin)
        other = AccountFactory(cardmember=CardmemberFactory(company=account.company), opened_on=dt.date(2026, 1, 5))
        changelist = "/admin/accounts/account/"
        response = client.post(changelist, {"action": "accounts_issuer_close", ACTION_CHECKBOX_NAME: [other.pk],
                                            "apply": "1", "grounds": "employment_end",
                                            "reason": "Employment ended", "effective_on": ""}, format="multipart")
        assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == Account.Status.CLOSING
    assert IssuerClosure.objects.get(account=other).grounds == "employment_end"
