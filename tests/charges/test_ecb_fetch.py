"""The beat task that fetches the ECB daily file (SPEC section 6), fed from a local file URL."""

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from charges.models import FxRate
from charges.tasks import fx_rates_fetch_daily

pytestmark = pytest.mark.django_db
DAILY = ("Date, USD, JPY, DKK, GBP, SEK, \n"
         "30 October 2026, 1.1172, 175.68, 7.4735, 0.83380, 10.9780, \n")


def test_the_daily_zip_is_fetched_and_loaded_once(tmp_path: Path):
    archive = tmp_path / "eurofxref.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("eurofxref.csv", DAILY)
    first = fx_rates_fetch_daily(archive.as_uri())
    assert first.startswith("1 day(s), ") and "0 rate(s) created" not in first
    assert FxRate.objects.get(rate_date=dt.date(2026, 10, 30), currency="DKK").rate == Decimal("7.4735")
    assert fx_rates_fetch_daily(archive.as_uri()).startswith("1 day(s), 0 rate(s) created")


def test_a_plain_csv_url_works_too(tmp_path: Path):
    plain = tmp_path / "eurofxref.csv"
    plain.write_bytes(io.BytesIO(DAILY.encode()).getvalue())
    fx_rates_fetch_daily(plain.as_uri())
    assert FxRate.objects.filter(rate_date=dt.date(2026, 10, 30), currency="GBP").get().rate == Decimal("0.8338")
