"""Issue 19 item 12: the ops console. One admin page per customer (company or cardmember) with balances,
statements, payments, disputes and standing, linked from the change page; a read-only cycle monitor (days
run, steps, chunks, duration, failures) instead of the cycle's raw records (SPEC 17: "Admin pages never
edit ... the cycle's records as raw fields")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from moneyed import Money

from accounts import roles
from amexprog.common.cycle import cycle_run_day
from amexprog.common.models import BusinessDate, ChunkRun, CycleStepRun
from ledger.services import posting_create
from statements.models import Statement
from tests.accounts.factories import ops_user

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def viewer():
    client = Client()
    client.force_login(ops_user("victor", roles.VIEWER))
    return client


def _history(account):
    posting_create(account=account, kind="purchase", amount=Money(Decimal("1200.00"), "DKK"),
                   posting_date=dt.date(2026, 1, 10), source_key="charge/item12")
    posting_create(account=account, kind="payment", amount=Money(Decimal("-200.00"), "DKK"),
                   posting_date=dt.date(2026, 2, 10), source_key="payment/item12")
    Statement.objects.create(account=account, statement_date=dt.date(2026, 1, 31), period_start=dt.date(2026, 1, 1),
                             due_date=dt.date(2026, 2, 28), currency="DKK", opening_balance=Decimal("0"),
                             closing_balance=Decimal("1200.00"), billed_amount=Decimal("1200.00"),
                             payments_amount=Decimal("0"))


def test_issue19_item12_a_company_overview_shows_balances_statements_payments_and_standing(viewer, bob_card,
                                                                                         time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False)
    account = bob_card.card.account
    _history(account)
    company = account.company
    change = viewer.get(reverse("admin:accounts_company_change", args=[company.pk])).content.decode()
    overview_url = reverse("admin:accounts_company_overview", args=[company.pk])
    assert f'href="{overview_url}"' in change  # linked from the change page
    response = viewer.get(overview_url)
    assert response.status_code == 200
    page = response.content.decode().replace("\xa0", " ")
    # 1,200.00 bought, 200.00 paid: 1,000.00 owed, all of it from the statement due 28 Feb: overdue.
    assert "DKK 1,000.00" in page
    assert "31 Jan 2026" in page and "28 Feb 2026" in page  # the statement and its due date
    assert "10 Feb 2026" in page and "-DKK 200.00" in page  # the payment
    assert account.number in page and "Bob Jensen" in page
    assert 'id="disputes"' in page and "No disputes." in page


def test_issue19_item12_a_cardmember_overview_is_theirs_only(viewer, bob_card, company_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False)
    from tests.accounts.factories import AccountFactory, CardmemberFactory

    other = AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Ida", last_name="Berg"))
    _history(bob_card.card.account)
    url = reverse("admin:accounts_cardmember_overview", args=[bob_card.card.account.cardmember_id])
    assert f'href="{url}"' in viewer.get(
        reverse("admin:accounts_cardmember_change", args=[bob_card.card.account.cardmember_id])).content.decode()
    page = viewer.get(url).content.decode()
    assert "Bob Jensen" in page and other.number not in page and "Ida Berg" not in page


def test_issue19_item12_the_overview_needs_view_permission(bob_card):
    outsider = Client()
    outsider.force_login(ops_user("oscar", None))
    url = reverse("admin:accounts_company_overview", args=[bob_card.card.account.company_id])
    assert outsider.get(url).status_code == 403


def test_issue19_item12_the_cycle_monitor_shows_days_steps_chunks_durations_and_failures(viewer, monkeypatch):
    from amexprog.common import cycle

    BusinessDate.objects.create(pk=1, last_completed=DAY - dt.timedelta(days=1))
    ChunkRun.objects.create(day=DAY, step="statements", first_id=1, last_id=500, size=500, count=7,
                            dispatched_at=dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))

    def broken(on):
        raise RuntimeError("card 4000001234567899 refused")

    steps = [cycle.Step(order=10, name="late_interest", function=lambda on: 4),
             cycle.Step(order=40, name="statements", function=broken)]
    monkeypatch.setattr(cycle, "registered_steps", lambda: steps)
    with pytest.raises(RuntimeError):
        cycle_run_day(on=DAY)
    recorded = {run.step: run for run in CycleStepRun.objects.filter(day=DAY)}
    assert recorded["late_interest"].count == 4 and recorded["late_interest"].started_at is not None
    assert recorded["statements"].error.startswith("RuntimeError: card ")
    assert "4000001234567899" not in recorded["statements"].error  # SPEC 17: no PAN in the monitor

    monkeypatch.setattr("amexprog.common.monitor.registered_steps", lambda: steps)
    response = viewer.get(reverse("admin:common_cyclemonitor_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 Mar 2026" in page
    assert "late_interest" in page and "statements" in page and "RuntimeError" in page
    days = response.context["days"]
    assert (days[0].day, days[0].steps_run, days[0].steps_failed, days[0].chunks, days[0].chunks_pending,
            days[0].completed) == (DAY, 1, 1, 1, 1, False)
    assert days[0].failures == 2  # the failed step and the chunk that never completed
    assert response.context["detail"].steps[0].seconds is not None
    # No add, change or delete anywhere: the records are no admin pages.
    assert viewer.get("/admin/common/cyclesteprun/").status_code == 404
    assert viewer.post(reverse("admin:common_cyclemonitor_changelist"), {"last_completed": "2026-04-01"}) \
        .status_code == 200
    assert BusinessDate.objects.get().last_completed == DAY - dt.timedelta(days=1)
