"""Issue 4 acceptance: a year of daily cycles for the demo data runs in one run_cycle call and the
ledger verifies."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_START, demo_seed
from accounts.demo_history import demo_history_run
from statements.models import Statement

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_year_of_daily_cycles_in_one_run_cycle_call():
    seeded = demo_seed(on=DEMO_START)
    demo_history_run(through=dt.date(2026, 8, 31), pans=seeded.pans)  # a month of real activity first
    out = StringIO()
    call_command("run_cycle", "--through", "2027-08-31", stdout=out, stderr=StringIO())
    assert "Completed through 2027-08-31" in out.getvalue()
    verify = StringIO()
    call_command("verify_ledger", stdout=verify)
    assert "checks pass" in verify.getvalue()
    # Every demo account has a statement each month it owed something: 13 cycle days from August to August.
    bob = Statement.objects.filter(account__cardmember__employee_id="E-001")
    assert bob.filter(statement_date__gte=dt.date(2026, 8, 5)).count() == 13
