"""Benchmark: the statement day for many accounts on PostgreSQL (issue 4).

Builds N accounts (default 100,000) with P postings each (default 20) in one cycle, runs the
statement day for all of them (first annual fee, interest, set-based period totals, statements),
and prints accounts/s and the ratio of the run to a raw SQL baseline measured in the same run: one
`INSERT … SELECT … GROUP BY account` of the period's totals into a scratch table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amexprog_bench .venv/bin/python bench/statement_cycle.py

It uses its own database (created if missing) and empties the ledger tables there first. It prints where
the statement day's time goes: every SQL statement it sends, grouped by what it writes or reads, and the
COMMITs (where deferred foreign-key checks run). `--reuse` keeps a database an earlier run built with the
same --accounts and --postings and undoes only the statement day (for iterating; figures to report come
from a fresh build).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.benchdb import ensure_database  # noqa: E402  (after the path set-up)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.development")
os.environ.pop("REDIS_URL", None)  # chunks run in-process: the benchmark measures the work, not a queue

STATEMENT_DAY = dt.date(2026, 1, 5)


def build(accounts: int, postings: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:  # the indexes come back even if the load fails
        cursor.execute("TRUNCATE statements_statement, statements_companystatement, fees_interestaccrual, "
                       "fees_reminder, ledger_posting, ledger_journalentry, accounts_card, "
                       "accounts_account, accounts_notice, accounts_cardmember, common_chunkrun CASCADE")
        # Whatever else references the bench company (exposure snapshots, controls…) goes with it.
        cursor.execute("TRUNCATE accounts_company CASCADE")
        # Synthetic data: the triggers are bypassed for the whole load (the audit history's row triggers cost
        # minutes per 100,000 card members; verify_ledger checks the ledger after).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "INSERT INTO accounts_company (number, legal_name, vat_number, market, billing_type, default_liability,"
            " credit_limit, credit_limit_currency, annual_fee, annual_fee_currency, cash_allowed, eurobonus_allowed,"
            " payment_terms_days, blocked_mccs, requires_activation, address_line, postal_code, city, country,"
            " iban, bic, authorised_signatories, status, created_at) VALUES ('BENCH', 'Bench A/S', 'DK1',"
            " 'DK', 'individual', 'corporate', 1e11, 'DKK', 650, 'DKK', true, false, 28, '[]', false, '', '', '',"
            " 'DK', '', '', '[]', 'active', now()) RETURNING id"
        )
        company_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO accounts_cardmember (company_id, employee_id, cost_centre, first_name, last_name, email,"
            " phone, address_line, postal_code, city, country, language, contact_valid, created_at,"
            " eurobonus_number)"
            " SELECT %s, 'E' || g, '', 'Bench', 'Member ' || g, 'm' || g || '@example.com', '', '', '', '', 'DK',"
            " 'da', true, now(), '' FROM generate_series(1, %s) g",
            [company_id, accounts],
        )
        cursor.execute(
            "INSERT INTO accounts_account (number, company_id, cardmember_id, liability, billing_type, currency,"
            " cycle_day, status, opened_on, standing_cause, standing_hold)"
            " SELECT 'B' || lpad(c.id::text, 11, '0'), %s, c.id,"
            " 'corporate', 'individual', 'DKK', 5, 'active', '2026-01-02', '', '' FROM accounts_cardmember c"
            " WHERE c.company_id = %s",
            [company_id, company_id],
        )
        # The posting indexes (all but the primary key) are dropped for the load and built once after it:
        # maintaining four B-trees row by row (the source keys in random order) was most of the build.
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        rebuild = _drop_posting_indexes(cursor)
        cursor.execute(
            "INSERT INTO ledger_posting (account_id, posting_date, kind, counter_account_code, amount,"
            " amount_currency, description, source_key, merchant_name, merchant_city, merchant_country, mcc,"
            " flagged_for_review, explanation, created_at)"
            " SELECT a.id, DATE '2026-01-02' + (g %% 3), 'purchase', 'merchant_settlement',"
            " round((random() * 2000 + 1)::numeric, 2), 'DKK', 'Bench shop',"
            " 'bench/' || a.id || '/' || g, 'Bench shop', 'Copenhagen', 'DK', '5812', false, '{}', now()"
            " FROM accounts_account a, generate_series(1, %s) g WHERE a.company_id = %s",
            [postings, company_id],
        )
        for sql in rebuild:
            cursor.execute(sql)
        cursor.execute("SET session_replication_role = origin")
    with connection.cursor() as cursor:
        # Hint bits and the visibility map set once here (as autovacuum keeps them on a live database), not by
        # the statement day's first read.
        cursor.execute("VACUUM (FREEZE, ANALYZE) ledger_posting")
        cursor.execute("VACUUM (FREEZE, ANALYZE) accounts_account")
        cursor.execute("ANALYZE")


def _drop_posting_indexes(cursor) -> list[str]:
    """Drop ledger_posting's secondary indexes and unique constraints; return the SQL that recreates them."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'ledger_posting'::regclass AND contype = 'u'"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'ledger_posting'"
        " AND i.indexname NOT IN (SELECT conname FROM pg_constraint"
        " WHERE conrelid = 'ledger_posting'::regclass AND contype IN ('p', 'u'))"
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE ledger_posting DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [f'ALTER TABLE ledger_posting ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints] + [
        definition for _, definition in indexes]


