"""Every write of the charges app: ECB rates, charges and their fees, charge files (SPEC sections 5–7)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from moneyed import Money

from accounts.models import Account, Card
from amexprog.common.csvfiles import (
    FILE_ALREADY_LOADED,
    ErrorCollector,
    FileRejected,
    content_hmac_of,
    open_binary,
    read_rows,
)
from amexprog.common.errors import ApplicationError
from amexprog.common.money import round_money
from charges import validation as v
from charges.authorizations import holds_settle
from charges.ecb import read_ecb_days
from charges.fx import (
    CASH_FEE_DESCRIPTION,
    EUR,
    FX_FEE_DESCRIPTION,
    FxRateBook,
    cash_fee_amount,
    cash_fee_explanation,
    fx_convert,
    fx_fee_amount,
    fx_fee_explanation,
)
from charges.models import ChargeFile, FxRate
from disputes.recurring_stops import recurring_stops_dispute
from fees.models import FeeSchedule
from fees.selectors import fee_schedule_in_force
from ledger.models import Posting, PostingKind
from ledger.services import posting_create, posting_refusals_by_id

Progress = Callable[[str, int], None]
T = TypeVar("T")

RATE_CONFLICT = "{currency} on {date} is already loaded as {stored}; the file says {given}"
ORIGINAL_MISSING = "Refund {transaction_id}: the original transaction {original} has not been posted."
CONVERTED_NOT_IN_BILLING_CURRENCY = (
    "Charge {transaction_id}: a merchant-converted charge must be in the billing currency {currency}."
)
POSTED_MEANWHILE = "Charge {transaction_id} was posted by another process during this import; nothing was loaded."
CHUNK = 1000
# On PostgreSQL one charge import runs at a time: two files carrying the same transaction id must
# not both pass validation before either posts.
IMPORT_LOCK = 7_355_608_001


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ── ECB rates ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FxLoadResult:
    days: int
    created: int
    unchanged: int
    first_date: dt.date | None
    last_date: dt.date | None


@transaction.atomic
def fx_rates_load(*, source: str | Path | BinaryIO, on_progress: Progress | None = None) -> FxLoadResult:
    """Load ECB reference rates from either ECB CSV layout (SPEC section 6).

    Idempotent: a rate already stored with the same value is left alone, so loading a file twice
    (or the daily file after the history file) adds nothing. A stored rate the file contradicts is
    an error, never an overwrite: posted charges were converted with it. Any error loads nothing.
    """
    stream = open_binary(source)
    errors = ErrorCollector()
    days = created = unchanged = 0
    first: dt.date | None = None
    last: dt.date | None = None
    try:
        for chunk in chunked(read_ecb_days(stream, errors), 500):
            stored = {
                (day, currency): rate
                for day, currency, rate in FxRate.objects.filter(
                    rate_date__in=[d.rate_date for d in chunk]).values_list("rate_date", "currency", "rate")
            }
            new: list[FxRate] = []
            for day in chunk:
                days += 1
                first = min(first or day.rate_date, day.rate_date)
                last = max(last or day.rate_date, day.rate_date)
                for currency, rate in {**day.rates, EUR: Decimal(1)}.items():
                    existing = stored.get((day.rate_date, currency))
                    if existing is None:
                        new.append(FxRate(rate_date=day.rate_date, currency=currency, rate=rate))
                    elif existing != rate:
                        errors.add(day.row, currency, RATE_CONFLICT.format(
                            currency=currency, date=day.rate_date, stored=existing.normalize(), given=rate))
                    else:
                        unchanged += 1
            if not errors:
                FxRate.objects.bulk_create(new, batch_size=2000)
                created += len(new)
            if on_progress:
                on_progress("loading", len(chunk))
    finally:
        if isinstance(source, str | Path):
            stream.close()
    errors.raise_if_any()
    return FxLoadResult(days=days, created=created, unchanged=unchanged, first_date=first, last_date=last)


# ── Charges ──────────────────────────────────────────────────────────────────────────────────────


def _charge_description(charge: v.ChargeRow) -> str:
    named = ", ".join(part for part in (charge.merchant_name, charge.merchant_city) if part)
    return named or v.CHARGE_DESCRIPTIONS[charge.kind]


@dataclass(frozen=True)
class ChargePosted:
    postings: list[Posting]  # the charge first, then its fees
    created: bool


@transaction.atomic
def charge_post(
    *,
    charge: v.ChargeRow,
    account: Account,
    card: Card,
    charge_file: ChargeFile | None = None,
    rates: FxRateBook | None = None,
    fee_schedule: FeeSchedule | None = None,
) -> ChargePosted:
    """Post one validated charge with its FX fee and cash fee (SPEC sections 5, 6, 7).

    The charge is a debit (purchase, cash) or a credit (refund); its FX fee — a debit even on a
    refund — applies when the charge is in a foreign currency and the merchant did not convert
    it; a cash withdrawal carries the cash fee as well. Fees link to their charge (`related`), a
    refund to the charge it refunds. Each posting's source key makes a re-run post nothing twice:
    a charge already posted comes back with `created=False` and nothing new is booked.
    """
    billing = account.currency
    if charge.merchant_converted and charge.currency != billing:
        raise ApplicationError(CONVERTED_NOT_IN_BILLING_CURRENCY.format(
            transaction_id=charge.transaction_id, currency=billing), "not_in_billing_currency")
    conversion = fx_convert(
        amount=charge.amount, currency=charge.currency, billing_currency=billing,
        rates=(rates or FxRateBook()).for_processing_date(charge.processing_date)
        if charge.currency != billing else None,
    )
    credit = charge.kind == PostingKind.REFUND
    billed = conversion.billed_amount
    related = None
    if credit:
        related = Posting.objects.filter(source_key=f"charge/{charge.original_transaction_id}").first()
        if related is None:
            raise ApplicationError(ORIGINAL_MISSING.format(transaction_id=charge.transaction_id,
                                                           original=charge.original_transaction_id),
                                   "original_not_posted")
    review = charge.card.review_reason(charge.transaction_date)
    explanation: dict[str, Any] = {"charge_file": charge_file.pk if charge_file else None, "row": charge.row}
    if review:
        explanation["review_reason"] = review
    foreign = conversion.converted
    posting, created = posting_create(
        account=account,
        kind=charge.kind,
        amount=Money(-billed if credit else billed, billing),
        posting_date=charge.processing_date,
        source_key=f"charge/{charge.transaction_id}",
        description=_charge_description(charge),
        related=related,
        card=card,
        transaction_date=charge.transaction_date,
        merchant_name=charge.merchant_name,
        merchant_city=charge.merchant_city,
        merchant_country=charge.merchant_country,
        mcc=charge.mcc,
        flagged_for_review=bool(review),
        original_amount=Money(charge.amount, charge.currency) if foreign else None,
        usd_amount=conversion.usd_amount,
        fx_rate_to_usd=conversion.rate_to_usd,
        fx_rate=conversion.usd_rate,
        fx_rate_date=conversion.rate_date,
        explanation=explanation,
    )
    if not created:
        return ChargePosted(postings=[posting], created=False)
    postings = [posting]
    holds_settle(transaction_ids=[charge.transaction_id], on=charge.processing_date)  # SPEC 10: the hold is matched
    needs_fee = foreign or charge.kind == PostingKind.CASH
    schedule = fee_schedule or (
        fee_schedule_in_force(market=charge.card.market, on=charge.processing_date) if needs_fee else None)
    if foreign and schedule is not None:
        fee = fx_fee_amount(converted=billed, percent=schedule.fx_fee_percent, currency=billing)
        if fee > 0:
            fee_posting, _ = posting_create(
                account=account, kind=PostingKind.FEE_FX, amount=Money(fee, billing),
                posting_date=charge.processing_date, source_key=f"fee_fx/{charge.transaction_id}",
                description=FX_FEE_DESCRIPTION.format(
                    currency=charge.currency, amount=round_money(charge.amount, charge.currency)),
                related=posting, card=card, transaction_date=charge.transaction_date,
                explanation=fx_fee_explanation(conversion=conversion, fee=fee, percent=schedule.fx_fee_percent,
                                               fee_schedule_id=schedule.pk, credit=credit),
            )
            postings.append(fee_posting)
    if charge.kind == PostingKind.CASH and schedule is not None:
        fee = cash_fee_amount(converted=billed, percent=schedule.cash_fee_percent,
                              minimum=schedule.cash_fee_minimum, currency=billing)
        if fee > 0:
            fee_posting, _ = posting_create(
                account=account, kind=PostingKind.FEE_CASH, amount=Money(fee, billing),
                posting_date=charge.processing_date, source_key=f"fee_cash/{charge.transaction_id}",
                description=CASH_FEE_DESCRIPTION.format(currency=billing, amount=billed),
                related=posting, card=card, transaction_date=charge.transaction_date,
                explanation=cash_fee_explanation(base=billed, currency=billing, percent=schedule.cash_fee_percent,
                                                 minimum=schedule.cash_fee_minimum, fee_schedule_id=schedule.pk),
            )
            postings.append(fee_posting)
    return ChargePosted(postings=postings, created=True)


def _refused_rows(rows_by_pair: dict[tuple[int, dt.date], list[int]], errors: ErrorCollector) -> None:
    """The ledger's posting guards (e.g. no posting into a period whose statement is produced) on every
    (account, processing date) of the file: each row they refuse is an error on its processing date."""
    if not rows_by_pair:
        return
    refused = sorted(
        (row, refusal.error.message)
        for refusal in posting_refusals_by_id(rows_by_pair)
        for row in rows_by_pair[(refusal.account_id, refusal.day)]
    )
    for row, reason in refused:
        errors.add(row, "processing_date", reason)


def _orm_charge_import(*, stream: BinaryIO, charge_file: ChargeFile, on_progress: Progress | None) -> dict[str, Any]:
    """The portable path (SQLite, the embedded default): validate the whole file, then post row by row."""
    errors = ErrorCollector()
    rates = FxRateBook()
    checker = v.ChargeRowChecker(errors, rates)
    rows = 0
    rows_by_pair: dict[tuple[int, dt.date], list[int]] = defaultdict(list)  # where each valid row would post
    for chunk in chunked(v.without_nul_rows(read_rows(stream, v.COLUMNS, errors), errors), CHUNK):
        for valid in checker.check_chunk(chunk):
            rows_by_pair[(valid.card.account_id, valid.processing_date)].append(valid.row)
        rows += len(chunk)
        if on_progress:
            on_progress("validating", len(chunk))
    if not errors:
        _refused_rows(rows_by_pair, errors)
    if errors:
        raise FileRejected(sorted(errors.errors, key=v.sort_key), errors.total)

    # Second pass: the same rules again (so nothing unchecked is ever posted), then the postings.
    stream.seek(0)
    errors = ErrorCollector()
    checker = v.ChargeRowChecker(errors, rates)
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    flagged = 0
    for chunk in chunked(v.without_nul_rows(read_rows(stream, v.COLUMNS, errors), errors), CHUNK):
        valid = list(checker.check_chunk(chunk))
        errors.raise_if_any()
        accounts = Account.objects.in_bulk({charge.card.account_id for charge in valid})
        cards = Card.objects.in_bulk({charge.card.card_id for charge in valid})
        for charge in valid:
            schedule = checker.fee_schedule(charge.card.market, charge.processing_date)
            posted = charge_post(charge=charge, account=accounts[charge.card.account_id],
                                 card=cards[charge.card.card_id], charge_file=charge_file, rates=rates,
                                 fee_schedule=schedule)
            if not posted.created:
                raise ApplicationError(POSTED_MEANWHILE.format(transaction_id=charge.transaction_id),
                                       "posted_meanwhile", status=409)
            flagged += posted.postings[0].flagged_for_review
            for posting in posted.postings:
                counts[posting.kind] += 1
                amounts[posting.kind][str(posting.amount.currency)] += posting.amount.amount
        if on_progress:
            on_progress("posting", len(chunk))
    totals = {
        kind: {"count": counts[kind], "amounts": {currency: str(total) for currency, total in sorted(by.items())}}
        for kind, by in sorted(amounts.items())
    }
    return {"row_count": rows, "posting_count": sum(counts.values()), "flagged_count": flagged, "totals": totals}


def charge_file_import(
    *,
    source: str | Path | BinaryIO,
    filename: str = "",
    on_progress: Progress | None = None,
    bulk: bool | None = None,
) -> ChargeFile:
    """Load a charge file: validated whole, then posted whole, or nothing at all (SPEC section 5).

    A file whose content was loaded before is refused; any bad row rejects the file with a
    row-by-row report (FileRejected). On PostgreSQL the set-based path runs (charges/bulk.py),
    elsewhere the ORM path; `bulk` forces one or the other. Both post identical ledgers.
    On PostgreSQL imports take turns (an advisory lock), so a transaction id in two files at once
    is caught by the second file's validation.
    """
    stream = open_binary(source)
    if not filename and isinstance(source, str | Path):
        filename = Path(source).name
    try:
        digest = content_hmac_of(stream)
        use_bulk = connection.vendor == "postgresql" if bulk is None else bulk
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
                previous = ChargeFile.objects.filter(content_hmac=digest).first()
                if previous is not None:
                    raise _already_loaded(previous)
                charge_file = ChargeFile.objects.create(content_hmac=digest, filename=filename[:255])
                if use_bulk:
                    from charges.bulk import bulk_charge_import

                    figures = bulk_charge_import(stream=stream, charge_file=charge_file, on_progress=on_progress)
                else:
                    figures = _orm_charge_import(stream=stream, charge_file=charge_file, on_progress=on_progress)
                # Terms §16 (issue 16 item 9): charges from a merchant whose recurring charges the holder
                # stopped are disputed on their own, in this transaction, whichever path posted them.
                recurring_stops_dispute(charge_file_id=charge_file.pk)
                for name, value in figures.items():
                    setattr(charge_file, name, value)
                charge_file.save(update_fields=list(figures))
        except IntegrityError:
            # The same content committed by a concurrent load between our check and our insert.
            previous = ChargeFile.objects.filter(content_hmac=digest).first()
            if previous is None:
                raise
            raise _already_loaded(previous) from None
        return charge_file
    finally:
        if isinstance(source, str | Path):
            stream.close()


def _already_loaded(previous: ChargeFile) -> ApplicationError:
    return ApplicationError(
        FILE_ALREADY_LOADED.format(loaded_at=timezone.localtime(previous.loaded_at).strftime("%Y-%m-%d %H:%M")),
        "file_already_loaded",
        {"charge_file": previous.pk, "filename": previous.filename},
        status=409,
    )
