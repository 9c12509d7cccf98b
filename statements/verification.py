"""Ledger checks for statements (SPEC section 4): each statement's closing = opening + its lines."""

from __future__ import annotations

from django.db import connection

from amexprog.common.db import from_minor
from ledger.verification import ledger_check

_STATEMENT_SUMS_SQL = """
SELECT s.id, a.number, s.statement_date,
       CAST(ROUND(s.opening_balance * 100) AS BIGINT), CAST(ROUND(s.closing_balance * 100) AS BIGINT),
       COALESCE(SUM(CAST(ROUND(p.amount * 100) AS BIGINT)), 0)
  FROM statements_statement s
  JOIN accounts_account a ON a.id = s.account_id
  LEFT JOIN ledger_posting p
         ON p.account_id = s.account_id AND p.posting_date >= s.period_start AND p.posting_date <= s.statement_date
 GROUP BY s.id, a.number, s.statement_date, s.opening_balance, s.closing_balance
HAVING CAST(ROUND(s.closing_balance * 100) AS BIGINT)
       <> CAST(ROUND(s.opening_balance * 100) AS BIGINT) + COALESCE(SUM(CAST(ROUND(p.amount * 100) AS BIGINT)), 0)
 LIMIT %s
"""

_CHAIN_SQL = """
SELECT a.number, s.statement_date
  FROM statements_statement s
  JOIN accounts_account a ON a.id = s.account_id
  JOIN statements_statement prev ON prev.account_id = s.account_id AND prev.statement_date < s.statement_date
 WHERE NOT EXISTS (SELECT 1 FROM statements_statement mid WHERE mid.account_id = s.account_id
                     AND mid.statement_date > prev.statement_date AND mid.statement_date < s.statement_date)
   AND (CAST(ROUND(prev.closing_balance * 100) AS BIGINT) <> CAST(ROUND(s.opening_balance * 100) AS BIGINT))
 LIMIT %s
"""


@ledger_check("statement closing = opening + its lines")
def statements_add_up(limit: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_STATEMENT_SUMS_SQL, [limit])
        return [
            f"statement of account {number} on {day}: opening {from_minor(opening)} + lines {from_minor(lines)} "
            f"≠ closing {from_minor(closing)}"
            for _id, number, day, opening, closing, lines in cursor.fetchall()
        ]


@ledger_check("each statement opens with the previous closing balance")
def statements_chain(limit: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_SQL, [limit])
        return [f"statement of account {number} on {day} does not open with the previous closing balance"
                for number, day in cursor.fetchall()]
