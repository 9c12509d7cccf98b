"""The statement day (SPEC section 9): for each account whose cycle day it is, post the first annual
fee and the period's late interest, then aggregate the period's postings into a statement.

Set-based: one aggregate query per chunk of accounts, bulk inserts, no loop over postings.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from accounts.models import Account, BillingType, Company
from accounts.rules import programme_rules
from amexprog.common.db import from_minor
from events.models import EventType
from events.payloads import statement_data
from events.services import event_record, events_batch_insert_sql, events_record_batch, events_recorded
from fees.services import (
    annual_fees_first,
    annual_fees_first_ctes,
    annual_fees_first_sql,
    interest_accrue,
    interest_specs,
)
from fees.value_dates import interest_give_back_specs
from ledger.services import postings_create_bulk
from statements.models import CompanyStatement, Statement
from statements.selectors import PAYMENT_KINDS

ZERO = Decimal("0.00")


def statement_day_matches(cycle_day_field: str, on: dt.date) -> dict:
    """Accounts whose statement date is `on`: their cycle day, or 31 on the month's last day."""
    last_day = calendar.monthrange(on.year, on.month)[1]
    days = [on.day] + ([Account.LAST_DAY_OF_MONTH] if on.day == last_day and on.day != 31 else [])
    return {f"{cycle_day_field}__in": days}


