"""Fees and late interest (SPEC sections 7 and 8). Every posting records how it was computed."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from moneyed import Money

from accounts.models import Account
from accounts.rules import programme_rules_by_market
from amexprog.common.money import round_money
from fees.models import FeeSchedule, InterestAccrual, Reminder
from fees.rates import AnnualRate, late_interest_rate
from fees.reminder_notices import reminder_notice_create
from fees.selectors import fee_schedule_in_force
from ledger.models import Posting, PostingKind
from ledger.services import (
    PostingSpec,
    posting_create,
    postings_create_bulk,
    postings_insert_ctes,
    postings_insert_select,
)
from statements.models import Delinquency, Statement
from statements.selectors import dues_for_accounts, overdue

DAYS_IN_YEAR = Decimal(365)  # actual/365 (SPEC section 8)
DK_REMINDER_FEE_CAP = Decimal("100.00")  # Danish Interest Act §9b: at most DKK 100 per reminder
MAX_REMINDERS_PER_ARREARS = 3  # Danish Interest Act §9b
MIN_DAYS_BETWEEN_REMINDERS = 10  # Danish Interest Act §9b


def add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary `years` later; 29 February falls on 28 February in other years."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


# Annual card fee ---------------------------------------------------------------------------------

def _annual_fee(account: Account, schedule: FeeSchedule) -> tuple[Decimal, dict]:
    """The programme's fee, capped by the schedule's maximum (DKK 650 in DK)."""
    amount = min(account.company.annual_fee.amount, schedule.annual_fee_max)
    return amount, {"rule": "annual_fee", "fee_schedule_id": schedule.pk, "fee_schedule": str(schedule),
                    "programme_fee": str(account.company.annual_fee.amount),
                    "schedule_maximum": str(schedule.annual_fee_max)}


def _annual_fee_specs(accounts: Iterable[tuple[Account, int]], on: dt.date) -> list[PostingSpec]:
    """The fee of membership year `year` for each (account, year), from the schedule in force."""
    schedules: dict[str, FeeSchedule] = {}
    specs = []
    for account, year in accounts:
        market = account.company.market
        schedule = schedules.get(market) or schedules.setdefault(market, fee_schedule_in_force(market=market, on=on))
        amount, explanation = _annual_fee(account, schedule)
        if amount <= 0:
            continue
        start = add_years(account.opened_on, year - 1)
        explanation.update(membership_year=year, year_start=start.isoformat(),
                           year_end=(add_years(account.opened_on, year) - dt.timedelta(days=1)).isoformat())
        specs.append(PostingSpec(account=account, kind=PostingKind.FEE_ANNUAL, amount=Money(amount, account.currency),
                                 posting_date=on, source_key=f"annual-fee/{account.pk}/{year}",
                                 description=f"Annual card fee {start:%Y-%m-%d}", explanation=explanation))
    return specs


def annual_fees_first(*, accounts: list[Account], on: dt.date) -> int:
    """Year 1's fee on the first statement date after issue (SPEC section 7); idempotent.

    `accounts` are those with no statement before `on` (the caller knows). PostgreSQL's statement day
    uses `annual_fees_first_sql` instead, which finds them itself.
    """
    return postings_create_bulk(specs=_annual_fee_specs(((account, 1) for account in accounts), on))


# The same postings as _annual_fee_specs builds, as one query per market (the statement day's hot path):
# accounts with no statement before `on` and no year-1 fee yet.
_FIRST_FEE_INPUT = """
    SELECT 'annual-fee/' || a.id || '/1', %(on)s::date, 'Annual card fee ' || to_char(a.opened_on, 'YYYY-MM-DD'),
           a.id, LEAST(c.annual_fee, %(maximum)s::numeric), a.currency, 'fee_annual', 'fee_income_annual',
           NULL::bigint,
           jsonb_build_object('rule', 'annual_fee', 'fee_schedule_id', %(schedule_id)s::bigint,
                              'fee_schedule', %(schedule_label)s::text,
                              'programme_fee', c.annual_fee::numeric(10, 2)::text,
                              'schedule_maximum', %(maximum)s::text, 'membership_year', 1,
                              'year_start', to_char(a.opened_on, 'YYYY-MM-DD'),
                              'year_end', to_char(a.opened_on + interval '1 year' - interval '1 day', 'YYYY-MM-DD'))
      FROM accounts_account a JOIN accounts_company c ON c.id = a.company_id
     WHERE a.id = ANY(%(ids)s) AND c.market = %(market)s AND a.closed_on IS NULL
       AND LEAST(c.annual_fee, %(maximum)s::numeric) > 0
       AND NOT EXISTS (SELECT 1 FROM statements_statement s WHERE s.account_id = a.id AND s.statement_date < %(on)s)
       AND NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.source_key = 'annual-fee/' || a.id || '/1')
