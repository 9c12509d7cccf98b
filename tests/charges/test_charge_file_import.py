"""charge_file_import (SPEC sections 5–7): validated whole, posted whole, never twice."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection, transaction
from moneyed import Money

from accounts.models import Card
from accounts.pan import generate_pan
from amexprog.common.csvfiles import FILE_ALREADY_LOADED, FileRejected, RowError
from amexprog.common.errors import ApplicationError
from charges import validation as v
from charges.fx import NO_RATE_FOR_CURRENCY, NO_RATES
from charges.models import ChargeFile
from charges.services import charge_file_import
from ledger.models import JournalEntry, Posting
from ledger.selectors import posting_legs
from ledger.verification import verify_ledger
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory, issue_card
from tests.charges.conftest import RATE_DATE, charge_file, charge_row, store_rates

pytestmark = pytest.mark.django_db


def load(rows: list[dict], *, bulk: bool | None = None, name: str = "charges.csv") -> ChargeFile:
    return charge_file_import(source=io.BytesIO(charge_file(rows)), filename=name, bulk=bulk)


def rejected(rows: list[dict], *, bulk: bool | None = None) -> list[RowError]:
    with pytest.raises(FileRejected) as error:
        load(rows, bulk=bulk)
    assert not Posting.objects.exists() or error.value  # (the callers check what stayed posted)
    return error.value.errors


def posting(key: str) -> Posting:
    return Posting.objects.get(source_key=key)


def spec_rows(pan: str) -> list[dict]:
    """SPEC section 6's worked example, plus section 7's domestic cash withdrawals."""
    return [
        charge_row("T1", pan, "100.00", "USD", merchant_name="Apple Store", merchant_city="New York",
                   merchant_country="US"),
        charge_row("T2", pan, "200.00", "EUR", merchant_name="Hotel Adlon", merchant_city="Berlin",
                   merchant_country="DE"),
        charge_row("T3", pan, "1234.50", "SEK", merchant_name="NK", merchant_city="Stockholm",
                   merchant_country="SE"),
        charge_row("T4", pan, "45.99", "GBP", merchant_name="Hamleys", merchant_city="London",
                   merchant_country="GB"),
        charge_row("T5", pan, "100.00", "EUR", type="cash", merchant_name="ATM Sparkasse", merchant_city="Berlin",
                   merchant_country="DE", mcc="6011"),
        charge_row("T6", pan, "300.00", "DKK", type="cash", merchant_name="", merchant_city="", mcc="6011"),
        charge_row("T7", pan, "2000.00", "DKK", type="cash", merchant_name="", merchant_city="", mcc="6011"),
    ]


def test_spec_worked_example_posts_every_figure(spec_rates, bob_card):
    charge_file_row = load(spec_rows(bob_card.pan))
    assert {p.source_key: p.amount for p in Posting.objects.all()} == {
        "charge/T1": Money("687.65", "DKK"), "fee_fx/T1": Money("17.19", "DKK"),
        "charge/T2": Money("1492.20", "DKK"), "fee_fx/T2": Money("37.31", "DKK"),
        "charge/T3": Money("835.84", "DKK"), "fee_fx/T3": Money("20.90", "DKK"),
        "charge/T4": Money("407.50", "DKK"), "fee_fx/T4": Money("10.19", "DKK"),
        "charge/T5": Money("746.10", "DKK"), "fee_fx/T5": Money("18.65", "DKK"), "fee_cash/T5": Money("29.84", "DKK"),
        "charge/T6": Money("300.00", "DKK"), "fee_cash/T6": Money("25.00", "DKK"),
        "charge/T7": Money("2000.00", "DKK"), "fee_cash/T7": Money("80.00", "DKK"),
    }
    sek = posting("charge/T3")
    assert (sek.kind, sek.posting_date, sek.transaction_date) == ("purchase", dt.date(2026, 3, 11), dt.date(2026, 3, 9))
    assert sek.original_amount == Money("1234.50", "SEK")
    assert sek.usd_amount == Decimal("121.55")
    assert sek.fx_rate_to_usd == Decimal("0.098457350272")  # 1.0850 ÷ 11.0200
    assert sek.fx_rate == Decimal("6.876497695853")  # 7.4610 ÷ 1.0850
    assert sek.fx_rate_date == dt.date(2026, 3, 10)
    assert sek.description == "NK, Stockholm"
    assert sek.card == bob_card.card
    fee = posting("fee_fx/T3")
    assert (fee.kind, fee.related, fee.description) == ("fee_fx", sek, "Currency conversion fee on SEK 1234.50")
    assert fee.explanation["ecb_rate"] == "0.677041742287"  # 7.4610 ÷ 11.0200, the direct cross
    assert fee.explanation["rate_used"] == "0.677067638720"  # 835.84 ÷ 1234.50
    assert fee.explanation["markup_percent"] == "2.5044"  # (835.84 + 20.90) ÷ 835.808 (ECB) − 1
    assert fee.explanation["fee_schedule_id"] and fee.explanation["percent"] == "2.500"
    atm = posting("charge/T5")
    assert atm.kind == "cash"
    assert {p.kind for p in atm.dependents.all()} == {"fee_fx", "fee_cash"}
    assert posting("fee_cash/T5").explanation == {
        "rule": "SPEC 7: cash fee", "fee_schedule_id": fee.explanation["fee_schedule_id"], "percent": "4.000",
        "minimum": "25.00", "base_amount": "746.10", "base_currency": "DKK"}
    # A domestic charge carries no FX details and no FX fee.
    assert posting("charge/T6").original_amount is None and posting("charge/T6").usd_amount is None
    assert not Posting.objects.filter(source_key="fee_fx/T6").exists()
    assert posting("charge/T6").description == "Cash withdrawal"
    assert (charge_file_row.row_count, charge_file_row.posting_count) == (7, 15)
    assert charge_file_row.totals["fee_cash"] == {"count": 3, "amounts": {"DKK": "134.84"}}
    assert all(not problems for problems in verify_ledger().values())


def test_every_posting_is_a_balanced_entry_on_the_receivable(spec_rates, bob_card):
    load(spec_rows(bob_card.pan))
    for p in Posting.objects.all():
        legs = posting_legs(posting=p)
        assert sum(leg.amount.amount for leg in legs) == 0
        receivable = [leg for leg in legs if leg.ledger_account == "receivable"]
        assert receivable[0].amount == p.amount
    assert {leg.ledger_account: leg.amount for leg in posting_legs(posting=posting("fee_fx/T1"))}["fx_income"] == Money(
        "-17.19", "DKK")


@pytest.fixture
def be_card(db):
    company = CompanyFactory(market="BE", country="BE", credit_limit=Money("100000.00", "EUR"),
                             annual_fee=Money("0.00", "EUR"))
    return issue_card(AccountFactory(cardmember=CardmemberFactory(company=company, language="nl")))


def test_a_belgian_account_is_billed_in_eur_through_usd(spec_rates, be_card):
    load([charge_row("BE1", be_card.pan, "746.10", "DKK"), charge_row("BE2", be_card.pan, "80.00", "EUR"),
          charge_row("BE3", be_card.pan, "100.00", "USD")])
    dkk = posting("charge/BE1")
    assert (dkk.amount, dkk.usd_amount) == (Money("100.00", "EUR"), Decimal("108.50"))  # 746.10 ÷ 7.4610 × 1.0850
    assert dkk.fx_rate == Decimal("0.921658986175")  # 1 ÷ 1.0850
    assert posting("fee_fx/BE1").amount == Money("2.50", "EUR")
    assert posting("charge/BE2").amount == Money("80.00", "EUR")
    assert not Posting.objects.filter(source_key="fee_fx/BE2").exists()
    assert posting("charge/BE3").amount == Money("92.17", "EUR")  # 100 ÷ 1.0850 = 92.1659


def test_refund_is_a_credit_whose_fx_fee_is_still_a_debit(spec_rates, bob_card):
    load([charge_row("P1", bob_card.pan, "100.00", "USD")], name="day1.csv")
    load([charge_row("R1", bob_card.pan, "100.00", "USD", type="refund", original_transaction_id="P1")],
         name="day2.csv")
    refund = posting("charge/R1")
    assert refund.amount == Money("-687.65", "DKK")
    assert refund.related == posting("charge/P1")
    assert posting("fee_fx/R1").amount == Money("17.19", "DKK")
    assert posting("fee_fx/R1").related == refund


def test_refund_of_a_purchase_earlier_in_the_same_file(spec_rates, bob_card):
    load([charge_row("P1", bob_card.pan, "250.00"),
          charge_row("R1", bob_card.pan, "50.00", type="refund", original_transaction_id="P1")])
    assert posting("charge/R1").amount == Money("-50.00", "DKK")
    assert posting("charge/R1").related == posting("charge/P1")
    assert not Posting.objects.filter(kind="fee_fx").exists()


def test_merchant_converted_charge_has_no_fx_fee(spec_rates, bob_card):
    load([charge_row("M1", bob_card.pan, "512.00", "DKK", merchant_converted="true", merchant_country="FR")])
    assert posting("charge/M1").amount == Money("512.00", "DKK")
    assert Posting.objects.count() == 1


def test_charges_on_a_lost_card_are_posted_and_flagged(spec_rates, bob_account, bob_card):
    Card.objects.filter(pk=bob_card.card.pk).update(status=Card.Status.LOST, status_changed_on=dt.date(2026, 3, 8))
    expired = issue_card(bob_account, on=dt.date(2021, 1, 5))  # expired at the end of January 2025
    load([charge_row("L1", bob_card.pan, "10.00", transaction_date="2026-03-07"),
          charge_row("L2", bob_card.pan, "20.00", transaction_date="2026-03-08"),
          charge_row("E1", expired.pan, "30.00", transaction_date="2026-03-09")])
    assert not posting("charge/L1").flagged_for_review  # before the loss was reported
    assert posting("charge/L2").flagged_for_review
    assert posting("charge/L2").explanation["review_reason"] == "lost"
    assert posting("charge/E1").flagged_for_review
    assert posting("charge/E1").explanation["review_reason"] == "expired"
    assert ChargeFile.objects.get().flagged_count == 2


def test_a_file_already_loaded_is_refused(spec_rates, bob_card):
    rows = [charge_row("D1", bob_card.pan, "99.50")]
    load(rows)
    with pytest.raises(ApplicationError) as error:
        load(rows)
    assert error.value.code == "file_already_loaded"
    assert error.value.message == FILE_ALREADY_LOADED.format(loaded_at=error.value.message.split(" on ")[1][:16])
    assert Posting.objects.count() == 1


def test_rerunning_the_same_charges_in_another_file_posts_nothing_twice(spec_rates, bob_card):
    load([charge_row("D1", bob_card.pan, "99.50"), charge_row("D2", bob_card.pan, "1.50")])
    errors = rejected([charge_row("D2", bob_card.pan, "1.50"), charge_row("D3", bob_card.pan, "7.00")])
    assert errors == [RowError(2, "transaction_id", v.ALREADY_POSTED)]
    assert sorted(Posting.objects.values_list("source_key", flat=True)) == ["charge/D1", "charge/D2"]


@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_a_crash_half_way_leaves_nothing_and_a_rerun_posts_everything_once(spec_rates, bob_card, monkeypatch, bulk):
    from charges import services

    rows = [charge_row(f"K{i}", bob_card.pan, "10.00", "USD") for i in range(5)]
    if bulk:
        monkeypatch.setattr("charges.bulk.POSTINGS_SQL", "SELECT 1 / 0")  # dies at the postings insert
    else:
        real, calls = services.charge_post, []

        def dies_on_the_third(**kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("worker killed")
            return real(**kwargs)

        monkeypatch.setattr(services, "charge_post", dies_on_the_third)
    with pytest.raises(Exception):  # noqa: B017 — whatever killed it
        load(rows, bulk=bulk)
    assert not (Posting.objects.exists() or JournalEntry.objects.exists() or ChargeFile.objects.exists())
    monkeypatch.undo()
    load(rows, bulk=bulk)
    assert Posting.objects.filter(kind="purchase").count() == 5
    assert Posting.objects.filter(kind="fee_fx").count() == 5


def test_ten_thousand_rows_with_one_bad_row_post_nothing_and_name_the_row(spec_rates, bob_card):
    rows = [charge_row(f"N{i}", bob_card.pan, f"{i % 900 + 1}.25", ["DKK", "USD", "EUR", "SEK"][i % 4])
            for i in range(10_000)]
    rows[7_344]["amount"] = "12,50"
    errors = rejected(rows)
    assert errors == [RowError(7_346, "amount", v.BAD_AMOUNT)]  # header is row 1
    assert not Posting.objects.exists()
    assert not ChargeFile.objects.exists()


# ── One rule per row: the same report from both paths ────────────────────────────────────────────

def bad_rows(pan: str, other_pan: str, unknown_pan: str) -> tuple[list[dict], list[RowError]]:
    R = charge_row
    rows = [
        R("OK1", pan, "10.00"),  # row 2
        R("", pan, "10.00"),  # 3
        R("bad id!", pan, "10.00"),
        R("OK1", pan, "10.00"),  # 5
        R("C1", "", "10.00"),
        R("C2", "371234567890123", "10.00"),  # 7: fails Luhn
        R("C3", unknown_pan, "10.00"),
        R("D1", pan, "10.00", transaction_date="2026-02-30"),  # 9
        R("D2", pan, "10.00", transaction_date="2026-03-12"),
        R("D3", pan, "10.00", processing_date="20260311"),  # 11
        R("Y1", pan, "10.00", type="payment"),
        R("A1", pan, "12,50"),  # 13
        R("A2", pan, "0.00"),
        R("A3", pan, "10.001"),  # 15
        R("A4", pan, "1000000000000"),
        R("A5", pan, "1500.5", "JPY"),  # 17
        R("K1", pan, "10.00", "XYZ"),
        R("K2", pan, "10.00", "NOK"),  # 19: no NOK rate on 2026-03-10
        R("K3", pan, "10.00", "USD", processing_date="2026-03-25"),
        R("N1", pan, "10.00", merchant_name="x" * 101, merchant_city="y" * 61),  # 21
        R("N2", pan, "10.00", merchant_country="Denmark", mcc="58"),
        R("B1", pan, "10.00", merchant_converted="maybe"),  # 23
        R("B2", pan, "10.00", "USD", merchant_converted="true"),
        R("O1", pan, "10.00", type="refund"),  # 25
        R("O2", pan, "10.00", original_transaction_id="OK1"),
        R("O3", pan, "10.00", type="refund", original_transaction_id="NOPE"),  # 27
        R("O4", other_pan, "10.00", type="refund", original_transaction_id="OK1"),
        R("O5", pan, "10.00", type="refund", original_transaction_id="LATER"),  # 29
        R("LATER", pan, "10.00"),
        R("NUL", pan, "10.00", merchant_name="a\x00b"),  # 31
        R("MANY", unknown_pan, "abc", "XY", type="", transaction_date="x"),
    ]
    E = RowError
    expected = [
        E(3, "transaction_id", v.REQUIRED),
        E(4, "transaction_id", v.BAD_TRANSACTION_ID),
        E(5, "transaction_id", v.DUPLICATE_IN_FILE.format(row=2)),
        E(6, "card_number", v.REQUIRED),
        E(7, "card_number", v.BAD_CARD_NUMBER),
        E(8, "card_number", v.UNKNOWN_CARD.format(last4=unknown_pan[-4:])),
        E(9, "transaction_date", v.BAD_DATE.format(value="2026-02-30")),
        E(10, "transaction_date", v.AFTER_PROCESSING_DATE),
        E(11, "processing_date", v.BAD_DATE.format(value="20260311")),
        E(12, "type", v.BAD_TYPE),
        E(13, "amount", v.BAD_AMOUNT),
        E(14, "amount", v.ZERO_AMOUNT),
        E(15, "amount", v.TOO_MANY_DECIMALS.format(currency="DKK")),
        E(16, "amount", v.AMOUNT_TOO_LARGE),
        E(17, "amount", v.TOO_MANY_DECIMALS.format(currency="JPY")),
        E(17, "currency", NO_RATE_FOR_CURRENCY.format(currency="JPY", rate_date="2026-03-10")),
        E(18, "currency", v.UNKNOWN_CURRENCY.format(value="XYZ")),
        E(19, "currency", NO_RATE_FOR_CURRENCY.format(currency="NOK", rate_date="2026-03-10")),
        E(20, "currency", NO_RATES.format(days=7, processing_date="2026-03-25")),
        E(21, "merchant_name", v.TOO_LONG.format(max=100)),
        E(21, "merchant_city", v.TOO_LONG.format(max=60)),
        E(22, "merchant_country", v.BAD_COUNTRY),
        E(22, "mcc", v.BAD_MCC),
        E(23, "merchant_converted", v.BAD_BOOL),
        E(24, "merchant_converted", v.NOT_IN_BILLING_CURRENCY.format(currency="DKK")),
        E(25, "original_transaction_id", v.ORIGINAL_REQUIRED),
        E(26, "original_transaction_id", v.ORIGINAL_ONLY_ON_REFUNDS),
        E(27, "original_transaction_id", v.ORIGINAL_NOT_FOUND.format(id="NOPE")),
        E(28, "original_transaction_id", v.ORIGINAL_OTHER_ACCOUNT.format(id="OK1")),
        E(29, "original_transaction_id", v.ORIGINAL_NOT_FOUND.format(id="LATER")),
        E(31, "merchant_name", v.NUL_CHARACTER),
        E(32, "card_number", v.UNKNOWN_CARD.format(last4=unknown_pan[-4:])),
        E(32, "transaction_date", v.BAD_DATE.format(value="x")),
        E(32, "type", v.REQUIRED),
        E(32, "amount", v.BAD_AMOUNT),
        E(32, "currency", v.UNKNOWN_CURRENCY.format(value="XY")),
    ]
    return rows, expected


@pytest.fixture
def other_card(company_a):
    return issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a)))


@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_each_rule_reports_row_column_and_reason(spec_rates, bob_card, other_card, bulk):
    unknown = generate_pan()
    rows, expected = bad_rows(bob_card.pan, other_card.pan, unknown)
    with pytest.raises(FileRejected) as error:
        load(rows, bulk=bulk)
    assert error.value.errors == expected
    assert error.value.extra["error_count"] == len(expected)
    assert not Posting.objects.exists()
    report = str(error.value.extra)
    for pan in (bob_card.pan, other_card.pan, unknown, "371234567890123"):
        assert pan not in report


def test_a_card_number_in_the_wrong_column_is_masked_in_the_report(spec_rates, bob_card):
    errors = rejected([charge_row("X1", bob_card.pan, "10.00", currency=bob_card.pan)])
    assert errors == [RowError(2, "currency", v.UNKNOWN_CURRENCY.format(value="****" + bob_card.pan[-4:]))]


def test_a_closed_account_takes_no_charges_after_its_close(spec_rates, bob_account, bob_card):
    bob_account.closed_on = dt.date(2026, 3, 10)
    bob_account.save()
    errors = rejected([charge_row("X1", bob_card.pan, "10.00")])
    assert errors == [RowError(2, "card_number", v.ACCOUNT_CLOSED.format(closed_on="2026-03-10"))]


@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_ledger_posting_guards_refuse_the_whole_file(spec_rates, bob_account, bob_card, other_card, monkeypatch,
                                                     bulk):
    """E.g. statements refuse postings into a period already produced: nothing of the file is posted."""
    from ledger import services as ledger_services

    def refuse_bob(pairs):
        if any(account.pk == bob_account.pk for account, _day in pairs):
            raise ApplicationError("period closed for Bob", "period_closed")

    monkeypatch.setattr(ledger_services, "POSTING_GUARDS", [refuse_bob])
    with pytest.raises(ApplicationError) as error:
        load([charge_row("G1", other_card.pan, "10.00"), charge_row("G2", bob_card.pan, "10.00")], bulk=bulk)
    assert error.value.code == "period_closed"
    assert not Posting.objects.exists()
    assert not ChargeFile.objects.exists()


@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_charges_into_a_period_already_stated_are_named_row_by_row(spec_rates, bob_account, bob_card, other_card,
                                                                    bulk):
    """Bob's statement of 5 March is produced: a charge processed on or before that day would change it.
    Every such row is in the report on its processing date (SPEC section 5), and nothing is posted."""
    from ledger.services import posting_create
    from statements.services import statements_generate

    posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                   posting_date=dt.date(2026, 3, 2), source_key="charge/before-statement", card=bob_card.card)
    assert statements_generate(on=dt.date(2026, 3, 5), account_ids=[bob_account.pk]) == 1
    stated = Posting.objects.count()

    errors = rejected([
        charge_row("P1", other_card.pan, "10.00", transaction_date="2026-03-04", processing_date="2026-03-05"),
        charge_row("P2", bob_card.pan, "20.00", transaction_date="2026-03-04", processing_date="2026-03-05"),
        charge_row("P3", bob_card.pan, "30.00", transaction_date="2026-03-01", processing_date="2026-03-04"),
        charge_row("P4", bob_card.pan, "40.00", transaction_date="2026-03-05", processing_date="2026-03-06"),
        charge_row("P5", bob_card.pan, "50.00", transaction_date="2026-03-03", processing_date="2026-03-05"),
    ], bulk=bulk)

    reason = (f"Account {bob_account.number}'s statement of 2026-03-05 is already produced; "
              "post on a later day.")
    assert errors == [RowError(3, "processing_date", reason), RowError(4, "processing_date", reason),
                      RowError(6, "processing_date", reason)]
    assert Posting.objects.count() == stated
    assert not ChargeFile.objects.exists()


def test_structural_errors_and_rule_errors_are_reported_together(spec_rates, bob_card):
    text = charge_file([charge_row("S1", bob_card.pan, "1.00"), charge_row("S2", bob_card.pan, "-1")]).decode()
    text += "S3,too,few\n"
    with pytest.raises(FileRejected) as error:
        charge_file_import(source=io.BytesIO(text.encode()), filename="x.csv")
    assert [(e.row, e.column) for e in error.value.errors] == [(3, "amount"), (4, "")]


# ── PostgreSQL: the set-based path and the ORM path post the same ledger ─────────────────────────

def ledger_snapshot() -> dict:
    files = dict(ChargeFile.objects.values_list("pk", "content_hmac"))
    postings = {}
    for p in Posting.objects.select_related("related", "account", "card"):
        explanation = dict(p.explanation)
        if "charge_file" in explanation:
            explanation["charge_file"] = files[explanation["charge_file"]]
        postings[p.source_key] = (
            p.account.number, p.card and p.card.last4, p.posting_date, p.kind, p.amount, p.description,
            p.related and p.related.source_key, p.transaction_date, p.merchant_name, p.merchant_city,
            p.merchant_country, p.mcc, p.flagged_for_review, p.original_amount, p.usd_amount, p.fx_rate_to_usd,
            p.fx_rate, p.fx_rate_date, explanation,
            sorted((leg.ledger_account, leg.account and leg.account.pk, str(leg.amount))
                   for leg in posting_legs(posting=p)),
        )
    assert not JournalEntry.objects.exists()
    return postings


def mixed_rows(cards: list[tuple[str, str]], n: int) -> list[dict]:
    """(card number, billing currency) per card: mixed currencies, 5 % cash, refunds, some merchant-converted."""
    currencies = ["DKK", "USD", "EUR", "SEK", "GBP", "DKK", "JPY"]
    rows = []
    for i in range(n):
        pan, billing = cards[i % len(cards)]
        currency = currencies[i % len(currencies)]
        converted = i % 31 == 5
        if converted:
            currency = billing
        amount = f"{(i * 7919) % 5000 + 1}" + ("" if currency == "JPY" else f".{i % 100:02d}")
        kind = "cash" if i % 20 == 3 else "purchase"
        rows.append(charge_row(f"X{i}", pan, amount, currency, type=kind,
                               merchant_converted="true" if converted else "false"))
        if i % 50 == 7:
            rows.append(charge_row(f"R{i}", pan, amount, currency, type="refund", original_transaction_id=f"X{i}"))
    return rows


@pytest.mark.postgres
def test_bulk_and_orm_paths_post_identical_ledgers(spec_rates, bob_card, other_card, be_card):
    store_rates(RATE_DATE, {"JPY": "162.35"})
    Card.objects.filter(pk=other_card.card.pk).update(status=Card.Status.STOLEN, status_changed_on=dt.date(2026, 3, 1))
    data = charge_file(mixed_rows([(bob_card.pan, "DKK"), (other_card.pan, "DKK"), (be_card.pan, "EUR")], 600))
    snapshots, figures = [], []
    for bulk in (True, False):
        with transaction.atomic():
            loaded = charge_file_import(source=io.BytesIO(data), filename="same.csv", bulk=bulk)
            snapshots.append(ledger_snapshot())
            figures.append((loaded.row_count, loaded.posting_count, loaded.flagged_count, loaded.totals))
            transaction.set_rollback(True)
    assert len(snapshots[0]) > 600
    assert {value[4].currency.code for value in snapshots[0].values()} == {"DKK", "EUR"}
    assert snapshots[0] == snapshots[1]
    # The file's figures too (issue 17: the bulk path reads them off the rows its INSERT returned).
    assert figures[0] == figures[1] and figures[0][2] > 0


@pytest.mark.postgres
def test_postgres_uses_the_bulk_path(spec_rates, bob_card, django_assert_max_num_queries):
    assert connection.vendor == "postgresql"
    store_rates(RATE_DATE, {"JPY": "162.35"})
    data = charge_file(mixed_rows([(bob_card.pan, "DKK")], 300))
    with django_assert_max_num_queries(60):
        charge_file_import(source=io.BytesIO(data), filename="fast.csv")
    assert Posting.objects.filter(kind="purchase").count() > 250


@pytest.mark.postgres
def test_issue17_text_copy_escapes_reach_the_ledger_unchanged(spec_rates, bob_card):
    """The bulk reader writes COPY's text format itself (issue 17, the read step): backslashes, tabs, `\\N`
    and line breaks inside a field reach the postings exactly as the ORM path posts them."""
    names = ["Back\\slash \\N", "Tab\there", "Line\nbreak\r\nx", "\\.", "Café \\t literal"]
    rows = [charge_row(f"E{n}", bob_card.pan, "10.00", "USD", merchant_name=name, merchant_city=f"C\\{n}\t")
            for n, name in enumerate(names)]
    data = charge_file(rows)
    snapshots = []
    for bulk in (True, False):
        with transaction.atomic():
            charge_file_import(source=io.BytesIO(data), filename="escapes.csv", bulk=bulk)
            snapshots.append(ledger_snapshot())
            transaction.set_rollback(True)
    assert snapshots[0] == snapshots[1]
    assert sorted(value[8] for key, value in snapshots[0].items() if key.startswith("charge/")) == sorted(names)


@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_issue17_length_bounds_of_ids_and_amounts_are_the_same_on_both_paths(spec_rates, bob_card, bulk):
    """Issue 17: the set-based path checks the ids' and amounts' lengths with length(), not with counted
    regex repetitions (which PostgreSQL unrolls, at a cost above the file's raw COPY); the bounds of SPEC
    section 5's rules (charges/validation.py) stay exactly where the row-by-row path puts them; so do the
    words a merchant_converted value may be (one lower() per row now)."""
    pan, top = bob_card.pan, v.MAX_TRANSACTION_ID
    digits = v.MAX_AMOUNT_DIGITS
    rows = [
        charge_row("A" * top, pan, "10.00"),  # 2: the longest id
        charge_row("B" * (top + 1), pan, "10.00"),  # 3
        charge_row("C" * (top - 1) + "é", pan, "10.00"),  # 4: 100 characters, one not allowed
        charge_row("D1", pan, "1" * (digits + 1)),  # 5
        charge_row("D2", pan, "1" * digits),  # 6: well-formed, too large
        charge_row("D3", pan, "1." + "0" * (digits - 1) + "1"),  # 7: well-formed, too many decimals
        charge_row("D4", pan, "1." + "0" * (digits + 1)),  # 8
        charge_row("D5", pan, "1.5.5"),  # 9
        charge_row("D6", pan, "1."),  # 10
        charge_row("D7", pan, ".5"),  # 11
        charge_row("D8", pan, "12.50"),  # 12: fine
        charge_row("W1", pan, "1.00", merchant_converted="Yes"),  # 13: the words, in any case
        charge_row("W2", pan, "1.00", merchant_converted="0"),
        charge_row("W3", pan, "1.00", merchant_converted=""),  # 15
        charge_row("W4", pan, "1.00", merchant_converted="nein"),
    ]
    E = RowError
    assert rejected(rows, bulk=bulk) == [
        E(3, "transaction_id", v.BAD_TRANSACTION_ID),
        E(4, "transaction_id", v.BAD_TRANSACTION_ID),
        E(5, "amount", v.BAD_AMOUNT),
        E(6, "amount", v.AMOUNT_TOO_LARGE),
        E(7, "amount", v.TOO_MANY_DECIMALS.format(currency="DKK")),
        E(8, "amount", v.BAD_AMOUNT),
        E(9, "amount", v.BAD_AMOUNT),
        E(10, "amount", v.BAD_AMOUNT),
        E(11, "amount", v.BAD_AMOUNT),
        E(16, "merchant_converted", v.BAD_BOOL),
    ]
