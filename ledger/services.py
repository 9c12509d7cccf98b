"""Every write to the ledger (SPEC section 4)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from moneyed import Money

from accounts.models import Account, Card
from amexprog.common.errors import ApplicationError
from amexprog.common.money import require_decimal, round_money
from ledger.models import COUNTER_ACCOUNT, Chart, JournalEntry, JournalLeg, Posting, PostingKind

UNBALANCED_ENTRY = "Journal entry {source_key} does not balance in {currency}: the legs sum to {total}."
UNROUNDED_AMOUNT = "{amount} {currency} has more decimals than the currency's minor unit."
RECEIVABLE_WITHOUT_ACCOUNT = "A receivable leg must name the cardmember account."
WRONG_CURRENCY = "Account {account} is billed in {expected}; a posting in {given} cannot be booked on it."
POSTED_AFTER_CLOSE = "Account {account} was closed on {closed_on}; nothing can be posted on {posting_date}."
UNKNOWN_KIND = "Unknown posting kind {kind!r}."
ALREADY_REVERSED = "Posting {source_key} has already been reversed."
EMPTY_ENTRY = "A journal entry needs at least two legs."


@dataclass(frozen=True)
class Leg:
    ledger_account: str
    amount: Money
    account: Account | None = None


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
    """Book an entry once: returns (entry, created); an existing source key books nothing."""
    existing = JournalEntry.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    _check_legs(source_key, legs)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(source_key=source_key, booked_on=booked_on, description=description)
    except IntegrityError:
        # A concurrent job booked the same source key between our check and insert.
        return JournalEntry.objects.get(source_key=source_key), False
    JournalLeg.objects.bulk_create(
        JournalLeg(entry=entry, ledger_account_id=leg.ledger_account, account=leg.account, amount=leg.amount)
        for leg in legs
    )
    return entry, True


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
    if kind not in PostingKind.values:
        raise ApplicationError(UNKNOWN_KIND.format(kind=kind), "unknown_kind")
    existing = Posting.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
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
    counter = counter_account or COUNTER_ACCOUNT[kind]
    negated = Money(-amount.amount, amount.currency)
    entry, created = journal_entry_post(
        source_key=source_key,
        booked_on=posting_date,
        description=description or PostingKind(kind).label,
        legs=[Leg(Chart.RECEIVABLE, amount, account), Leg(counter, negated)],
    )
    if not created:
        return Posting.objects.get(entry=entry), False
    posting = Posting.objects.create(
        entry=entry,
        account=account,
        posting_date=posting_date,
        kind=kind,
        amount=amount,
        description=description,
        source_key=source_key,
        related=related,
        card=card,
        **details,
    )
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
        counter_account=JournalLeg.objects.filter(entry_id=posting.entry_id)
        .exclude(ledger_account_id=Chart.RECEIVABLE)
        .values_list("ledger_account_id", flat=True)
        .first(),
        related=posting,
        card=posting.card,
        explanation={"reverses": posting.source_key, "reason": reason},
    )
    return reversal