def statement_account_ids(*, on: dt.date) -> list[int]:
    return list(
        Account.objects.filter(opened_on__lte=on, **statement_day_matches("cycle_day", on))
        .exclude(status=Account.Status.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


_PERIOD_TOTALS_SQL = """
SELECT p.account_id, p.kind, SUM(CAST(ROUND(p.amount * 100) AS BIGINT)), COUNT(*)
  FROM ledger_posting p
  JOIN accounts_account a ON a.id = p.account_id
  LEFT JOIN (SELECT account_id, MAX(statement_date) AS last_date
               FROM statements_statement
              WHERE account_id IN ({ids}) AND statement_date < %s
              GROUP BY account_id) s ON s.account_id = p.account_id
 WHERE p.account_id IN ({ids})
   AND p.posting_date <= %s
   AND p.posting_date >= a.opened_on
   AND (s.last_date IS NULL OR p.posting_date > s.last_date)
 GROUP BY p.account_id, p.kind
"""


def _period_totals(account_ids: list[int], on: dt.date) -> dict[int, dict[str, tuple[Decimal, int]]]:
    placeholders = ", ".join(["%s"] * len(account_ids))
    sql = _PERIOD_TOTALS_SQL.format(ids=placeholders)
    totals: dict[int, dict[str, tuple[Decimal, int]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*account_ids, on, *account_ids, on])
        for account_id, kind, cents, count in cursor.fetchall():
            totals[account_id][kind] = (from_minor(cents), count)
    return totals


def _accounts_with_periods(
    account_ids: list[int], on: dt.date,
) -> tuple[list[Account], dict[int, Statement], dict[int, tuple[dt.date, dt.date]]]:
    """The accounts, each one's previous statement (if any) and its period ending `on`."""
    accounts = list(
        Account.objects.filter(pk__in=account_ids)
        .only("id", "number", "company_id", "currency", "opened_on", "closed_on", "status").order_by("pk")
    )
    # A chunk's accounts share a handful of companies: load each once, not once per account.
    companies = Company.objects.in_bulk({account.company_id for account in accounts})
    for account in accounts:
        account.company = companies[account.company_id]
    previous = {
        row.account_id: row
        for row in Statement.objects.filter(
            account__in=accounts,
            statement_date=Subquery(
                Statement.objects.filter(account_id=OuterRef("account_id"), statement_date__lt=on)
                .order_by("-statement_date").values("statement_date")[:1]
            ),
        ).only("account_id", "statement_date", "closing_balance")
    }
    periods = {
        account.pk: (previous[account.pk].statement_date + dt.timedelta(days=1) if account.pk in previous
                     else account.opened_on, on)
        for account in accounts
    }
    return accounts, previous, periods


def _statement_events(*, on: dt.date, account_ids: list[int]) -> int:
    """statement.ready for the statements of `on` of these accounts (SPEC section 16), in the statement day's
    transaction: one outbox row per company naming its statements, as the PostgreSQL path writes (issue 17)."""
    by_company: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(account_ids), 500):
        found = Statement.objects.filter(statement_date=on, account_id__in=account_ids[start:start + 500])
        for company_id, pk in found.values_list("account__company_id", "pk"):
            by_company[company_id].append(pk)
    for company_id, ids in by_company.items():
        events_record_batch(company_id=company_id, type=EventType.STATEMENT_READY, object_ids=ids)
    return sum(len(ids) for ids in by_company.values())


@transaction.atomic
def statements_generate(*, on: dt.date, account_ids: list[int], record_events: bool = True) -> int:
    """Produce the statements of `on` for these accounts (a chunk); safe to run again.

    Before each statement: year 1's annual fee on the first statement after issue (SPEC section 7) and
    the period's late interest, posted on the statement date (SPEC section 8), with the interest a
    payment's value date gives back as a negative `interest` line (SPEC section 9). Each new statement is
    a statement.ready event (SPEC section 16) unless the caller records its own (a final statement).
    """
    if connection.vendor == "postgresql":
        return _statements_generate_postgres(on=on, account_ids=account_ids, record_events=record_events)
    ids = _statements_generate_portable(on=on, account_ids=account_ids)
    if record_events and ids:
        _statement_events(on=on, account_ids=ids)
    return len(ids)


def _statements_generate_portable(*, on: dt.date, account_ids: list[int]) -> list[int]:
    already = set(
        Statement.objects.filter(account_id__in=account_ids, statement_date=on).values_list("account_id", flat=True)
    )
    accounts, previous, periods = _accounts_with_periods([pk for pk in account_ids if pk not in already], on)
    if not accounts:
        return []
    annual_fees_first(accounts=[a for a in accounts if a.pk not in previous], on=on)
    postings_create_bulk(specs=interest_specs(accounts=accounts, periods=periods)
                         + interest_give_back_specs(accounts=accounts, periods=periods))

    totals = _period_totals([a.pk for a in accounts], on)
    statements = []
    for account in accounts:
        kinds = totals.get(account.pk, {})
        opening = previous[account.pk].closing_balance if account.pk in previous else ZERO
        line_count = sum(count for _amount, count in kinds.values())
        if line_count == 0 and opening == 0:
            continue  # SPEC section 9: no postings and a zero opening balance → no statement
        period_sum = sum((amount for amount, _count in kinds.values()), ZERO)
        payments = sum((amount for kind, (amount, _c) in kinds.items() if kind in PAYMENT_KINDS), ZERO)
        statements.append(Statement(
            account=account, statement_date=on, period_start=periods[account.pk][0],
            due_date=on + dt.timedelta(days=account.company.payment_terms_days), currency=account.currency,
            opening_balance=opening, closing_balance=opening + period_sum, billed_amount=period_sum - payments,
            payments_amount=payments, totals={kind: str(amount) for kind, (amount, _c) in sorted(kinds.items())},
            line_count=line_count,
        ))
    Statement.objects.bulk_create(statements)
    return [statement.account_id for statement in statements]


def _statements_generate_postgres(*, on: dt.date, account_ids: list[int], record_events: bool) -> int:
    """The same as the portable path, set-based: no Python object per account except those owing interest.

    Most accounts of a statement day owe no late interest, so only those with accruals are loaded to build
    their explained interest lines. The first annual fees, the statements and their statement.ready events are
    one statement per chunk (issue 17, statement cycle): the fees are posted by a CTE the aggregate also reads.
    An account owing interest has had a statement (interest accrues on an overdue one), so it owes no first
    fee; a chunk with such accounts posts its fees first, then the interest, then the statements, as before,
    so the postings keep their order.
    """
    with connection.cursor() as cursor:
        # A chunk's statements are short statements over a few thousand accounts: compiling them (JIT, once the
        # planner's estimate passes jit_above_cost, as it does with 1,000,000 accounts) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "SELECT a.id, c.market, EXISTS (SELECT 1 FROM fees_interestaccrual i WHERE i.account_id = a.id"
            " AND i.day <= %(on)s) FROM accounts_account a JOIN accounts_company c ON c.id = a.company_id"
            # One probe of the (account, statement_date) key per account: as NOT EXISTS the planner may read
            # every statement of the day so far for each chunk (quadratic in a day's accounts).
            " LEFT JOIN LATERAL (SELECT true AS done FROM statements_statement s WHERE s.account_id = a.id"
            " AND s.statement_date = %(on)s LIMIT 1) already ON true"
            " WHERE a.id = ANY(%(ids)s) AND already.done IS NULL ORDER BY a.id",
            {"ids": account_ids, "on": on},
        )
        rows = cursor.fetchall()
    ids, markets = [row[0] for row in rows], {row[1] for row in rows}
    owing_interest = [row[0] for row in rows if row[2]]
    if not ids:
        return 0
    if owing_interest:
        annual_fees_first_sql(account_ids=ids, on=on)
        accounts, _previous, periods = _accounts_with_periods(owing_interest, on)
        postings_create_bulk(specs=interest_specs(accounts=accounts, periods=periods)
                             + interest_give_back_specs(accounts=accounts, periods=periods))
    fee_ctes, params = annual_fees_first_ctes(name="fee", on=on, markets=markets)
    sql = _STATEMENTS_SQL.format(fees=fee_ctes, events=_statement_events_cte() if record_events else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "ids": ids, "on": on})
        produced = cursor.fetchone()[0]
    if record_events and produced:
        events_recorded()
    return produced


