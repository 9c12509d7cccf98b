"""Issue 17 (performance, statement cycle): what the statement day pays per account, with the same figures.

On PostgreSQL a chunk's first annual fees, statements and statement.ready events are one INSERT statement
(the events one outbox row per company naming its statements, as on SQLite),
and the statement's account is checked once per statement by a trigger instead of a deferred foreign-key
check per row at COMMIT (statements 0005). The database still refuses a statement on an unknown account and
the deletion of an account with statements, on both databases (SQLite keeps its foreign key).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from accounts.models import Account
from events.models import Event
from events.payloads import events_hydrate, statement_data
from events.services import events_sequence
from fees.models import InterestAccrual
from ledger.models import Posting
from statements.models import Statement
from statements.services import statements_generate
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory
from tests.statements.conftest import post, run_through

DAY = dt.date(2026, 1, 15)


def _raw_statements(cursor, account_ids: list[int]) -> None:
    """One INSERT statement of a statement per account id."""
    values = ", ".join(["(%s, '2026-01-15', '2026-01-10', '2026-02-12', 'DKK', 0, 0, 0, 0, '{}', 0, 0,"
                        " false, '2026-01-15', '2026-01-15')"] * len(account_ids))
    cursor.execute("INSERT INTO statements_statement (account_id, statement_date, period_start, due_date, currency,"
                   " opening_balance, closing_balance, billed_amount, payments_amount, totals, line_count,"
                   " eurobonus_points, final, created_at, updated_at)"
                   f" VALUES {values}", account_ids)


@pytest.mark.django_db(transaction=True)
def test_issue17_perf_a_statement_on_an_unknown_account_fails_the_whole_statement(company_a):
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company_a)).pk for _ in range(3)]
    with pytest.raises(DatabaseError, match="does not exist|FOREIGN KEY"), transaction.atomic(), \
            connection.cursor() as cursor:
        _raw_statements(cursor, [accounts[0], 999_999, *accounts[1:]])
    assert not Statement.objects.exists()
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_statements(cursor, accounts)
    assert Statement.objects.count() == 3
    with pytest.raises(DatabaseError, match="does not exist|FOREIGN KEY"), transaction.atomic():
        Statement.objects.filter(account_id=accounts[0]).update(account_id=999_999)
    with pytest.raises(DatabaseError, match="with statements cannot be deleted|FOREIGN KEY"), transaction.atomic():
        Account.objects.filter(pk=accounts[0])._raw_delete(connection.alias)
    assert Account.objects.filter(pk=accounts[0]).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_issue17_perf_a_statement_pays_for_no_per_row_foreign_key_on_its_account():
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'statements_statement'::regclass"
                       " AND contype = 'f' AND conkey = ARRAY[(SELECT attnum FROM pg_attribute"
                       " WHERE attrelid = 'statements_statement'::regclass AND attname = 'account_id')]")
        assert cursor.fetchall() == []
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'statements_statement'::regclass"
                       " AND NOT tgisinternal")
        assert "statements_statement_accounts" in {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_issue17_perf_a_chunk_posts_its_first_fees_and_writes_its_statements_and_events_in_one_statement(
        company_a):
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company_a), cycle_day=15,
                               opened_on=dt.date(2026, 1, 10)) for _ in range(3)]
    for n, account in enumerate(accounts):
        post(account, "purchase", f"{100 * (n + 1)}.00", dt.date(2026, 1, 12), f"charge/{n}")
    with CaptureQueriesContext(connection) as queries:
        assert statements_generate(on=DAY, account_ids=[a.pk for a in accounts]) == 3
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(inserts) == 1, inserts

    # A bulk path's posting.created and statement.ready events are one outbox row per company until numbered
    # (issue 18 item 7, issue 17): the statements' row names them in account order.
    batches = list(Event.objects.filter(type="statement.ready"))
    assert [(event.company_id, sorted(event.object_ids), event.data) for event in batches] == [
        (company_a.pk, [Statement.objects.get(account=account).pk for account in accounts], {})]
    for company_id in {account.company_id for account in accounts}:
        events_sequence(company_id=company_id)
    for n, account in enumerate(accounts):
        statement = Statement.objects.get(account=account)
        assert statement.totals == {"fee_annual": "650.00", "purchase": f"{100 * (n + 1)}.00"}
        assert statement.closing_balance == statement.billed_amount == Decimal(650 + 100 * (n + 1))
        assert statement.line_count == 2 and statement.period_start == dt.date(2026, 1, 10)
        fee = Posting.objects.get(account=account, kind="fee_annual")
        assert fee.source_key == f"annual-fee/{account.pk}/1" and fee.amount.amount == Decimal("650.00")
        assert fee.explanation == {"rule": "annual_fee", "fee_schedule_id": fee.explanation["fee_schedule_id"],
                                   "fee_schedule": fee.explanation["fee_schedule"], "programme_fee": "650.00",
                                   "schedule_maximum": "650.00", "membership_year": 1, "year_start": "2026-01-10",
                                   "year_end": "2027-01-09"}
        if connection.vendor == "postgresql":  # the set-based paths' narrow event naming the posting
            assert Event.objects.filter(type="posting.created", object_id=fee.pk).count() == 1
    assert Event.objects.filter(type="posting.created").count() == 6  # three charges, three fees
    ready = list(Event.objects.filter(type="statement.ready").order_by("seq"))
    assert [event.object_id for event in ready] == [Statement.objects.get(account=a).pk for a in accounts]
    events_hydrate(ready)  # what the events API and the webhooks show
    assert [event.data for event in ready] == [
        json.loads(json.dumps(statement_data(Statement.objects.get(account=account)), cls=DjangoJSONEncoder))
        for account in accounts]
    assert {event.company_id for event in ready} == {company_a.pk}
    # Safe to run again: nothing more.
    assert statements_generate(on=DAY, account_ids=[a.pk for a in accounts]) == 0
    assert Posting.objects.filter(kind="fee_annual").count() == 3 and Event.objects.count() == len(ready) + 6


@pytest.mark.django_db
def test_issue17_perf_a_chunk_with_interest_owed_posts_the_fees_before_the_interest(company_a):
    """An account owing interest shares its chunk with a new account: the new one's first fee is posted
    before the interest, as the statement day always did."""
    old = AccountFactory(cardmember=CardmemberFactory(company=company_a), cycle_day=15,
                         opened_on=dt.date(2026, 1, 10))
    post(old, "purchase", "1000.00", dt.date(2026, 1, 12), "charge/old")
    run_through(dt.date(2026, 3, 14), start=dt.date(2026, 1, 10))  # due 12 February, never paid
    assert InterestAccrual.objects.filter(account=old).exists()
    new = AccountFactory(cardmember=CardmemberFactory(company=company_a), cycle_day=15,
                         opened_on=dt.date(2026, 3, 10))
    post(new, "purchase", "200.00", dt.date(2026, 3, 12), "charge/new")
    run_through(dt.date(2026, 3, 15))

    fee = Posting.objects.get(account=new, kind="fee_annual")
    interest = Posting.objects.filter(account=old, kind="interest", posting_date=dt.date(2026, 3, 15)).get()
    assert fee.pk < interest.pk
    new_statement = Statement.objects.get(account=new)
    assert new_statement.totals == {"fee_annual": "650.00", "purchase": "200.00"}
    old_statement = Statement.objects.get(account=old, statement_date=dt.date(2026, 3, 15))
    assert old_statement.totals["interest"] == str(interest.amount.amount)
    previous = Statement.objects.get(account=old, statement_date=dt.date(2026, 2, 15))
    assert old_statement.opening_balance == previous.closing_balance
    assert old_statement.closing_balance == previous.closing_balance + sum(
        Decimal(amount) for amount in old_statement.totals.values())


@pytest.mark.django_db
def test_issue17_perf_first_fees_built_once_per_programme_fee_and_issue_date_are_each_accounts_own(company_a):
    """The statement day builds a first fee's amount, description and explanation once per (schedule,
    programme fee, issue date) and joins it to the accounts: each account still gets its own."""
    cheaper = CompanyFactory(number="10009", annual_fee=Money("300.00", "DKK"))
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=15, opened_on=opened)
                for company in (company_a, cheaper) for opened in (dt.date(2026, 1, 10), dt.date(2026, 1, 12))
                for _ in range(2)]
    for n, account in enumerate(accounts):
        post(account, "purchase", "10.00", dt.date(2026, 1, 13), f"charge/mix/{n}")
    assert statements_generate(on=DAY, account_ids=[a.pk for a in accounts]) == len(accounts)
    for account in accounts:
        fee = Posting.objects.get(account=account, kind="fee_annual")
        programme = account.cardmember.company.annual_fee.amount
        opened = account.opened_on
        assert fee.amount.amount == programme
        assert fee.description == f"Annual card fee {opened.isoformat()}"
        assert (fee.explanation["programme_fee"], fee.explanation["year_start"], fee.explanation["year_end"]) == (
            f"{programme:.2f}", opened.isoformat(), opened.replace(year=opened.year + 1).replace(
                day=opened.day - 1).isoformat())
        assert Statement.objects.get(account=account).totals["fee_annual"] == f"{programme:.2f}"
