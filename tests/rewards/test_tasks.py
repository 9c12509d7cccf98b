"""The beat job exports each complete month once into EUROBONUS_EXPORT_DIR (DESIGN "Jobs")."""

import datetime as dt

import pytest

from rewards.models import ExportBatch
from rewards.tasks import eurobonus_export_due, last_complete_month
from tests.rewards.conftest import JAN_5, purchase
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db


def test_last_complete_month():
    assert last_complete_month(dt.date(2026, 1, 31)) == dt.date(2026, 1, 1)
    assert last_complete_month(dt.date(2026, 2, 3)) == dt.date(2026, 1, 1)
    assert last_complete_month(dt.date(2026, 3, 1)) == dt.date(2026, 2, 1)


def test_each_complete_month_is_exported_once(enrolled, bob_account, settings, tmp_path):
    settings.EUROBONUS_EXPORT_DIR = tmp_path / "sas"
    assert eurobonus_export_due.apply().get() == []  # no business day yet
    purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 30), start=JAN_5)
    assert eurobonus_export_due.apply().get() == []  # January is not complete
    run_through(dt.date(2026, 2, 3))
    assert eurobonus_export_due.apply().get() == [str(tmp_path / "sas" / "eurobonus-2026-01.csv")]
    assert "EBS123456789,10," in (tmp_path / "sas" / "eurobonus-2026-01.csv").read_text()
    assert eurobonus_export_due.apply().get() == []
    assert ExportBatch.objects.get().status == "exported"
