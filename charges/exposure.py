"""What a company's accounts owe, for the company credit limit of SPEC section 10, kept exact and cheap.

Summing every account of a large company on each authorization would make a decision cost grow with
the company. Instead the sum is kept in CompanyExposure and recomputed only when postings have landed
since: every transaction that posts to an account leaves an ExposureChange row for its company
(through the ledger's posting guards, which every posting path runs), committed or rolled back with
the postings themselves. A decision that sees change rows recomputes the sum and, in the same
statement, lists the rows that sum has counted; only those are removed, so postings committed in
between are never lost — their rows stay and cause the next recompute.

An account owes its balance: the closing balance of its last statement plus what posted after it
(nothing posts into a stated period: statements/guards.py), at least zero — one holder's credit does
not lend spend to another. Unbilled postings plus unpaid billed amounts (payments pay billed amounts
first, then unbilled ones, SPEC section 9) add up to exactly that.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from django.db import connection

from accounts.models import Account
from amexprog.common.db import from_minor
from charges.authorization_models import CompanyExposure, ExposureChange
from ledger.services import register_posting_guard

# A safety net for a posting path that would not run the ledger's guards: recompute at least this often.
REFRESH_AFTER = dt.timedelta(minutes=10)


@register_posting_guard
def exposure_changed(pairs: list[tuple[Account, dt.date]]) -> None:
    """Mark the companies of accounts receiving postings in this transaction (a ledger posting guard)."""
    companies = sorted({account.company_id for account, _day in pairs})
    if companies:
        ExposureChange.objects.bulk_create([ExposureChange(company_id=company) for company in companies])


def _minor_sql(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


@lru_cache(maxsize=2)
def _owed_sql(vendor: str) -> str:
    from ledger.models import Posting
    from statements.models import Statement  # a read of the statements app; import late to keep layers one-way

    statements, postings = Statement._meta.db_table, Posting._meta.db_table
    # Keeps the per-account balances a derived table of their own, so each is computed once.
    fence = "OFFSET 0" if vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    changes = "string_agg(CAST(id AS TEXT), ',')" if vendor == "postgresql" else "group_concat(id)"
    return f"""
SELECT (SELECT SUM(CASE WHEN b.balance > 0 THEN b.balance ELSE 0 END)
          FROM (SELECT COALESCE((SELECT {_minor_sql("s.closing_balance")} FROM {statements} s
                                  WHERE s.account_id = a.id ORDER BY s.statement_date DESC LIMIT 1), 0)
                     + COALESCE((SELECT SUM({_minor_sql("l.amount")}) FROM {postings} l
                                  WHERE l.account_id = a.id
                                    AND l.posting_date > COALESCE((SELECT MAX(s.statement_date) FROM {statements} s
                                                                    WHERE s.account_id = a.id), %(epoch)s)),
                                0) AS balance
                  FROM {Account._meta.db_table} a
                 WHERE a.company_id = %(company)s
                {fence}) b),
       (SELECT {changes} FROM {ExposureChange._meta.db_table} WHERE company_id = %(company)s)
"""


UPSERT_SQL = f"""
INSERT INTO {CompanyExposure._meta.db_table} (company_id, owed, computed_at) VALUES (%s, %s, %s)
ON CONFLICT (company_id) DO UPDATE SET owed = excluded.owed, computed_at = excluded.computed_at
"""


def company_owed_refresh(*, company_id: int, at: dt.datetime) -> Decimal:
    """Recompute what the company's accounts owe, store it, and clear the changes it has counted.

    Runs inside the authorization's transaction, under its lock on the company row: one decision
    per company recomputes at a time."""
    with connection.cursor() as cursor:
        cursor.execute(_owed_sql(connection.vendor), {"company": company_id, "epoch": dt.date(1, 1, 1)})
        owed_minor, counted = cursor.fetchone()
        owed = from_minor(owed_minor)
        field = CompanyExposure._meta.get_field("computed_at")
        cursor.execute(UPSERT_SQL, [company_id, str(owed), field.get_db_prep_save(at, connection)])
        if counted:
            ids = [int(part) for part in str(counted).split(",")]
            ExposureChange.objects.filter(pk__in=ids).delete()
    return owed


def company_owed(*, company_id: int, cached: Decimal | None, computed_at: dt.datetime | None, changes: int,
                 at: dt.datetime) -> Decimal:
    """The cached figure when nothing has posted since it was computed, else a fresh one."""
    if cached is None or changes or computed_at is None or at - computed_at > REFRESH_AFTER:
        return company_owed_refresh(company_id=company_id, at=at)
    return cached


def exposures_refresh(*, at: dt.datetime) -> int:
    """Recompute every company with changes still uncounted, so their rows do not pile up for companies
    whose cards see no authorization (run_cycle, daily). Each under the company's lock, as a decision."""
    from django.db import transaction

    from accounts.models import Company

    refreshed = 0
    for company_id in sorted(set(ExposureChange.objects.values_list("company_id", flat=True))):
        with transaction.atomic():
            # The lock the authorization path takes: two recomputes of one company never interleave.
            list(Company.objects.select_for_update().filter(pk=company_id).values_list("pk", flat=True))
            company_owed_refresh(company_id=company_id, at=at)
        refreshed += 1
    return refreshed
