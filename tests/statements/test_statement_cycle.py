"""The statement cycle with SPEC sections 7–9's figures written out."""

import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from accounts.lifecycle import account_close, credit_balance_refund
from accounts.models import Account, Card
from fees.models import InterestAccrual, Reminder
from ledger.models import Posting
from ledger.selectors import account_balance
from ledger.services import posting_create
from ledger.verification import verify_ledger
from statements.models import CompanyStatement, Statement
from statements.selectors import account_dues
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory, issue_card
from tests.statements.conftest import pay, post, run_through

pytestmark = pytest.mark.django_db


def assert_ledger_clean():
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_first_statement_carries_the_annual_fee(company_a):
    account = AccountFactory(cardmember=CardmemberFactory(company=company_a), cycle_day=15,
                             opened_on=dt.date(2026, 1, 10))
    issue_card(account, on=dt.date(2026, 1, 10))
    post(account, "purchase", "1000.00", dt.date(2026, 1, 12), "charge/hotel")
    run_through(dt.date(2026, 1, 15), start=dt.date(2026, 1, 10))

    statement = Statement.objects.get(account=account)
    assert statement.statement_date == dt.date(2026, 1, 15)
    assert statement.period_start == dt.date(2026, 1, 10)
    assert statement.opening_balance == Decimal("0.00")
    assert statement.totals == {"fee_annual": "650.00", "purchase": "1000.00"}
    assert statement.closing_balance == Decimal("1650.00")
    assert statement.billed_amount == Decimal("1650.00")
    assert statement.due_date == dt.date(2026, 2, 12)  # 15 January + 28 days
    fee = Posting.objects.get(kind="fee_annual")
    assert fee.posting_date == dt.date(2026, 1, 15)
    assert fee.explanation["membership_year"] == 1
    assert fee.explanation["schedule_maximum"] == "650.00"
    assert_ledger_clean()


def test_the_anniversary_posts_the_next_years_fee_and_rerunning_posts_nothing(company_a):
    account = AccountFactory(cardmember=CardmemberFactory(company=company_a), cycle_day=15,
                             opened_on=dt.date(2026, 1, 10))
    run_through(dt.date(2027, 1, 10), start=dt.date(2026, 1, 10))
    fees = list(Posting.objects.filter(account=account, kind="fee_annual").order_by("posting_date")
                .values_list("posting_date", "amount"))
    assert fees == [(dt.date(2026, 1, 15), Decimal("650.00")), (dt.date(2027, 1, 10), Decimal("650.00"))]
    from amexprog.common.cycle import cycle_run_day

    before = (Posting.objects.count(), Statement.objects.count())
    cycle_run_day(on=dt.date(2027, 1, 10))
    cycle_run_day(on=dt.date(2026, 1, 15))
    assert (Posting.objects.count(), Statement.objects.count()) == before


def test_a_partial_payment_after_the_due_date_costs_interest_for_the_exact_days(overdue_account):
    """10,000.00 due 28 Feb at 8.60 %: 4,000 paid on 10 March (10 days on 10,000), the rest on
    30 March (20 more days on 6,000): 23.5616… + 28.2739… = 51.8356… → DKK 51.84 on 31 March."""
    account = overdue_account
    pay(account, "4000.00", dt.date(2026, 3, 10), "pay/1")
    pay(account, "6000.00", dt.date(2026, 3, 30), "pay/2")
    run_through(dt.date(2026, 3, 31))

    accruals = InterestAccrual.objects.filter(account=account).order_by("day")
    assert accruals.count() == 30
    assert accruals.first().day == dt.date(2026, 3, 1)
    assert accruals.last().day == dt.date(2026, 3, 30)
    assert accruals.get(day=dt.date(2026, 3, 10)).unpaid == Decimal("10000.00")  # paid that day: still counts
    assert accruals.get(day=dt.date(2026, 3, 11)).unpaid == Decimal("6000.00")
    interest = Posting.objects.get(account=account, kind="interest")
    assert interest.amount == Money("51.84", "DKK")
    assert interest.posting_date == dt.date(2026, 3, 31)
    assert [(run["days"], run["unpaid"], run["annual_rate_percent"]) for run in interest.explanation["runs"]] == [
        (10, "10000.00", "8.6000"), (20, "6000.00", "8.6000")]
    march = Statement.objects.get(account=account, statement_date=dt.date(2026, 3, 31))
    assert march.totals["interest"] == "51.84"
    assert_ledger_clean()