# PostgreSQL: a chunk's first annual fees, statements and statement.ready events in one INSERT … SELECT …
# GROUP BY (DESIGN "Fast paths"). The portable path computes the same rows in Python; the statement tests
# run on both databases. `acct` is the chunk's accounts with their last statement before `on` (one probe of
# the (account, statement_date) index each); the fees' postings are not in the statement's snapshot of
# ledger_posting, so the aggregate adds them from the CTE `fee`.
_STATEMENTS_SQL = """
WITH acct AS (
    SELECT a.id, a.number, a.company_id, a.currency, a.opened_on, a.closed_on, c.market, c.annual_fee,
           c.payment_terms_days, prev.statement_date AS prev_date, prev.closing_balance AS prev_closing
      FROM accounts_account a
      JOIN accounts_company c ON c.id = a.company_id
      LEFT JOIN LATERAL (SELECT s.statement_date, s.closing_balance FROM statements_statement s
                          WHERE s.account_id = a.id AND s.statement_date < %(on)s
                          ORDER BY s.statement_date DESC LIMIT 1) prev ON true
     WHERE a.id = ANY(%(ids)s)
), {fees},
period AS (
    -- Per account, one probe of the (account, posting_date) index for its period's postings, and the first
    -- fee the CTE `fee` posted for it (one at most: its source key is unique), which the statement's snapshot
    -- cannot see in ledger_posting.
    SELECT acct.id AS account_id, t.total, t.lines, t.payments, t.totals
      FROM acct
      LEFT JOIN fee ON fee.account_id = acct.id
     CROSS JOIN LATERAL (
        SELECT SUM(k.total) AS total, SUM(k.lines) AS lines,
               COALESCE(SUM(k.total) FILTER (WHERE k.kind IN ('payment', 'payment_return')), 0) AS payments,
               jsonb_object_agg(k.kind, k.total::numeric(18, 2)::text) AS totals
          FROM (SELECT m.kind, SUM(m.amount) AS total, COUNT(*) AS lines
                  FROM (SELECT p.kind, p.amount FROM ledger_posting p
                         WHERE p.account_id = acct.id AND p.posting_date <= %(on)s
                           AND p.posting_date >= GREATEST(acct.opened_on, acct.prev_date + 1)
                        UNION ALL
                        SELECT fee.kind, fee.amount WHERE fee.account_id IS NOT NULL) m
                 GROUP BY m.kind) k) t
), s AS (
INSERT INTO statements_statement (account_id, statement_date, period_start, due_date, currency, opening_balance,
                                  closing_balance, billed_amount, payments_amount, totals, line_count,
                                  eurobonus_points, created_at)
SELECT acct.id, %(on)s, COALESCE(acct.prev_date + 1, acct.opened_on), %(on)s::date + acct.payment_terms_days,
       acct.currency, COALESCE(acct.prev_closing, 0), COALESCE(acct.prev_closing, 0) + COALESCE(period.total, 0),
       COALESCE(period.total, 0) - COALESCE(period.payments, 0), COALESCE(period.payments, 0),
       COALESCE(period.totals, '{{}}'::jsonb), COALESCE(period.lines, 0), 0, now()
  FROM acct
  LEFT JOIN period ON period.account_id = acct.id
 WHERE COALESCE(period.lines, 0) > 0 OR COALESCE(acct.prev_closing, 0) <> 0  -- SPEC section 9
 ORDER BY acct.id
RETURNING id, account_id, statement_date, period_start, due_date, currency, opening_balance, closing_balance, final
){events}
SELECT count(*) FROM s
"""