"""


def annual_fees_first_sql(*, account_ids: list[int], on: dt.date) -> int:
    """PostgreSQL: `annual_fees_first` for a chunk of account ids, set-based, one query per market."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT c.market FROM accounts_account a JOIN accounts_company c ON c.id = a.company_id"
                       " WHERE a.id = ANY(%s)", [account_ids])
        markets = sorted(row[0] for row in cursor.fetchall())
    posted = 0
    for market in markets:
        schedule = fee_schedule_in_force(market=market, on=on)
        posted += postings_insert_select(input_sql=_FIRST_FEE_INPUT, params={
            "on": on, "ids": account_ids, "market": market, "maximum": str(schedule.annual_fee_max),
            "schedule_id": schedule.pk, "schedule_label": str(schedule),
        })
    return posted


# The same postings again, for the statement day's single statement per chunk (statements.services): read
# from the statement's relation `acct` (id, company_id, currency, opened_on, closed_on, market, annual_fee and
# prev_date, its last statement before `on`), with each market's schedule in force from arrays. A fee's amount,
# description and explanation depend only on the market's schedule, the programme's fee and the issue date:
# they are built once per such group (`x`, materialized: whatever the join's plan, built once) and joined to
# its accounts (issue 17: building the eight-key explanation per account was about a tenth of the statement
# day). A chunk has few groups: a first statement is mostly of accounts issued within the last cycle.
_FIRST_FEE_FROM_ACCOUNTS = """
    WITH x AS MATERIALIZED (
        SELECT g.market, g.annual_fee, g.opened_on, LEAST(g.annual_fee, f.maximum::numeric) AS amount,
               'Annual card fee ' || to_char(g.opened_on, 'YYYY-MM-DD') AS description,
               jsonb_build_object('rule', 'annual_fee', 'fee_schedule_id', f.schedule_id,
                                  'fee_schedule', f.label,
                                  'programme_fee', g.annual_fee::numeric(10, 2)::text,
                                  'schedule_maximum', f.maximum, 'membership_year', 1,
                                  'year_start', to_char(g.opened_on, 'YYYY-MM-DD'),
                                  'year_end', to_char(g.opened_on + interval '1 year' - interval '1 day',
                                                      'YYYY-MM-DD')) AS explanation
          FROM acct g
          JOIN unnest(%(fee_markets)s::text[], %(fee_maxima)s::text[], %(fee_schedule_ids)s::bigint[],
                      %(fee_labels)s::text[]) AS f(market, maximum, schedule_id, label) ON f.market = g.market
         WHERE g.prev_date IS NULL AND g.closed_on IS NULL AND LEAST(g.annual_fee, f.maximum::numeric) > 0
         GROUP BY g.market, g.annual_fee, g.opened_on, f.maximum, f.schedule_id, f.label
    )
    SELECT 'annual-fee/' || a.id || '/1', %(on)s::date, x.description, a.id, x.amount, a.currency, 'fee_annual',
           'fee_income_annual', NULL::bigint, x.explanation
      FROM acct a
      JOIN x ON x.market = a.market AND x.annual_fee = a.annual_fee AND x.opened_on = a.opened_on
     WHERE a.prev_date IS NULL AND a.closed_on IS NULL
       AND NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.source_key = 'annual-fee/' || a.id || '/1')
     ORDER BY a.id
"""


