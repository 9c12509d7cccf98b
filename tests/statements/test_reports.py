"""Reports and data files per company (SPEC section 14): the builders, the CSV and JSON files, and the
API with a company token; company B's token sees nothing of company A."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from moneyed import Money

from accounts.audit import Actor, Role
from charges.mcc import Industry, industry_name, industry_of
from ledger.services import posting_create
from liability.services import personal_charge_mark
from statements.reports import (
    ageing_analysis,
    billed_totals,
    cardmember_listing,
    csv_chunks,
    daily_transactions,
    json_chunks,
    monthly_billed,
    spend_by_industry,
)
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.conftest import token_client
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db

EVIL = "=HYPERLINK(\"http://evil.example\",\"x\")"


def charge(account, kind: str, amount: str, on: dt.date, key: str, *, merchant: str, mcc: str, card=None):
    return posting_create(account=account, kind=kind, amount=Money(Decimal(amount), account.currency),
                          posting_date=on, source_key=key, description=merchant, card=card, merchant_name=merchant,
                          merchant_city="København", merchant_country="DK", mcc=mcc,
                          transaction_date=on - dt.timedelta(days=1))[0]


@pytest.fixture
def history(bob_account, bob_card):
    """Bob (joint liability): a hotel DKK 1,000.00 on 5 January, billed that day with the DKK 650.00
    annual fee (statement due 2 February); a restaurant 250.00 and its 12.50 refund on 20 January; a
    payment of 100.00 on 25 January; the next statement on 5 February."""
    bob_account.liability = "joint"
    bob_account.save(update_fields=["liability"])
    charge(bob_account, "purchase", "1000.00", dt.date(2026, 1, 5), "r/hotel", merchant="Hotel Kong Arthur",
           mcc="7011", card=bob_card.card)
    run_through(dt.date(2026, 1, 5), start=dt.date(2026, 1, 5))
    dinner = charge(bob_account, "purchase", "250.00", dt.date(2026, 1, 20), "r/dinner", merchant=EVIL, mcc="5812",
                    card=bob_card.card)
    charge(bob_account, "refund", "-12.50", dt.date(2026, 1, 20), "r/dinner-refund", merchant="Noma", mcc="5812",
           card=bob_card.card)
    posting_create(account=bob_account, kind="payment", amount=Money(Decimal("-100.00"), "DKK"),
                   posting_date=dt.date(2026, 1, 25), source_key="r/pay")
    run_through(dt.date(2026, 2, 5))
    return dinner


def read_csv(report) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(csv_chunks(report)))))


def test_mcc_industries_follow_iso_18245_ranges():
    assert industry_of("7011") == Industry.LODGING
    assert industry_of("3512") == Industry.LODGING  # a hotel chain's own code
    assert industry_of("3005") == Industry.AIRLINES
    assert industry_of("5812") == Industry.RESTAURANTS
    assert industry_of("6011") == Industry.CASH
    assert industry_of("5651") == Industry.CLOTHING
    assert industry_of("9311") == Industry.GOVERNMENT
    assert industry_of("") == Industry.OTHER and industry_of("12ab") == Industry.OTHER
    assert industry_name(Industry.LODGING) == "Hotels and lodging"


def test_daily_transaction_file_has_the_days_postings_masked_and_safe(company_a, history, bob_card):
    rows = read_csv(daily_transactions(company=company_a, day=dt.date(2026, 1, 20)))
    assert [(row["kind"], row["amount"]) for row in rows] == [("purchase", "250.00"), ("refund", "-12.50")]
    dinner = rows[0]
    assert dinner["cardmember_name"] == "Bob Jensen"
    assert dinner["card_number"].endswith(bob_card.card.last4)
    assert bob_card.pan not in json.dumps(rows)
    # The merchant's formula reaches the PA as text; the refund's amount stays a number.
    assert dinner["merchant_name"] == "'" + EVIL and dinner["description"] == "'" + EVIL
    assert rows[1]["amount"] == "-12.50"
    assert dinner["mcc"] == "5812" and dinner["industry"] == "restaurants" and dinner["industry_name"] == "Restaurants"
    assert dinner["transaction_date"] == "2026-01-19" and dinner["posting_date"] == "2026-01-20"
    assert dinner["currency"] == "DKK" and dinner["personal"] == "no" and dinner["company_liable_amount"] == "250.00"


def test_monthly_billed_file_is_what_the_months_statements_billed(company_a, history):
    january = read_csv(monthly_billed(company=company_a, month=dt.date(2026, 1, 1)))
    assert [(row["kind"], row["amount"], row["statement_date"], row["due_date"]) for row in january] == [
        ("purchase", "1000.00", "2026-01-05", "2026-02-02"),
        ("fee_annual", "650.00", "2026-01-05", "2026-02-02"),
    ]
    february = read_csv(monthly_billed(company=company_a, month=dt.date(2026, 2, 1)))
    assert "payment" not in {row["kind"] for row in february}  # payments pay, they are not billed
    assert {row["statement_date"] for row in february} == {"2026-02-05"}
    assert ("purchase", "250.00") in [(row["kind"], row["amount"]) for row in february]
    assert read_csv(monthly_billed(company=company_a, month=dt.date(2026, 3, 1))) == []


def test_a_personal_charge_is_excluded_from_the_companys_liability(company_a, history, bob):
    personal_charge_mark(posting=history, by=Actor(Role.HOLDER, "user:bob", bob.pk), on=dt.date(2026, 2, 6))
    february = read_csv(monthly_billed(company=company_a, month=dt.date(2026, 2, 1)))
    dinner = next(row for row in february if row["amount"] == "250.00")
    assert dinner["personal"] == "yes" and dinner["company_liable_amount"] == "0.00"
    totals = billed_totals(company=company_a, month=dt.date(2026, 2, 1))["DKK"]
    assert totals["personal"] == Decimal("250.00")
    assert totals["company_liable"] == totals["billed"] - Decimal("250.00")
    document = json.loads("".join(json_chunks(monthly_billed(company=company_a, month=dt.date(2026, 2, 1)))))
    assert document["totals"]["DKK"]["personal"] == "250.00"


def test_cardmember_listing_has_every_card_and_cardless_accounts(company_a, company_b, bob_account, bob_card,
                                                                b_account):
    AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Ane", last_name="Aaberg",
                                                cost_centre="=1+1"))
    rows = read_csv(cardmember_listing(company=company_a))
    assert [row["cardmember_name"] for row in rows] == ["Ane Aaberg", "Bob Jensen"]
    ane, bob_row = rows
    assert ane["card_number"] == "" and ane["cost_centre"] == "'=1+1"
    assert bob_row["card_number"].endswith(bob_card.card.last4) and bob_card.pan not in bob_row["card_number"]
    assert bob_row["card_status"] == bob_card.card.status and bob_row["expiry"] == bob_card.card.expiry.isoformat()
    assert "Bjørn Beta" not in {row["cardmember_name"] for row in rows}


def test_ageing_analysis_puts_unpaid_amounts_in_buckets(company_a, history):
    report = ageing_analysis(company=company_a, on=dt.date(2026, 2, 10))
    rows = read_csv(report)
    assert len(rows) == 1
    row = rows[0]
    # January's DKK 1,650.00 less the 100.00 payment, due 2 February: 8 days past due on 10 February.
    assert row["days_past_due"] == "8" and row["1_30"] == "1550.00"
    assert row["31_60"] == row["61_90"] == row["90_plus"] == "0.00"
    assert Decimal(row["current"]) > 0  # February's statement, due 5 March
    assert report.totals()["1_30"] == Decimal("1550.00")


def test_spend_by_industry_and_month(company_a, history):
    cells = spend_by_industry(company=company_a, first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 2, 1))
    assert [(cell.month, cell.industry, cell.amount, cell.transactions) for cell in cells] == [
        (dt.date(2026, 1, 1), "lodging", Decimal("1000.00"), 1),
        (dt.date(2026, 1, 1), "restaurants", Decimal("237.50"), 2),
    ]


def test_transaction_file_reads_a_fixed_number_of_queries(company_a, bob_account, django_assert_max_num_queries):
    for number in range(30):
        charge(bob_account, "purchase", "10.00", dt.date(2026, 1, 7), f"q/{number}", merchant="Kiosk", mcc="5499")
    with django_assert_max_num_queries(2):
        assert len(list(daily_transactions(company=company_a, day=dt.date(2026, 1, 7)).rows())) == 30


# ── API ──────────────────────────────────────────────────────────────────────────────────────────


def test_api_serves_csv_and_json_to_the_companys_token(company_a, tokens, history):
    client = token_client(tokens.a)
    response = client.get("/api/v1/companies/10001/reports/transactions.csv", {"date": "2026-01-20"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="transactions-10001-2026-01-20.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("account_number,cardmember_name,employee_id,cost_centre,card_number")
    assert len(body.splitlines()) == 3
    response = client.get("/api/v1/companies/10001/reports/billed.json", {"month": "2026-01"})
    document = json.loads(b"".join(response.streaming_content))
    assert document["report"] == "billed" and document["company"] == "10001"
    assert [row["amount"] for row in document["rows"]] == ["1000.00", "650.00"]
    response = client.get("/api/v1/companies/10001/reports/ageing.json", {"date": "2026-02-10"})
    assert json.loads(b"".join(response.streaming_content))["totals"]["1_30"] == "1550.00"
    response = client.get("/api/v1/companies/10001/reports/cardmembers.csv")
    assert response.status_code == 200
    response = client.get("/api/v1/companies/10001/reports/spend.json", {"from": "2026-01", "to": "2026-02"})
    assert {row["industry"] for row in json.loads(b"".join(response.streaming_content))["rows"]} == {
        "lodging", "restaurants"}


def test_api_refuses_bad_parameters_with_a_code(company_a, tokens):
    client = token_client(tokens.a)
    response = client.get("/api/v1/companies/10001/reports/billed.csv", {"month": "February"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert client.get("/api/v1/companies/10001/reports/nothing.csv").status_code == 404
    assert client.get("/api/v1/companies/10001/reports/billed.xlsx", {"month": "2026-01"}).status_code == 404


def test_outsiders_get_404_from_the_api(company_a, tokens, history, bob):
    for path in ("transactions.csv?date=2026-01-20", "billed.json?month=2026-01", "cardmembers.csv",
                 "ageing.csv", "spend.json"):
        response = token_client(tokens.b).get(f"/api/v1/companies/10001/reports/{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert token_client(tokens.network).get("/api/v1/companies/10001/reports/cardmembers.csv").status_code == 403
    from rest_framework.test import APIClient

    session = APIClient()
    session.force_login(bob)  # a cardmember is no PA of the company
    assert session.get("/api/v1/companies/10001/reports/cardmembers.csv").status_code == 404


# ── export_report ────────────────────────────────────────────────────────────────────────────────


def test_export_report_writes_the_file(company_a, history, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "billed.csv"
    call_command("export_report", "billed", "--company", "10001", "--month", "2026-01", "--out", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["amount"] for row in rows] == ["1000.00", "650.00"]
    out = tmp_path / "ageing.json"
    call_command("export_report", "ageing", "--company", "10001", "--date", "2026-02-10", "--format", "json",
                 "--out", str(out))
    assert json.loads(out.read_text())["totals"]["1_30"] == "1550.00"


def test_export_report_refuses_bad_input_clearly(company_a, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No company 99999"):
        call_command("export_report", "cardmembers", "--company", "99999", "--out", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="Give the month as YYYY-MM"):
        call_command("export_report", "billed", "--company", "10001", "--month", "May", "--out", str(tmp_path / "x"))
    assert not list(tmp_path.iterdir())
