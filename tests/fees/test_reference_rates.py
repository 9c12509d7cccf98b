import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fees.models import ReferenceRate
from fees.rates import half_year_start, late_interest_rate

pytestmark = pytest.mark.django_db


def load(tmp_path, text: str) -> str:
    path = tmp_path / "rates.csv"
    path.write_text(text)
    out = StringIO()
    call_command("load_reference_rates", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_change_on_15_march_applies_only_from_1_july(tmp_path):
    assert "2 created" in load(tmp_path, "effective_date,rate_percent\n2025-12-01,1.60\n2026-03-15,2.10\n")
    assert late_interest_rate(on=dt.date(2026, 3, 20), market="DK").percent == Decimal("8.60")
    assert late_interest_rate(on=dt.date(2026, 6, 30), market="DK").percent == Decimal("8.60")
    july = late_interest_rate(on=dt.date(2026, 7, 1), market="DK")
    assert july.percent == Decimal("9.10")
    assert july.reference_effective_date == dt.date(2026, 3, 15)
    assert july.half_year_start == dt.date(2026, 7, 1)


def test_half_year_starts():
    assert half_year_start(dt.date(2026, 6, 30)) == dt.date(2026, 1, 1)
    assert half_year_start(dt.date(2026, 7, 1)) == dt.date(2026, 7, 1)
    assert half_year_start(dt.date(2026, 12, 31)) == dt.date(2026, 7, 1)


def test_reloading_updates_and_a_bad_file_loads_nothing(tmp_path):
    load(tmp_path, "effective_date,rate_percent\n2026-01-01,1.60\n")
    assert "1 updated" in load(tmp_path, "effective_date,rate_percent\n2026-01-01,1.75\n")
    assert ReferenceRate.objects.get(effective_date=dt.date(2026, 1, 1)).rate_percent == Decimal("1.75")
    with pytest.raises(CommandError, match="1 error"):
        load(tmp_path, "effective_date,rate_percent\n2026-07-01,2.00\n2026-02-30,1.00\n")
    assert not ReferenceRate.objects.filter(effective_date=dt.date(2026, 7, 1)).exists()