def annual_fees_first_ctes(*, name: str, on: dt.date, markets: Iterable[str]) -> tuple[str, dict]:
    """PostgreSQL: `annual_fees_first_sql` as CTEs of the statement day's own statement (SPEC section 7: year
    1's fee on the first statement date), over its relation `acct`; the postings are returned by CTE `name`.
    Returns the CTE text and its parameters (the schedules in force in `markets` on `on`)."""
    schedules = [fee_schedule_in_force(market=market, on=on) for market in sorted(set(markets))]
    params = {"fee_markets": [schedule.market for schedule in schedules],
              "fee_maxima": [str(schedule.annual_fee_max) for schedule in schedules],
              "fee_schedule_ids": [schedule.pk for schedule in schedules],
              "fee_labels": [str(schedule) for schedule in schedules]}
    return postings_insert_ctes(name=name, input_sql=_FIRST_FEE_FROM_ACCOUNTS, accounts="acct"), params


def annual_fees_anniversaries(*, on: dt.date) -> int:
    """Each anniversary of the issue date starts a membership year and posts its fee."""
    match = Q(opened_on__month=on.month, opened_on__day=on.day)
    if on.month == 2 and on.day == 28 and not calendar.isleap(on.year):
        match |= Q(opened_on__month=2, opened_on__day=29)
    accounts = (
        Account.objects.filter(match, opened_on__year__lt=on.year)
        .exclude(status__in=[Account.Status.CLOSING, Account.Status.CLOSED])
        .select_related("company")
    )
    years = ((account, on.year - account.opened_on.year + 1) for account in accounts.iterator(chunk_size=2000))
    return postings_create_bulk(specs=_annual_fee_specs(years, on))


def annual_fee_first_at_closure(*, account: Account, on: dt.date) -> int:
    """An account closing before its first statement: the final statement produced that day is its first
    statement date, so it carries year 1's fee (SPEC section 7; terms §32), which annual_fee_refund then
    refunds pro rata. Nothing when the account has a statement already; idempotent."""
    if Statement.objects.filter(account=account).exists():
        return 0
    return annual_fees_first(accounts=[account], on=on)


@transaction.atomic
def annual_fee_refund(*, account: Account, closed_on: dt.date) -> Posting | None:
    """Pro-rata refund on closure: fee × days from closure to next anniversary ÷ days in that year."""
    years = 0
    while add_years(account.opened_on, years + 1) <= closed_on:
        years += 1
    year = years + 1
    fee = Posting.objects.filter(source_key=f"annual-fee/{account.pk}/{year}").first()
    if fee is None:
        return None  # the year's fee was never charged: nothing to refund
    start, next_anniversary = add_years(account.opened_on, years), add_years(account.opened_on, years + 1)
    days_left, days_in_year = (next_anniversary - closed_on).days, (next_anniversary - start).days
    refund = round_money(fee.amount.amount * days_left / days_in_year, account.currency)
    if refund <= 0:
        return None
    posting, _created = posting_create(
        account=account, kind=PostingKind.FEE_ANNUAL_REFUND, amount=Money(-refund, account.currency),
        posting_date=closed_on, source_key=f"annual-fee-refund/{account.pk}/{year}", related=fee,
        description="Annual card fee refund, pro rata",
        explanation={"rule": "annual_fee_refund", "fee": str(fee.amount.amount), "membership_year": year,
                     "closed_on": closed_on.isoformat(), "next_anniversary": next_anniversary.isoformat(),
                     "days_left": days_left, "days_in_year": days_in_year,
                     "formula": f"{fee.amount.amount} × {days_left} ÷ {days_in_year}"},
    )
    return posting


# Late interest ----------------------------------------------------------------------------------