def built(accounts: int, postings: int) -> bool:
    """Whether the database already holds this benchmark's accounts and postings (for --reuse)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_account")
        if cursor.fetchone()[0] != accounts:
            return False
        cursor.execute("SELECT count(*) FROM ledger_posting WHERE kind = 'purchase'")
        return cursor.fetchone()[0] == accounts * postings


def undo_statement_day() -> None:
    """--reuse: remove what a statement day wrote (statements, fees, events, chunk runs), triggers bypassed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM ledger_posting WHERE kind <> 'purchase'")
        cursor.execute("TRUNCATE statements_statement, statements_companystatement, events_event, common_chunkrun"
                       " CASCADE")
        cursor.execute("SET session_replication_role = origin")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledger_posting")
        cursor.execute("VACUUM ANALYZE accounts_account")


# What each statement of the statement day does, by the table it writes or its first words.
_SQL_STEPS = (
    ("statements INSERT … SELECT", re.compile(r"INSERT INTO statements_statement", re.S)),
    ("events (statement.ready)", re.compile(r"^\s*INSERT INTO events_event", re.S)),
    ("postings INSERT (fees, interest)", re.compile(r"INSERT INTO ledger_posting", re.S)),
    ("chunk bookkeeping", re.compile(r"common_chunkrun", re.S)),
    ("other reads", re.compile(r"^\s*(SELECT|WITH)", re.S)),
)


class StepTimer:
    """Times every SQL statement and COMMIT of the connection, grouped by _SQL_STEPS."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.by_text: dict[str, float] = defaultdict(float)

    def step(self, sql: str) -> str:
        for name, pattern in _SQL_STEPS:
            if pattern.search(sql):
                return name
        return "other statements"

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            name, seconds = self.step(sql), time.perf_counter() - started
            self.seconds[name] += seconds
            self.by_text[" ".join(sql.split())[:110]] += seconds
            self.count[name] += 1

    def install(self, connection) -> None:
        connection.ensure_connection()
        commit = connection._commit

        def timed_commit():
            started = time.perf_counter()
            try:
                return commit()
            finally:
                self.seconds["COMMIT (deferred checks)"] += time.perf_counter() - started
                self.count["COMMIT (deferred checks)"] += 1

        connection._commit = timed_commit

    def report(self, run: float) -> None:
        in_sql = sum(self.seconds.values())
        for name, seconds in sorted(self.seconds.items(), key=lambda item: -item[1]):
            print(f"  {name:<34} {seconds:7.2f} s  ({self.count[name]:,} statements)")
        print(f"  {'Python and round trips (the rest)':<34} {run - in_sql:7.2f} s")
        if os.environ.get("BENCH_DETAIL"):
            for text, seconds in sorted(self.by_text.items(), key=lambda item: -item[1])[:15]:
                print(f"    {seconds:6.2f} s  {text}")


def baseline() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_scratch")
        cursor.execute("CREATE TABLE bench_scratch (account_id bigint, kind text, total numeric, lines bigint)")
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_scratch SELECT account_id, kind, SUM(amount), COUNT(*) FROM ledger_posting"
            " WHERE posting_date <= %s GROUP BY account_id, kind",
            [STATEMENT_DAY],
        )
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_scratch")
    return elapsed


def number_events() -> None:
    """Number the day's events as a reader or the webhook dispatcher would, after commit and off the statement
    day's path: the batch rows (the fees' posting.created, the statements' statement.ready) become one event
    per object here. The time is printed, not counted in the run."""
    from accounts.models import Company
    from events.models import Event
    from events.services import events_sequence

    started = time.perf_counter()
    numbered = sum(events_sequence(company_id=pk) for pk in Company.objects.values_list("pk", flat=True))
    elapsed = time.perf_counter() - started
    ready = Event.objects.filter(type="statement.ready", seq__isnull=False).count()
    print(f"numbering the day's events after commit: {numbered:,} events in {elapsed:.2f} s "
          f"({ready:,} numbered statement.ready events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=20)
    parser.add_argument("--skip-verify", action="store_true", help="skip verify_ledger at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the accounts and postings of an earlier run with the same sizes (iterating)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (its own: the benchmark empties the ledger there).")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from ledger.verification import verify_ledger
    from statements.models import Statement
    from statements.steps import statements

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.reuse and built(args.accounts, args.postings):
        print(f"reusing the {args.accounts:,} accounts × {args.postings} postings built before", flush=True)
        undo_statement_day()
    else:
        print(f"building {args.accounts:,} accounts × {args.postings} postings …", flush=True)
        started = time.perf_counter()
        build(args.accounts, args.postings)
        print(f"  built in {time.perf_counter() - started:.1f} s")

    base = baseline()
    timer = StepTimer()
    timer.install(connection)
    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        produced = statements(STATEMENT_DAY)
    run = time.perf_counter() - started
    assert produced == Statement.objects.filter(statement_date=STATEMENT_DAY).count() == args.accounts

    print(f"statement day: {produced:,} statements in {run:.2f} s → {produced / run:,.0f} accounts/s "
          f"(target ≥ 2,000)")
    print(f"raw SQL baseline (INSERT … SELECT … GROUP BY account): {base:.2f} s")
    print(f"ratio run ÷ baseline: {run / base:.1f} (target ≤ 5, issue 17)")
    print("where the statement day's time went:")
    timer.report(run)
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    number_events()
    if not args.skip_verify:
        started = time.perf_counter()
        failures = {name: problems for name, problems in verify_ledger().items() if problems}
        print(f"verify_ledger: {'clean' if not failures else failures} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
