"""Rates and charge files for the charges tests.

RATES_2026_03_10 are SPEC section 6's worked-example rates; PROCESSING_DATE is its processing date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from charges.models import FxRate
from charges.validation import COLUMNS

RATE_DATE = dt.date(2026, 3, 10)
PROCESSING_DATE = dt.date(2026, 3, 11)
RATES_2026_03_10 = {"USD": "1.0850", "DKK": "7.4610", "SEK": "11.0200", "GBP": "0.8420", "EUR": "1"}


def store_rates(day: dt.date, rates: dict[str, str]) -> None:
    FxRate.objects.bulk_create(FxRate(rate_date=day, currency=c, rate=Decimal(r)) for c, r in rates.items())


@pytest.fixture
def spec_rates(db):
    store_rates(RATE_DATE, RATES_2026_03_10)


def charge_row(transaction_id: str, card_number: str, amount: str, currency: str = "DKK", *, type: str = "purchase",
               transaction_date: str = "2026-03-09", processing_date: str = "2026-03-11",
               merchant_name: str = "Café Nørrebro", merchant_city: str = "København", merchant_country: str = "DK",
               mcc: str = "5812", merchant_converted: str = "false", original_transaction_id: str = "") -> dict:
    return dict(transaction_id=transaction_id, card_number=card_number, transaction_date=transaction_date,
                processing_date=processing_date, type=type, amount=amount, currency=currency,
                merchant_name=merchant_name, merchant_city=merchant_city, merchant_country=merchant_country,
                mcc=mcc, merchant_converted=merchant_converted, original_transaction_id=original_transaction_id)


def charge_file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