def interest_accrue(*, on: dt.date, account_ids: list[int] | None = None) -> int:
    """Accrue one day of late interest on every overdue statement (SPEC section 8).

    Unpaid is measured at the start of `on`; accruals are kept unrounded and posted on the next
    statement date. Candidates are accounts past due at the end of yesterday, plus accounts whose
    due date was yesterday; `account_ids` narrows them (a final statement accrues its own day first,
    terms §32). An accrual already made is kept (one per statement and day).
    """
    yesterday = on - dt.timedelta(days=1)
    delinquent = Delinquency.objects.filter(days_past_due__gt=0)
    due_yesterday = Statement.objects.filter(due_date=yesterday)
    if account_ids is not None:
        delinquent, due_yesterday = delinquent.filter(account_id__in=account_ids), due_yesterday.filter(
            account_id__in=account_ids)
    candidate_ids = set(delinquent.values_list("account_id", flat=True))
    candidate_ids |= set(due_yesterday.values_list("account_id", flat=True))
    if not candidate_ids:
        return 0
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=candidate_ids).select_related("company")}
    rates: dict[str, AnnualRate] = {}
    accruals = []
    for account_id, dues in dues_for_accounts(account_ids=accounts, as_of=on, end_of_day=False).items():
        account = accounts[account_id]
        for due in overdue(dues, on=on):
            market = account.company.market
            rate = rates.get(market) or rates.setdefault(market, late_interest_rate(on=on, market=market))
            accruals.append(InterestAccrual(
                statement_id=due.statement_id, account_id=account_id, day=on, unpaid=due.unpaid,
                annual_rate_percent=rate.percent, reference_rate_date=rate.reference_effective_date,
                amount=(due.unpaid * rate.percent / 100 / DAYS_IN_YEAR).quantize(Decimal("1e-12")),
            ))
    InterestAccrual.objects.bulk_create(accruals, ignore_conflicts=True)
    return len(accruals)


def periods_span(periods: dict[int, tuple[dt.date, dt.date]]) -> tuple[dt.date, dt.date]:
    """The first and last day of a set of statement periods (one query reads them all)."""
    return min(start for start, _end in periods.values()), max(end for _start, end in periods.values())


def within_periods(rows, *, periods: dict[int, tuple[dt.date, dt.date]], day_of) -> dict[int, list]:
    """`rows` (each with `account_id`) grouped by account, keeping those whose day falls in that account's
    statement period (SPEC section 8: a statement's interest is its own period's)."""
    by_account: dict[int, list] = defaultdict(list)
    for row in rows:
        start, end = periods[row.account_id]
        if start <= day_of(row) <= end:
            by_account[row.account_id].append(row)
    return by_account


def interest_specs(*, accounts: list[Account], periods: dict[int, tuple[dt.date, dt.date]]) -> list[PostingSpec]:
    """The `interest` line of each account's statement: its period's accruals, rounded once."""
    if not accounts:
        return []
    earliest, latest = periods_span(periods)
    by_account = within_periods(
        InterestAccrual.objects.filter(account__in=accounts, day__gte=earliest, day__lte=latest).order_by(
            "day", "statement_id"),
        periods=periods, day_of=lambda accrual: accrual.day)
    specs = []
    for account in accounts:
        accruals = by_account.get(account.pk)
        if not accruals:
            continue
        total = sum((a.amount for a in accruals), Decimal(0))
        amount = round_money(total, account.currency)
        if amount <= 0:
            continue
        start, end = periods[account.pk]
        specs.append(PostingSpec(
            account=account, kind=PostingKind.INTEREST, amount=Money(amount, account.currency), posting_date=end,
            source_key=f"interest/{account.pk}/{end.isoformat()}", description="Late interest",
            explanation=_interest_explanation(accruals, total, amount),
        ))
    return specs


def _interest_explanation(accruals: list[InterestAccrual], total: Decimal, amount: Decimal) -> dict:
    """Day counts per statement, unpaid amount and rate: the runs a holder can check by hand."""
    runs: list[dict] = []
    for accrual in accruals:
        last = runs[-1] if runs else None
        if (last and last["statement_id"] == accrual.statement_id and last["unpaid"] == str(accrual.unpaid)
                and last["annual_rate_percent"] == str(accrual.annual_rate_percent)
                and dt.date.fromisoformat(last["to"]) + dt.timedelta(days=1) == accrual.day):
            last["to"] = accrual.day.isoformat()
            last["days"] += 1
            last["interest"] = str(Decimal(last["interest"]) + accrual.amount)
            continue
        runs.append({"statement_id": accrual.statement_id, "from": accrual.day.isoformat(),
                     "to": accrual.day.isoformat(), "days": 1, "unpaid": str(accrual.unpaid),
                     "annual_rate_percent": str(accrual.annual_rate_percent),
                     "reference_rate_date": accrual.reference_rate_date.isoformat(),
                     "interest": str(accrual.amount)})
    return {"rule": "late_interest", "basis": "actual/365, simple daily", "runs": runs,
            "unrounded_total": str(total), "rounded": str(amount)}


