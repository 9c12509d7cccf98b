"""Issue 19 item 4, SPEC 9: a centrally billed company has one statement cycle day, which its centrally
billed accounts take, and gets one company statement per cycle with its accounts' statements beneath.
Changing the day moves the accounts at their next statement: a short or long period once, never a period
skipped."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.cycle_day import company_cycle_day_change
from accounts.models import Account, AuditEntry, Company
from accounts.services import account_open
from amexprog.common.errors import ApplicationError
from statements.models import CompanyStatement, Statement
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db

OPS = Actor(role=Role.ISSUER, label="admin:ops", user_id=None)
OPENED = dt.date(2026, 2, 2)


def _open(company, *, cycle_day=None, billing_type=None):
    return account_open(cardmember=CardmemberFactory(company=company), opened_on=OPENED, cycle_day=cycle_day,
                        billing_type=billing_type)


@pytest.fixture
def central():
    return CompanyFactory(number="50001", billing_type="central", annual_fee=Money("500.00", "DKK"))


def test_issue19_item4_central_accounts_take_the_company_cycle_day(central):
    first = _open(central, cycle_day=20)
    central.refresh_from_db()
    assert central.cycle_day == 20 and first.cycle_day == 20
    assert _open(central).cycle_day == 20  # no day asked: the company's
    assert _open(central, cycle_day=20).cycle_day == 20
    with pytest.raises(ApplicationError) as refused:
        _open(central, cycle_day=5)
    assert refused.value.code == "central_cycle_day" and "the 20" in refused.value.message
    # An individually billed card of the same company keeps its own day.
    assert _open(central, cycle_day=5, billing_type="individual").cycle_day == 5


def test_issue19_item4_the_first_central_account_without_a_day_sets_the_1st(central):
    assert _open(central).cycle_day == 1
    central.refresh_from_db()
    assert central.cycle_day == 1


def test_issue19_item4_one_company_statement_per_cycle(central):
    accounts = [_open(central, cycle_day=20), _open(central), _open(central)]
    for index, account in enumerate(accounts):
        post(account, "purchase", "100.00", dt.date(2026, 2, 3), f"charge/c{index}")
    run_through(dt.date(2026, 3, 31), start=OPENED)
    company_statements = list(CompanyStatement.objects.filter(company=central).order_by("statement_date"))
    assert [s.statement_date for s in company_statements] == [dt.date(2026, 2, 20), dt.date(2026, 3, 20)]
    assert company_statements[0].account_count == 3
    assert set(company_statements[0].statements.values_list("account_id", flat=True)) == {a.pk for a in accounts}


def test_issue19_item4_changing_the_day_moves_every_account_at_its_next_statement(central):
    first, second = _open(central, cycle_day=20), _open(central)
    post(first, "purchase", "100.00", dt.date(2026, 2, 3), "charge/a")
    post(second, "purchase", "50.00", dt.date(2026, 2, 3), "charge/b")
    run_through(dt.date(2026, 2, 25), start=OPENED)  # stated on 20 February
    moved = company_cycle_day_change(company=central, cycle_day=5, by=OPS, on=dt.date(2026, 2, 25),
                                     reason="Company asked for the 5th")
    assert moved == 2
    post(first, "purchase", "10.00", dt.date(2026, 2, 26), "charge/c")
    run_through(dt.date(2026, 4, 5))
    for account in (first, second):
        periods = list(Statement.objects.filter(account=account).order_by("statement_date")
                       .values_list("period_start", "statement_date"))
        # 21 February to 5 March is the one short period; then monthly on the 5th; nothing skipped.
        assert periods[0] == (OPENED, dt.date(2026, 2, 20))
        for (_start, end), (next_start, _end) in zip(periods, periods[1:], strict=False):
            assert next_start == end + dt.timedelta(days=1)
    first_periods = list(Statement.objects.filter(account=first).order_by("statement_date")
                         .values_list("period_start", "statement_date"))
    assert first_periods[1] == (dt.date(2026, 2, 21), dt.date(2026, 3, 5))
    assert [s.statement_date for s in CompanyStatement.objects.filter(company=central).order_by("statement_date")] \
        == [dt.date(2026, 2, 20), dt.date(2026, 3, 5), dt.date(2026, 4, 5)]
    entry = AuditEntry.objects.get(company=central, action=AuditEntry.Action.COMPANY_UPDATED)
    assert entry.details["cycle_day"] == {"before": 20, "after": 5} and entry.reason == "Company asked for the 5th"


def test_issue19_item4_only_ops_change_it_and_only_for_central_billing(central):
    _open(central, cycle_day=20)
    with pytest.raises(ApplicationError):
        company_cycle_day_change(company=central, cycle_day=5, by=Actor(role=Role.COMPANY, label="user:alice"),
                                 on=OPENED, reason="x")
    individual = CompanyFactory(number="50002", billing_type="individual")
    with pytest.raises(ApplicationError) as refused:
        company_cycle_day_change(company=individual, cycle_day=5, by=OPS, on=OPENED, reason="x")
    assert refused.value.code == "not_central"
    with pytest.raises(ApplicationError):
        company_cycle_day_change(company=central, cycle_day=30, by=OPS, on=OPENED, reason="x")
    central.refresh_from_db()
    assert central.cycle_day == 20


def test_issue19_item4_the_migration_gives_each_central_company_its_accounts_usual_day(central):
    days = (5, 5, 20, 31)
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=central), cycle_day=day) for day in days]
    Company.objects.filter(pk=central.pk).update(cycle_day=None)
    migration = importlib.import_module("accounts.migrations.0020_company_cycle_day")
    migration.one_cycle_day_per_central_company(django_apps, None)
    central.refresh_from_db()
    assert central.cycle_day == 5
    assert set(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("cycle_day", flat=True)) == {5}


def test_issue19_item4_the_demo_company_bills_on_one_day():
    from accounts.demo import demo_seed

    demo_seed(on=OPENED)
    company = Company.objects.get(number="10001")
    days = set(Account.objects.filter(company=company, billing_type="central").values_list("cycle_day", flat=True))
    assert days == {company.cycle_day} == {5}
