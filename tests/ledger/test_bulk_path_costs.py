"""Issue 17 (performance): what the bulk paths pay per posting and per statement, on PostgreSQL.

The charge import and the statement day insert hundreds of thousands of rows; every index on those
tables is paid once per row. These tests hold the trimmed set (ledger 0009/0010, statements 0003) and
show that what the trimmed indexes served is still found through another one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from moneyed import Money

from accounts.lifecycle import card_used_since
from ledger.models import Posting, PostingKind
from ledger.services import posting_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
DAY = dt.date(2026, 3, 11)


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def test_issue17_perf_a_posting_pays_for_no_kind_or_card_index_of_its_own():
    definitions = " | ".join(_indexes("ledger_posting").values())
    assert "(card_id)" not in definitions  # found through the account's index
    kind = [d for d in _indexes("ledger_posting").values() if "(kind, posting_date)" in d]
    assert len(kind) == 1 and "WHERE" in kind[0] and "payment" in kind[0]  # payments only


def test_issue17_perf_a_statement_pays_for_no_second_account_index():
    indexes = _indexes("statements_statement").values()
    assert not [d for d in indexes if d.endswith("(account_id)")]  # the unique (account, date) serves
    company = [d for d in indexes if "(company_statement_id)" in d]
    assert len(company) == 1 and "IS NOT NULL" in company[0]


def test_issue17_perf_source_keys_compare_bytes_and_serve_prefix_lookups(bob_account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT collation_name FROM information_schema.columns"
                       " WHERE table_name = 'ledger_posting' AND column_name = 'source_key'")
        assert cursor.fetchone()[0] == "C"
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM ledger_posting WHERE source_key LIKE 'payment/P1/%%'")
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "posting_source_key_unique" in plan


def test_issue17_perf_a_cards_postings_are_still_found_without_a_card_index(bob_card):
    card = bob_card.card
    assert not card_used_since(card, DAY)
    posting_create(account=card.account, kind=PostingKind.PURCHASE, amount=Money("10.00", "DKK"), posting_date=DAY,
                   source_key="charge/used", card=card, transaction_date=DAY)
    assert card_used_since(card, DAY) and not card_used_since(card, DAY + dt.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT 1 FROM ledger_posting WHERE kind = 'payment_return' AND posting_date = %s",
                       [DAY])
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "posting_payment_kind_idx" in plan
    assert Posting.objects.filter(account_id=card.account_id, card=card).count() == 1
