"""Every write to the ledger (SPEC section 4)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from moneyed import Money

from accounts.models import Account, Card
from amexprog.common.errors import ApplicationError
from amexprog.common.money import require_decimal, round_money
from events.models import EventType
from events.payloads import posting_data
from events.services import event_record, events_batch_insert_sql, events_record_many
from ledger.models import COUNTER_ACCOUNT, Chart, JournalEntry, Posting, PostingKind
from ledger.selectors import Leg

UNBALANCED_ENTRY = "Journal entry {source_key} does not balance in {currency}: the legs sum to {total}."
UNROUNDED_AMOUNT = "{amount} {currency} has more decimals than the currency's minor unit."
RECEIVABLE_WITHOUT_ACCOUNT = "A receivable leg must name the cardmember account."
WRONG_CURRENCY = "Account {account} is billed in {expected}; a posting in {given} cannot be booked on it."
POSTED_AFTER_CLOSE = "Account {account} was closed on {closed_on}; nothing can be posted on {posting_date}."
UNKNOWN_KIND = "Unknown posting kind {kind!r}."
ALREADY_REVERSED = "Posting {source_key} has already been reversed."
EMPTY_ENTRY = "A journal entry needs at least two legs."
TWO_SIDED_ENTRY = "A journal entry moves one amount between two ledger accounts; {source_key} has {legs} legs."
RECEIVABLE_IS_A_POSTING = "A movement on a holder's receivable is a posting: book {source_key} with posting_create."
SOURCE_KEY_TAKEN = "Source key {source_key} is already a posting's."


@dataclass(frozen=True)
class PostingRefusal:
    """A guard's no to posting on `account_id` on `day`, with the error a single posting gets."""

    account_id: int
    day: dt.date
    error: ApplicationError


# Checks (and hooks) other apps add on where a posting may land, e.g. statements refuse a closed
# period. Each takes [(account, posting_date)] and returns the pairs it refuses (None or [] for none),
# so a file import can name every row concerned (SPEC section 5); a guard may also raise
# ApplicationError to refuse the whole batch.
PostingGuard = Callable[[list[tuple[Account, dt.date]]], list[PostingRefusal] | None]
POSTING_GUARDS: list[PostingGuard] = []


def register_posting_guard(guard: PostingGuard) -> PostingGuard:
    if guard not in POSTING_GUARDS:
        POSTING_GUARDS.append(guard)
    return guard


def posting_refusals(pairs: list[tuple[Account, dt.date]]) -> list[PostingRefusal]:
    """Every (account, day) of `pairs` that a registered guard refuses, without raising."""
    refusals: list[PostingRefusal] = []
    for guard in POSTING_GUARDS:
        refusals += guard(pairs) or []
    return refusals


def posting_refusals_by_id(pairs: Iterable[tuple[int, dt.date]]) -> list[PostingRefusal]:
    """posting_refusals for (account id, day) pairs, as a file import has them: the accounts in one query."""
    pairs = list(pairs)
    accounts = Account.objects.in_bulk({account_id for account_id, _day in pairs})
    return posting_refusals([(accounts[account_id], day) for account_id, day in pairs])


def _run_guards(pairs: list[tuple[Account, dt.date]]) -> None:
    refusals = posting_refusals(pairs)
    if refusals:
        raise refusals[0].error


def _check_legs(source_key: str, legs: list[Leg]) -> None:
    """The service-layer balance check: the only guard on SQLite, a fast fail on PostgreSQL."""
    if len(legs) < 2:
        raise ApplicationError(EMPTY_ENTRY, "empty_entry")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        amount, currency = leg.amount.amount, str(leg.amount.currency)
        require_decimal(amount)
        if round_money(amount, currency) != amount:
            raise ApplicationError(UNROUNDED_AMOUNT.format(amount=amount, currency=currency), "unrounded_amount")
        if leg.ledger_account == Chart.RECEIVABLE and leg.account is None:
            raise ApplicationError(RECEIVABLE_WITHOUT_ACCOUNT, "receivable_without_account")
        totals[currency] += amount
    for currency, total in totals.items():
        if total != 0:
            raise ApplicationError(
                UNBALANCED_ENTRY.format(source_key=source_key, currency=currency, total=total), "unbalanced_entry"
            )


