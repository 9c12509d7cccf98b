"""Issue 19 item 11: `seed_demo --history` runs its history up to the day it is started, with demo rates
where the shipped ECB file ends (SPEC 18: "the demo's history runs up to the day `make run` is
started")."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest

from accounts.demo_history import _charges, demo_rates_after_file
from charges.models import FxRate
from charges.services import fx_rates_load

pytestmark = pytest.mark.django_db

FRIDAY_4_DECEMBER = dt.date(2026, 12, 4)


def test_issue19_item11_demo_rates_continue_every_weekday_after_the_ecb_file():
    rows = list(csv.reader(io.TextIOWrapper(demo_rates_after_file(through=dt.date(2026, 12, 5)), encoding="utf-8")))
    days = [dt.date.fromisoformat(row[0]) for row in rows[1:]]
    assert days[0] == FRIDAY_4_DECEMBER and days[-1] == dt.date(2026, 11, 2)  # newest first, from Monday 2 Nov
    assert len(days) == 25 and all(day.weekday() < 5 for day in days)  # 5 weeks of working days
    header = rows[0]
    newest = dict(zip(header, rows[1], strict=True))
    assert newest["DKK"] == "7.4735"  # pegged: where the ECB file leaves it (30 October)
    assert Decimal("1.0") < Decimal(newest["USD"]) < Decimal("1.25")  # 1.1172 on 30 October, ±0.3 % a day
    assert demo_rates_after_file(through=dt.date(2026, 10, 30)) is None

    fx_rates_load(source=demo_rates_after_file(through=dt.date(2026, 12, 5)))
    assert FxRate.objects.get(rate_date=FRIDAY_4_DECEMBER, currency="USD").rate == Decimal(newest["USD"])
    # The same day gives the same rates on every machine.
    again = list(csv.reader(io.TextIOWrapper(demo_rates_after_file(through=dt.date(2026, 12, 5)), encoding="utf-8")))
    assert again == rows


def test_issue19_item11_demo_spend_runs_to_the_day_before_the_history_ends():
    company = SimpleNamespace(market="DK", cash_allowed=True)
    accounts = [SimpleNamespace(pk=n, number=f"37000000000000{n}", company=company, currency="DKK") for n in (1, 2, 3)]
    by_day = _charges(accounts, {1: "1" * 15, 2: "2" * 15, 3: "3" * 15}, random.Random(2026),
                      last_day=dt.date(2026, 12, 4))
    processed = sorted(by_day)
    assert processed[-1] > dt.date(2026, 11, 24)  # spend in "this period", not stopping in October
    assert max(dt.date.fromisoformat(row["transaction_date"]) for rows in by_day.values() for row in rows
               if row["type"] != "refund") <= dt.date(2026, 12, 4)