# Reminders --------------------------------------------------------------------------------------

def reminders_send(*, on: dt.date) -> int:
    """Reminder letters with their fee (SPEC section 7): by default 7 days after a due date if still
    unpaid at the end of that day, again every 10 days, at most 3 per continuous arrears (Interest Act
    §9b). The days are the market's programme rules in force on `on`; the 3 and the 10-day floor are law."""
    rules = programme_rules_by_market(on=on)
    first_due_dates = {on - dt.timedelta(days=r.reminder_days_after_due) for r in rules.values()}
    candidate_ids = set(Delinquency.objects.filter(days_past_due__gt=0).values_list("account_id", flat=True))
    candidate_ids |= set(
        Statement.objects.filter(due_date__in=first_due_dates).values_list("account_id", flat=True)
    )
    if not candidate_ids:
        return 0
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=candidate_ids).select_related("company")}
    arrears = dict(Delinquency.objects.filter(account_id__in=candidate_ids).values_list("account_id", "arrears_since"))
    sent = 0
    for account_id, dues in dues_for_accounts(account_ids=accounts, as_of=on, end_of_day=True).items():
        late = overdue(dues, on=on)
        if not late:
            continue
        account = accounts[account_id]
        market_rules = rules[account.company.market]
        period_start = arrears.get(account_id) or late[0].due_date + dt.timedelta(days=1)
        previous = list(Reminder.objects.filter(account=account, arrears_since=period_start).order_by("number"))
        if len(previous) >= MAX_REMINDERS_PER_ARREARS:
            continue
        if previous:
            interval = max(market_rules.reminder_interval_days, MIN_DAYS_BETWEEN_REMINDERS)
            if on < previous[-1].sent_on + dt.timedelta(days=interval):
                continue
            target = late[0]
        else:
            ripe = [due for due in late
                    if on >= due.due_date + dt.timedelta(days=market_rules.reminder_days_after_due)]
            if not ripe:
                continue
            target = ripe[0]
        _reminder_send(account=account, due_statement_id=target.statement_id, unpaid=target.unpaid,
                       arrears_since=period_start, number=len(previous) + 1,
                       interval_days=max(market_rules.reminder_interval_days, MIN_DAYS_BETWEEN_REMINDERS), on=on)
        sent += 1
    return sent


@transaction.atomic
def _reminder_send(*, account: Account, due_statement_id: int, unpaid: Decimal, arrears_since: dt.date,
                   number: int, interval_days: int, on: dt.date) -> Reminder:
    """One reminder: its letter first, then its fee, in one transaction (SPEC section 7; terms §9c; issue 16
    item 1: no letter, no fee). If the letter cannot be written, nothing is posted."""
    schedule = fee_schedule_in_force(market=account.company.market, on=on)
    fee = schedule.reminder_fee
    capped = account.company.market == "DK" and fee > DK_REMINDER_FEE_CAP
    if capped:
        fee = DK_REMINDER_FEE_CAP
    notice = reminder_notice_create(
        account=account, statement=Statement.objects.get(pk=due_statement_id), unpaid=unpaid, fee=fee,
        arrears_since=arrears_since, number=number, max_reminders=MAX_REMINDERS_PER_ARREARS,
        interval_days=interval_days, on=on)
    reminder = Reminder.objects.create(account=account, statement_id=due_statement_id, arrears_since=arrears_since,
                                       number=number, sent_on=on, unpaid=unpaid, notice=notice)
    if fee > 0:
        posting, _created = posting_create(
            account=account, kind=PostingKind.FEE_REMINDER, amount=Money(fee, account.currency), posting_date=on,
            source_key=f"reminder/{account.pk}/{arrears_since.isoformat()}/{number}",
            description=f"Reminder fee ({number} of at most {MAX_REMINDERS_PER_ARREARS})",
            explanation={"rule": "reminder_fee", "fee_schedule_id": schedule.pk, "fee_schedule": str(schedule),
                         "schedule_fee": str(schedule.reminder_fee), "legal_cap_applied": capped,
                         "reminder_number": number, "arrears_since": arrears_since.isoformat(),
                         "unpaid": str(unpaid)},
        )
        reminder.fee_posting = posting
        reminder.save(update_fields=["fee_posting"])
    return reminder