@transaction.atomic
def journal_entry_post(
    *, source_key: str, booked_on: dt.date, description: str, legs: list[Leg]
) -> tuple[JournalEntry, bool]:
    """Book a movement between two ledger accounts once: returns (entry, created) (SPEC section 4).

    The legs must balance, as ever; the entry stores them as one amount debited to one account and
    credited to the other. A movement on a holder's receivable is a posting, never an entry.
    """
    existing = JournalEntry.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    _check_legs(source_key, legs)
    if any(leg.ledger_account == Chart.RECEIVABLE for leg in legs):
        raise ApplicationError(RECEIVABLE_IS_A_POSTING.format(source_key=source_key), "receivable_is_a_posting")
    if len(legs) != 2:
        raise ApplicationError(TWO_SIDED_ENTRY.format(source_key=source_key, legs=len(legs)), "two_sided_entry")
    if Posting.objects.filter(source_key=source_key).exists():
        raise ApplicationError(SOURCE_KEY_TAKEN.format(source_key=source_key), "source_key_taken")
    debit, credit = sorted(legs, key=lambda leg: leg.amount.amount, reverse=True)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(source_key=source_key, booked_on=booked_on, description=description,
                                                debit_account=debit.ledger_account,
                                                credit_account=credit.ledger_account, amount=debit.amount)
    except IntegrityError:
        # A concurrent job booked the same source key between our check and insert.
        return JournalEntry.objects.get(source_key=source_key), False
    return entry, True


def _posting_legs(
    *, account: Account, kind: str, amount: Money, posting_date: dt.date, counter_account: str | None = None
) -> list[Leg]:
    """The two legs of a posting, after the rules every posting obeys (SPEC section 4)."""
    if kind not in PostingKind.values:
        raise ApplicationError(UNKNOWN_KIND.format(kind=kind), "unknown_kind")
    if str(amount.currency) != account.currency:
        raise ApplicationError(
            WRONG_CURRENCY.format(account=account.number, expected=account.currency, given=amount.currency),
            "wrong_currency",
        )
    if account.closed_on is not None and posting_date > account.closed_on:
        raise ApplicationError(
            POSTED_AFTER_CLOSE.format(account=account.number, closed_on=account.closed_on, posting_date=posting_date),
            "posted_after_close",
        )
    negated = Money(-amount.amount, amount.currency)
    return [Leg(Chart.RECEIVABLE, amount, account), Leg(counter_account or COUNTER_ACCOUNT[kind], negated)]


@transaction.atomic
def posting_create(
    *,
    account: Account,
    kind: str,
    amount: Money,
    posting_date: dt.date,
    source_key: str,
    description: str = "",
    counter_account: str | None = None,
    related: Posting | None = None,
    card: Card | None = None,
    **details: Any,
) -> tuple[Posting, bool]:
    """Post `amount` on the account's receivable against the kind's counter account.

    Returns (posting, created). Posting the same source key again returns the first posting and
    books nothing, which is what makes every job and import safe to re-run (SPEC section 4).
    """
    existing = Posting.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    legs = _posting_legs(account=account, kind=kind, amount=amount, posting_date=posting_date,
                         counter_account=counter_account)
    _check_legs(source_key, legs)
    _run_guards([(account, posting_date)])
    try:
        with transaction.atomic():
            posting = Posting.objects.create(
                account=account,
                posting_date=posting_date,
                kind=kind,
                counter_account=legs[1].ledger_account,
                amount=amount,
                description=description,
                source_key=source_key,
                related=related,
                card=card,
                **details,
            )
    except IntegrityError:
        # A concurrent job booked the same source key between our check and insert.
        existing = Posting.objects.filter(source_key=source_key).first()
        if existing is None:
            raise
        return existing, False
    # SPEC section 16: posting.created, in the posting's transaction.
    event_record(company_id=account.company_id, type=EventType.POSTING_CREATED, data=posting_data(posting))
    return posting, True


@transaction.atomic
def posting_reverse(*, posting: Posting, on: dt.date, reason: str) -> Posting:
    """Correct a mistake with an equal and opposite posting of the same kind (SPEC section 4)."""
    if Posting.objects.filter(related=posting, source_key=f"reversal/{posting.source_key}").exists():
        raise ApplicationError(ALREADY_REVERSED.format(source_key=posting.source_key), "already_reversed")
    reversal, _created = posting_create(
        account=posting.account,
        kind=posting.kind,
        amount=Money(-posting.amount.amount, posting.amount.currency),
        posting_date=on,
        source_key=f"reversal/{posting.source_key}",
        description=reason,
        counter_account=posting.counter_account,
        related=posting,
        card=posting.card,
        explanation={"reverses": posting.source_key, "reason": reason},
    )
    return reversal


@dataclass(frozen=True)
class PostingSpec:
    """One posting for `postings_create_bulk`: what `posting_create` takes, as data."""

    account: Account
    kind: str
    amount: Money
    posting_date: dt.date
    source_key: str
    description: str = ""
    related_id: int | None = None
    explanation: dict[str, Any] | None = None