def test_spec_example_10000_overdue_for_30_days_costs_70_68(overdue_account):
    pay(overdue_account, "10000.00", dt.date(2026, 3, 30), "pay/all")
    run_through(dt.date(2026, 3, 31))
    assert Posting.objects.get(account=overdue_account, kind="interest").amount == Money("70.68", "DKK")


def test_paying_on_the_due_date_is_on_time(overdue_account):
    pay(overdue_account, "10000.00", dt.date(2026, 2, 28), "pay/on-time")
    run_through(dt.date(2026, 3, 31))
    assert not InterestAccrual.objects.exists()
    assert not Reminder.objects.exists()
    assert overdue_account.delinquency.days_past_due == 0


def test_three_reminders_ten_days_apart_and_no_fourth(overdue_account):
    run_through(dt.date(2026, 4, 30))
    reminders = list(Reminder.objects.filter(account=overdue_account).values_list("number", "sent_on"))
    assert reminders == [(1, dt.date(2026, 3, 7)), (2, dt.date(2026, 3, 17)), (3, dt.date(2026, 3, 27))]
    fees = Posting.objects.filter(account=overdue_account, kind="fee_reminder")
    assert sorted(fees.values_list("amount", flat=True)) == [Decimal("100.00")] * 3
    assert_ledger_clean()


def test_the_legal_reminder_fee_cap_applies_whatever_the_schedule_says(overdue_account):
    from fees.models import FeeSchedule

    FeeSchedule.objects.filter(market="DK").update(reminder_fee=Decimal("250.00"))
    run_through(dt.date(2026, 3, 7))
    fee = Posting.objects.get(account=overdue_account, kind="fee_reminder")
    assert fee.amount == Money("100.00", "DKK")
    assert fee.explanation["legal_cap_applied"] is True


def test_an_account_61_days_past_due_is_suspended_and_paying_lifts_it(overdue_account):
    card = issue_card(overdue_account, on=dt.date(2026, 1, 20)).card
    run_through(dt.date(2026, 4, 29))  # due 28 Feb: 29 April is 60 days later
    overdue_account.refresh_from_db()
    assert overdue_account.delinquency.days_past_due == 60
    run_through(dt.date(2026, 4, 30))
    overdue_account.refresh_from_db()
    state = overdue_account.delinquency
    assert state.days_past_due == 61
    assert overdue_account.status == Account.Status.SUSPENDED
    assert state.suspended_since == dt.date(2026, 3, 30)  # 30 DPD
    assert state.in_default_since == dt.date(2026, 3, 1)  # the day after the missed due date
    assert state.collections_since is None
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE  # the account, not the card, is suspended

    arrears = sum(due.unpaid for due in account_dues(account=overdue_account, as_of=dt.date(2026, 5, 1)))
    pay(overdue_account, str(arrears), dt.date(2026, 5, 1), "pay/arrears")
    run_through(dt.date(2026, 5, 1))
    overdue_account.refresh_from_db()
    assert overdue_account.status == Account.Status.ACTIVE
    assert overdue_account.delinquency.days_past_due == 0


def test_closure_refunds_the_annual_fee_pro_rata_and_closes_at_zero_balance(company_a):
    """650 × 265 days to the anniversary (10 Jan 2027) ÷ 365 = 471.917… → DKK 471.92."""
    account = AccountFactory(cardmember=CardmemberFactory(company=company_a), cycle_day=15,
                             opened_on=dt.date(2026, 1, 10))
    card = issue_card(account, on=dt.date(2026, 1, 10)).card
    post(account, "purchase", "1000.00", dt.date(2026, 1, 12), "charge/hotel")
    run_through(dt.date(2026, 2, 9), start=dt.date(2026, 1, 10))
    pay(account, "1650.00", dt.date(2026, 2, 10), "pay/jan")
    post(account, "purchase", "300.00", dt.date(2026, 3, 2), "charge/taxi")
    run_through(dt.date(2026, 4, 9))
    pay(account, "300.00", dt.date(2026, 4, 10), "pay/mar")  # due 12 April
    post(account, "purchase", "200.00", dt.date(2026, 4, 15), "charge/lunch")
    run_through(dt.date(2026, 4, 19))
    account_close(account=account, on=dt.date(2026, 4, 20), reason="employee left")
    account.refresh_from_db()
    card.refresh_from_db()
    assert account.status == Account.Status.CLOSING
    assert card.status == Card.Status.CANCELLED
    refund = Posting.objects.get(account=account, kind="fee_annual_refund")
    assert refund.amount == Money("-471.92", "DKK")
    assert refund.explanation["days_left"] == 265 and refund.explanation["days_in_year"] == 365
    assert account_balance(account=account) == Money("-271.92", "DKK")  # 200.00 unbilled − 471.92

    run_through(dt.date(2026, 4, 21))
    account.refresh_from_db()
    assert account.status == Account.Status.CLOSING  # a credit balance is still held
    credit_balance_refund(account=account, on=dt.date(2026, 4, 22))
    run_through(dt.date(2026, 4, 22))
    account.refresh_from_db()
    assert account.status == Account.Status.CLOSED
    assert account.closed_on == dt.date(2026, 4, 22)
    assert_ledger_clean()


