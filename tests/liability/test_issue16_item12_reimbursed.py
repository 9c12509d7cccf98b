"""Issue 16 item 12: SPEC section 3's joint-liability exception "already reimbursed by the company" (terms §12).

Under joint liability the company is not liable for a charge it already reimbursed to the cardmember.
The company (a PA or its token) marks it; the billed file, its totals, the company statement and the PA's
transactions page show it as "Reimbursed by the company", apart from what the cardmember declared personal.

Bob (joint liability) is billed on 5 February 2026 for a restaurant charge of DKK 250.00 (history fixture);
the company marks it reimbursed: company liable 0.00 for it, billed total unchanged, reimbursed 250.00.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.audit import Actor, Role
from accounts.models import AuditEntry
from amexprog.common.errors import ApplicationError
from liability.models import PersonalCharge
from liability.selectors import company_statement_personal_total
from liability.services import personal_charge_mark, reimbursed_charge_mark, reimbursed_charge_unmark
from statements.reports import billed_totals, json_chunks, monthly_billed
from tests.conftest import token_client
from tests.statements.test_reports import charge, history, read_csv  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)


def company(user) -> Actor:
    return Actor(Role.COMPANY, f"user:{user.username}", user.pk)


def test_issue16_item12_reimbursed_charge_is_not_the_companys_liability(company_a, history, alice):  # noqa: F811
    """SPEC section 3 / terms §12: DKK 250.00 reimbursed by the company → company liable 0.00 for it."""
    before = billed_totals(company=company_a, month=FEB)["DKK"]
    mark = reimbursed_charge_mark(posting=history, by=company(alice), on=dt.date(2026, 2, 6), note="Expense claim 17")
    assert (mark.reason, mark.marked_by, mark.note) == ("reimbursed", alice, "Expense claim 17")
    dinner = next(row for row in read_csv(monthly_billed(company=company_a, month=FEB)) if row["amount"] == "250.00")
    assert (dinner["reimbursed"], dinner["personal"], dinner["company_liable_amount"]) == ("yes", "no", "0.00")
    totals = billed_totals(company=company_a, month=FEB)["DKK"]
    assert totals["billed"] == before["billed"]
    assert (totals["reimbursed"], totals["personal"]) == (Decimal("250.00"), Decimal("0.00"))
    assert totals["company_liable"] == before["company_liable"] - Decimal("250.00")
    document = json.loads("".join(json_chunks(monthly_billed(company=company_a, month=FEB))))
    assert document["totals"]["DKK"]["reimbursed"] == "250.00"
    statement = history.account.statements.get(statement_date=dt.date(2026, 2, 5)).company_statement
    if statement is not None:
        assert company_statement_personal_total(statement, reason="reimbursed") == Decimal("250.00")
        assert company_statement_personal_total(statement) == Decimal("0.00")
    assert AuditEntry.objects.filter(action="charge_marked_personal", details__marked_as="reimbursed").exists()


def test_issue16_item12_reimbursed_only_the_company_marks_and_unmarks(history, alice, bob):  # noqa: F811
    """SPEC section 3: the cardmember cannot claim the company reimbursed a charge, nor undo the company's
    mark; a charge already marked reimbursed cannot also be declared personal."""
    holder = Actor(Role.HOLDER, "user:bob", bob.pk)
    with pytest.raises(ApplicationError):
        reimbursed_charge_mark(posting=history, by=holder, on=dt.date(2026, 2, 6))
    reimbursed_charge_mark(posting=history, by=company(alice), on=dt.date(2026, 2, 6))
    with pytest.raises(ApplicationError) as error:
        personal_charge_mark(posting=history, by=holder, on=dt.date(2026, 2, 6))
    assert error.value.code == "already_marked"
    reimbursed_charge_unmark(posting=history, by=company(alice), on=dt.date(2026, 2, 7))
    assert not PersonalCharge.objects.exists()
    with pytest.raises(ApplicationError) as error:
        reimbursed_charge_unmark(posting=history, by=company(alice), on=dt.date(2026, 2, 7))
    assert error.value.code == "not_reimbursed"


def test_issue16_item12_reimbursed_needs_joint_liability(bob_account, bob_card, alice):
    """SPEC section 3: the exception is joint liability's; a corporate-liability charge cannot be marked."""
    lunch = charge(bob_account, "purchase", "90.00", dt.date(2026, 1, 20), "p/lunch", merchant="Cafe", mcc="5814")
    with pytest.raises(ApplicationError) as error:
        reimbursed_charge_mark(posting=lunch, by=company(alice), on=dt.date(2026, 1, 21))
    assert error.value.code == "not_joint_liability"


def test_issue16_item12_reimbursed_over_the_api_and_on_the_pa_page(client, history, bob, alice, tokens):  # noqa: F811
    """SPEC section 3: the company token marks DKK 250.00 reimbursed; the PA's transactions page labels it
    "Reimbursed by the company", not "Personal"; the cardmember gets 403, company B's token 404."""
    url = f"/api/v1/charges/{history.pk}/reimbursed/"
    session = APIClient()
    session.force_login(bob)
    denied = session.post(url, {}, format="json")
    assert denied.status_code == 403
    assert token_client(tokens.b).post(url, {}, format="json").status_code == 404
    response = token_client(tokens.a).post(url, {"note": "Paid back in payroll"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["reason"], response.json()["amount"]) == ("reimbursed", "250.00")
    client.force_login(alice)
    html = client.get(reverse("portal:account_transactions", args=[history.account.number])).content.decode()
    assert "Reimbursed by the company: the company is not liable" in html
    assert "Personal: the company is not liable" not in html
    assert token_client(tokens.a).delete(url).status_code == 204
    assert not PersonalCharge.objects.exists()


def test_issue16_item12_reimbursed_the_pa_marks_it_in_the_portal(client, history, alice, bob):  # noqa: F811
    """SPEC section 3: the PA marks the DKK 250.00 charge reimbursed from the transactions page; the
    cardmember cannot (404) and sees it labelled "Reimbursed by the company"."""
    url = reverse("portal:charge_reimbursed", args=[history.pk])
    client.force_login(bob)
    assert client.post(url, {"verb": "mark"}).status_code == 404
    client.force_login(alice)
    page = client.get(reverse("portal:account_transactions", args=[history.account.number])).content.decode()
    assert "Mark as reimbursed by the company" in page
    html = client.post(url, {"verb": "mark"}, follow=True).content.decode()
    assert "The charge is marked as reimbursed by the company" in html
    assert PersonalCharge.objects.get(posting=history).reason == "reimbursed"
    assert "Not reimbursed after all" in html
    client.post(url, {"verb": "unmark"})
    assert not PersonalCharge.objects.exists()