def _statement_events_cte() -> str:
    """statement.ready for each new statement (SPEC section 16) from what the INSERT returns: one outbox row per
    company naming its statements (events.services.events_batch_insert_sql), numbered into one event per
    statement, in id (so account) order, after commit. A statement's shown fields never change after this
    INSERT, so the event reads it when shown; per statement the day pays an id in an array, not an outbox row
    with its indexes (issue 17: about a quarter of a chunk's writing)."""
    return ", ev AS ({insert})".format(insert=events_batch_insert_sql(
        type=EventType.STATEMENT_READY, select_sql="SELECT a.company_id, s.id AS object_id"
                                                   " FROM s JOIN acct a ON a.id = s.account_id"))


@transaction.atomic
def statement_final_generate(*, account: Account, on: dt.date) -> Statement | None:
    """The final statement of an account going to closing (terms §32; SPEC section 11): produced that day
    by the statement day's own service (so it bills every posting not yet billed, with the day's late
    interest), due after the market's final-statement days (a programme rule, default 0). None when there
    is nothing to bill and nothing carried over.

    A statement already produced for `on` (the daily run came first) is left as it is: it already billed
    everything up to `on`, and nothing can post into its period any more."""
    existing = Statement.objects.filter(account=account, statement_date=on).first()
    if existing is not None:
        return existing
    # The daily run accrues a day's interest before its statements; a closure during the day does the same
    # for its account, so the final statement's period has every day of interest (SPEC section 8).
    interest_accrue(on=on, account_ids=[account.pk])
    statements_generate(on=on, account_ids=[account.pk], record_events=False)
    statement = Statement.objects.filter(account=account, statement_date=on).first()
    if statement is None:
        return None
    rules = programme_rules(market=account.company.market, on=on)
    statement.due_date = on + dt.timedelta(days=rules.final_statement_days)
    statement.final = True
    statement.save(update_fields=["due_date", "final"])
    # SPEC section 16: statement.ready as the final statement is, with its own due date.
    event_record(company_id=account.company_id, type=EventType.STATEMENT_READY, data=statement_data(statement))
    return statement


@transaction.atomic
def company_statements_generate(*, on: dt.date) -> int:
    """One statement per centrally billed company and statement date, summing its accounts'. A final
    statement stands alone (its own due date, terms §32): no company statement sums it."""
    company_ids = (
        Statement.objects.filter(statement_date=on, account__billing_type=BillingType.CENTRAL,
                                 company_statement__isnull=True, final=False)
        .values_list("account__company_id", flat=True)
        .distinct()
    )
    created = 0
    for company in Company.objects.filter(pk__in=list(company_ids)):
        statements = list(Statement.objects.filter(statement_date=on, account__company=company,
                                                   account__billing_type=BillingType.CENTRAL, final=False))
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for statement in statements:
            for kind, amount in statement.totals.items():
                totals[kind] += Decimal(amount)
        company_statement, was_created = CompanyStatement.objects.get_or_create(
            company=company, statement_date=on,
            defaults=dict(
                due_date=on + dt.timedelta(days=company.payment_terms_days), currency=company.currency,
                # Sum the Python Decimals, not the database's SUM: exact on SQLite too.
                opening_balance=sum((s.opening_balance for s in statements), ZERO),
                closing_balance=sum((s.closing_balance for s in statements), ZERO),
                billed_amount=sum((s.billed_amount for s in statements), ZERO),
                payments_amount=sum((s.payments_amount for s in statements), ZERO),
                totals={kind: str(amount) for kind, amount in sorted(totals.items())},
                account_count=len(statements),
            ),
        )
        Statement.objects.filter(pk__in=[s.pk for s in statements]).update(company_statement=company_statement)
        created += int(was_created)
    return created
