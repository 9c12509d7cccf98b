"""The ledger is append-only in the database itself (SPEC section 4, DESIGN "The ledger is the source
of truth"): an UPDATE or DELETE of a posting or a journal entry fails whatever issues it, raw SQL or
the ORM's queryset update()/delete(), on PostgreSQL and on SQLite. tests/ledger/test_db_guards.py
covers raw UPDATE of both and raw DELETE of postings; these are the remaining ways in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from moneyed import Money

from ledger.models import JournalEntry, Posting
from ledger.selectors import Leg
from ledger.services import journal_entry_post, posting_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting(bob_account):
    posting, _ = posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                                posting_date=dt.date(2026, 3, 11), source_key="charge/append-only")
    return posting


def _refused(run) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run()


@pytest.fixture
def entry():
    entry, _ = journal_entry_post(source_key="bank/append-only", booked_on=dt.date(2026, 3, 11), description="",
                                  legs=[Leg("bank", Money("10.00", "DKK")), Leg("fx_income", Money("-10.00", "DKK"))])
    return entry


def test_a_raw_delete_of_journal_entries_is_refused(entry):
    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_journalentry WHERE id = %s", [entry.pk])

    _refused(delete)
    assert JournalEntry.objects.filter(pk=entry.pk).count() == 1


def test_queryset_updates_and_deletes_of_postings_and_entries_are_refused(posting, entry):
    _refused(lambda: Posting.objects.filter(pk=posting.pk).update(description="rewritten"))
    _refused(lambda: Posting.objects.filter(pk=posting.pk)._raw_delete(connection.alias))
    _refused(lambda: Posting.objects.filter(pk=posting.pk).update(counter_account="write_off"))
    _refused(lambda: JournalEntry.objects.filter(pk=entry.pk).update(amount=Money("0.01", "DKK")))
    _refused(lambda: JournalEntry.objects.filter(pk=entry.pk)._raw_delete(connection.alias))

    posting.refresh_from_db()
    assert (posting.description, posting.amount) == ("", Money("10.00", "DKK"))
    assert (posting.counter_account, JournalEntry.objects.get(pk=entry.pk).amount) == (
        "merchant_settlement", Money("10.00", "DKK"))


def test_saving_a_changed_posting_is_refused(posting):
    posting.description = "rewritten"
    _refused(lambda: posting.save(update_fields=["description"]))
    assert Posting.objects.get(pk=posting.pk).description == ""
