"""`manage.py load_fx_rates FILE`: both real ECB layouts, idempotent, all-or-nothing (SPEC sections 6, 16)."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from amexprog.common.csvfiles import FileRejected
from charges.ecb import BAD_RATE, parse_ecb_date
from charges.models import FxRate
from charges.services import RATE_CONFLICT, fx_rates_load

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
DAILY = FIXTURES / "eurofxref.csv"  # the ECB's one-day layout, copied from the real file
HISTORY = FIXTURES / "eurofxref-hist-sample.csv"  # the first five days of the real history file


def load(path: Path) -> str:
    out = io.StringIO()
    call_command("load_fx_rates", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_daily_file_with_spaces_long_date_and_trailing_comma():
    output = load(DAILY)
    day = dt.date(2026, 10, 30)
    assert FxRate.objects.get(rate_date=day, currency="USD").rate == Decimal("1.1172")
    assert FxRate.objects.get(rate_date=day, currency="GBP").rate == Decimal("0.83380")
    assert FxRate.objects.get(rate_date=day, currency="IDR").rate == Decimal("20275.17")
    assert FxRate.objects.get(rate_date=day, currency="EUR").rate == 1
    assert FxRate.objects.filter(rate_date=day).count() == 30  # 29 quoted currencies and EUR
    assert "Loaded 1 day(s) 2026-10-30 → 2026-10-30: 30 new rate(s), 0 already loaded." in output


def test_history_file_skips_currencies_not_quoted():
    load(HISTORY)
    assert FxRate.objects.filter(rate_date=dt.date(2026, 10, 29), currency="USD").get().rate == Decimal("1.113")
    assert not FxRate.objects.filter(currency="CYP").exists()  # N/A since 2008
    assert FxRate.objects.values("rate_date").distinct().count() == 5


def test_historic_currencies_and_large_rates_load_exactly():
    load(FIXTURES / "eurofxref-hist-1999.csv")
    assert FxRate.objects.get(rate_date=dt.date(1999, 1, 4), currency="TRL").rate == Decimal("372274")
    assert FxRate.objects.get(rate_date=dt.date(1999, 1, 4), currency="CYP").rate == Decimal("0.58231")


def test_loading_twice_or_daily_after_history_adds_and_changes_nothing():
    load(HISTORY)
    count = FxRate.objects.count()
    output = load(HISTORY)
    assert FxRate.objects.count() == count
    assert "0 new rate(s)" in output
    # The daily file writes GBP as 0.83380 where the history says 0.8338: the same rate.
    output = load(DAILY)
    assert FxRate.objects.count() == count
    assert "0 new rate(s), 30 already loaded" in output


def test_a_contradicting_rate_is_refused_and_nothing_is_loaded():
    load(DAILY)
    bad = "Date,USD,SEK,\n2026-10-30,1.1180,10.978,\n2026-10-29,1.113,10.9995,\n"
    with pytest.raises(FileRejected) as error:
        fx_rates_load(source=io.BytesIO(bad.encode()))
    assert error.value.errors[0].column == "USD"
    assert error.value.errors[0].reason == RATE_CONFLICT.format(
        currency="USD", date="2026-10-30", stored="1.1172", given="1.1180")
    assert not FxRate.objects.filter(rate_date=dt.date(2026, 10, 29)).exists()


def test_malformed_file_exits_non_zero_naming_row_and_column(tmp_path):
    bad = tmp_path / "rates.csv"
    bad.write_text("Date,USD,SEK,\n2026-10-30,1.1172,10.978,\n2026-10-29,1,113,10.9995\n2026-10-28,abc,10.9,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("load_fx_rates", str(bad), stdout=io.StringIO(), stderr=err)
    assert "row 3, file: expected 3 fields, found 4" in err.getvalue()
    assert "row 4, USD: " + BAD_RATE.format(value="abc") in err.getvalue()
    assert not FxRate.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_fx_rates", str(tmp_path / "nope.csv"))


@pytest.mark.parametrize(("text", "day"), [
    ("30 October 2026", dt.date(2026, 10, 30)), ("2026-10-30", dt.date(2026, 10, 30)),
    ("4 January 1999", dt.date(1999, 1, 4)),
])
def test_both_date_spellings(text, day):
    assert parse_ecb_date(text) == day


@pytest.mark.parametrize("text", ["30 Oct 2026", "2026-02-30", "20261030", "30 october 2026"])
def test_bad_dates(text):
    with pytest.raises(ValueError):
        parse_ecb_date(text)