def test_a_central_billing_company_gets_one_statement_summing_its_accounts():
    company = CompanyFactory(number="50001", billing_type="central", annual_fee=Money("500.00", "DKK"))
    first, second = (AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=20,
                                    opened_on=dt.date(2026, 2, 2)) for _ in range(2))
    post(first, "purchase", "1200.50", dt.date(2026, 2, 3), "charge/c1")
    post(second, "purchase", "99.95", dt.date(2026, 2, 4), "charge/c2")
    post(second, "refund", "-20.00", dt.date(2026, 2, 5), "charge/c3")
    run_through(dt.date(2026, 2, 20), start=dt.date(2026, 2, 2))
    company_statement = CompanyStatement.objects.get(company=company)
    assert company_statement.statement_date == dt.date(2026, 2, 20)
    assert company_statement.account_count == 2
    assert company_statement.totals == {"fee_annual": "1000.00", "purchase": "1300.45", "refund": "-20.00"}
    assert company_statement.closing_balance == Decimal("2280.45")
    assert company_statement.due_date == dt.date(2026, 3, 20)
    assert set(company_statement.statements.values_list("account_id", flat=True)) == {first.pk, second.pk}


def test_no_statement_without_postings_and_with_a_zero_opening_balance(no_fee_company):
    account = AccountFactory(cardmember=CardmemberFactory(company=no_fee_company), cycle_day=5,
                             opened_on=dt.date(2026, 1, 1))
    run_through(dt.date(2026, 3, 31), start=dt.date(2026, 1, 1))
    assert not Statement.objects.filter(account=account).exists()


def test_cycle_day_31_is_the_last_day_of_each_month(no_fee_company):
    account = AccountFactory(cardmember=CardmemberFactory(company=no_fee_company), cycle_day=31,
                             opened_on=dt.date(2026, 1, 1))
    post(account, "purchase", "10.00", dt.date(2026, 1, 2), "charge/x")
    run_through(dt.date(2026, 4, 30), start=dt.date(2026, 1, 1))
    dates = list(Statement.objects.filter(account=account).values_list("statement_date", flat=True))
    assert dates == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]


def test_nothing_posts_into_a_period_whose_statement_is_produced(overdue_account):
    from amexprog.common.errors import ApplicationError

    with pytest.raises(ApplicationError) as error:
        posting_create(account=overdue_account, kind="purchase", amount=Money("1.00", "DKK"),
                       posting_date=dt.date(2026, 1, 31), source_key="charge/late")
    assert error.value.code == "period_closed"


def test_reminder_timing_and_dpd_thresholds_follow_the_programme_rules_in_force(overdue_account):
    from accounts.models import ProgrammeRules

    ProgrammeRules(market="DK", effective_from=dt.date(2026, 1, 1), reminder_days_after_due=14,
                   reminder_interval_days=15, suspend_dpd=20, collections_dpd=40,
                   contactless_charge_limit=Decimal("350.00"), contactless_cumulative_limit=Decimal("1100.00")).save()
    ProgrammeRules(market="BE", effective_from=dt.date(2026, 1, 1), reminder_days_after_due=1, suspend_dpd=2,
                   collections_dpd=3, contactless_charge_limit=Decimal("50.00"),
                   contactless_cumulative_limit=Decimal("150.00")).save()  # another market's: no effect
    run_through(dt.date(2026, 4, 30))
    reminders = list(Reminder.objects.filter(account=overdue_account).values_list("number", "sent_on"))
    assert reminders == [(1, dt.date(2026, 3, 14)), (2, dt.date(2026, 3, 29)), (3, dt.date(2026, 4, 13))]
    state = Account.objects.get(pk=overdue_account.pk).delinquency
    assert (state.suspended_since, state.collections_since) == (dt.date(2026, 3, 20), dt.date(2026, 4, 9))