BULK_BATCH = 2000


@transaction.atomic
def postings_create_bulk(*, specs: list[PostingSpec]) -> int:
    """Post many postings set-based (fee and interest runs over many accounts).

    Same rules as `posting_create`; source keys already posted are skipped, so a run that died
    half-way and runs again posts exactly what is missing. Returns how many were posted.
    """
    created = 0
    for start in range(0, len(specs), BULK_BATCH):
        created += _bulk_batch(specs[start:start + BULK_BATCH])
    return created


def _bulk_batch(specs: list[PostingSpec]) -> int:
    keys = [spec.source_key for spec in specs]
    existing = set(Posting.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
    fresh: dict[str, PostingSpec] = {}
    for spec in specs:
        if spec.source_key in existing or spec.source_key in fresh:
            continue
        _check_legs(spec.source_key, _posting_legs(account=spec.account, kind=spec.kind, amount=spec.amount,
                                                   posting_date=spec.posting_date))
        fresh[spec.source_key] = spec
    if not fresh:
        return 0
    _run_guards([(spec.account, spec.posting_date) for spec in fresh.values()])
    if connection.vendor == "postgresql":
        return _bulk_insert_postgres(list(fresh.values()))
    postings = [
        Posting(account=spec.account, posting_date=spec.posting_date, kind=spec.kind,
                counter_account=COUNTER_ACCOUNT[spec.kind], amount=spec.amount, description=spec.description,
                source_key=spec.source_key, related_id=spec.related_id, explanation=spec.explanation or {})
        for spec in fresh.values()
    ]
    created = Posting.objects.bulk_create(postings)
    # SPEC section 16: posting.created for each, in the same transaction (one INSERT per batch).
    events_record_many(events=[(posting.account.company_id, EventType.POSTING_CREATED, posting_data(posting))
                               for posting in created])
    return len(created)


# One round trip per batch: the postings inserted from arrays, set-based, one row per movement.
# `input` yields (source_key, posting_date, description, account_id, amount, currency, kind, counter,
# related_id, explanation): from arrays here, or from a query (postings_insert_select).
_UNNEST_INPUT = """
    SELECT * FROM unnest(%(source_key)s::text[], %(posting_date)s::date[], %(description)s::text[],
                         %(account_id)s::bigint[], %(amount)s::numeric[], %(currency)s::text[], %(kind)s::text[],
                         %(counter)s::text[], %(related_id)s::bigint[], %(explanation)s::jsonb[])
        AS t(source_key, posting_date, description, account_id, amount, currency, kind, counter, related_id,
             explanation)
"""
# The postings, as data-modifying CTEs named after `name`, so that a caller can also put them in a statement
# of its own.
_INSERT_CTES_SQL = """
{name}_input (source_key, posting_date, description, account_id, amount, currency, kind, counter, related_id,
              explanation) AS ({input}),
{name} AS (
INSERT INTO ledger_posting (account_id, posting_date, kind, counter_account_code, amount, amount_currency,
                            description, source_key, related_id, explanation, merchant_name, merchant_city,
                            merchant_country, mcc, flagged_for_review, created_at)
SELECT i.account_id, i.posting_date, i.kind, i.counter, i.amount, i.currency, i.description, i.source_key,
       i.related_id, i.explanation, '', '', '', '', false, now()
  FROM {name}_input i
RETURNING id, account_id, kind, amount)"""


def _events_insert_sql(*, name: str, accounts: str) -> str:
    """posting.created for the postings the INSERT `name` returned (SPEC section 16), set-based and in the same
    statement: one outbox row per company naming its postings (events.services.events_batch_insert_sql;
    postings are append-only), made into one numbered event per posting, in id order, when numbered. Per row,
    the import pays an id in an array instead of an outbox row with its indexes (issue 18 item 7: ≤ 15 %)."""
    return events_batch_insert_sql(type=EventType.POSTING_CREATED, select_sql=(
        f"SELECT a.company_id, p.id AS object_id FROM {name} p JOIN {accounts} a ON a.id = p.account_id"))


_EVENTS_BATCH_SQL = f"e AS ({_events_insert_sql(name='p', accounts='accounts_account')})"


def _bulk_insert_sql(input_sql: str) -> str:
    """The postings of `input_sql` and their events in one statement that answers how many postings it wrote."""
    return ("WITH" + _INSERT_CTES_SQL.format(name="p", input=input_sql) + ",\n" + _EVENTS_BATCH_SQL
            + "\nSELECT count(*) FROM p")


def postings_insert_ctes(*, name: str, input_sql: str, accounts: str = "accounts_account") -> str:
    """PostgreSQL only: `postings_insert_select` as data-modifying CTEs, for a bulk path that needs the
    postings it inserts in the same statement (the statement day bills the first annual fee it posts: the
    statement's snapshot cannot see them in ledger_posting, so it reads them from the CTE `name`, which
    returns `id, account_id, kind, amount` of each). Their posting.created events (SPEC section 16) are
    written by the CTE `{name}_events`, which takes each posting's company from `accounts` (a relation with
    `id, company_id`: the caller's own CTE of the accounts saves a probe of accounts_account per posting).
    Same contract for `input_sql` as `postings_insert_select`.

    Returns the text to put after the caller's `WITH` (or after a comma).
    """
    return (_INSERT_CTES_SQL.format(name=name, input=input_sql)
            + f",\n{name}_events AS ({_events_insert_sql(name=name, accounts=accounts)})")


def _bulk_insert_postgres(specs: list[PostingSpec]) -> int:
    names = ("source_key", "posting_date", "description", "account_id", "amount", "currency", "kind", "counter",
             "related_id", "explanation")
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for spec in specs:
        row = (spec.source_key, spec.posting_date, spec.description, spec.account.pk, spec.amount.amount,
               str(spec.amount.currency), spec.kind, COUNTER_ACCOUNT[spec.kind], spec.related_id,
               json.dumps(spec.explanation or {}, cls=DjangoJSONEncoder))
        for name, value in zip(names, row, strict=True):
            columns[name].append(value)
    with connection.cursor() as cursor:
        cursor.execute(_bulk_insert_sql(_UNNEST_INPUT), columns)
        return cursor.fetchone()[0]


def postings_insert_select(*, input_sql: str, params: dict[str, Any]) -> int:
    """PostgreSQL only: post the postings a query describes, set-based, with no Python per row.

    `input_sql` must yield the columns of `_UNNEST_INPUT` and leave out source keys already posted;
    the caller vouches for the rules `posting_create` checks (kind, currency, open account and period).
    """
    with connection.cursor() as cursor:
        cursor.execute(_bulk_insert_sql(input_sql), params)
        return cursor.fetchone()[0]


# Every column of a posting, in the order `postings_insert_rows` expects its query to yield them.
POSTING_COLUMNS = (
    "id", "account_id", "posting_date", "kind", "counter_account_code", "amount_currency", "amount", "description",
    "source_key", "related_id", "card_id", "transaction_date", "merchant_name", "merchant_city", "merchant_country",
    "mcc", "flagged_for_review", "original_amount_currency", "original_amount", "usd_amount", "fx_rate_to_usd",
    "fx_rate", "fx_rate_date", "explanation", "created_at",
)


def posting_id_sequence() -> str:
    """PostgreSQL: the sequence posting ids come from, for a bulk path that links postings it inserts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('ledger_posting', 'id')")
        return cursor.fetchone()[0]


def postings_insert_rows(*, select_sql: str, params: dict[str, Any], events: bool = True
                         ) -> list[tuple[str, str, int, Decimal, int]]:
    """PostgreSQL only: insert the postings `select_sql` yields, every column of POSTING_COLUMNS in order.

    For the set-based charge import (SPEC section 5): one INSERT for a whole file, one row per money
    movement, and their posting.created events (SPEC section 16) as one outbox batch per company.
    The caller vouches for the rules `posting_create` checks; the database still holds the unique
    source keys, the chart (CHECK) and the references to accounts and cards. `events=False` leaves
    the events out: only bench/import_charges.py uses it, to measure what the outbox costs (issue 18
    item 7); no domain path may post without its events. Returns what was written, per kind and
    currency: (kind, currency, postings, their sum, how many are flagged for review), from the rows the
    INSERT returned (the import's figures without reading its plan again, issue 17).
    """
    insert = (f"INSERT INTO ledger_posting ({', '.join(POSTING_COLUMNS)})\n{select_sql}\n"
              "RETURNING id, account_id, kind, amount_currency, amount, flagged_for_review")
    summary = ("SELECT kind, amount_currency, count(*), sum(amount), count(*) FILTER (WHERE flagged_for_review)"
               " FROM p GROUP BY kind, amount_currency ORDER BY kind, amount_currency")
    events_sql = f",\n{_EVENTS_BATCH_SQL}" if events else ""
    with connection.cursor() as cursor:
        cursor.execute(f"WITH p AS ({insert}){events_sql}\n{summary}", params)
        return cursor.fetchall()
