"""Statements built through the real cycle, shared by the rendering, export, API and portal tests."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from moneyed import Money

from charges.services import charge_file_import
from ledger.services import posting_create
from statements.models import Statement
from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, charge_file, charge_row, store_rates
from tests.statements.conftest import run_through

HOTEL = "Hotel d'Angleterre, København"


def purchase(account, amount: str, on: dt.date, key: str, *, description: str = HOTEL, card=None):
    return posting_create(account=account, kind="purchase", amount=Money(Decimal(amount), account.currency),
                          posting_date=on, source_key=key, description=description, card=card,
                          merchant_name=description.split(",")[0], merchant_city="København", merchant_country="DK",
                          transaction_date=on)[0]


def bill_on_opening_day(*accounts) -> list[Statement]:
    """A DKK 1,000.00 hotel bill on each account's opening day; each account's cycle day is that day,
    so its first statement (with the first annual fee, DKK 650.00) closes at DKK 1,650.00 the same day."""
    for account in accounts:
        purchase(account, "1000.00", account.opened_on, f"charge/hotel-{account.number}", card=account.cards.first())
    run_through(max(account.opened_on for account in accounts), start=min(a.opened_on for a in accounts))
    return [Statement.objects.get(account=account) for account in accounts]


def spec_section_6_rows(pan: str) -> list[dict]:
    return [
        charge_row("T1", pan, "100.00", "USD", merchant_name="Apple Store", merchant_city="New York",
                   merchant_country="US"),
        charge_row("T3", pan, "1234.50", "SEK", merchant_name="NK", merchant_city="Stockholm", merchant_country="SE"),
        charge_row("T5", pan, "100.00", "EUR", type="cash", merchant_name="ATM Sparkasse", merchant_city="Berlin",
                   merchant_country="DE", mcc="6011"),
    ]


def foreign_charges(pan: str) -> None:
    """SPEC section 6's worked example (rates of 2026-03-10, processed 2026-03-11)."""
    store_rates(RATE_DATE, RATES_2026_03_10)
    charge_file_import(source=io.BytesIO(charge_file(spec_section_6_rows(pan))), filename="march.csv")
