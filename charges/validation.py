"""The rules a charge file row must meet (SPEC section 5), and the ORM-path checker.

Each column gets at most one reason per row: the first that applies, in the order written below.
charges/bulk.py applies the same rules in SQL on PostgreSQL; tests feed the same bad rows through
both and require the same report. Reasons never carry a card number: a card is named by its last
four digits at most (SPEC section 3, PCI DSS 3.4.1).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

from accounts.models import Card
from accounts.pan import is_valid_pan, pan_hash
from amexprog.common import csvfiles
from amexprog.common.csvfiles import ErrorCollector, RowError, currency_is_known
from amexprog.common.errors import ApplicationError
from amexprog.common.logging import mask_pans
from charges.fx import NO_RATE_FOR_CURRENCY, NO_RATES, RATE_WINDOW_DAYS, USD, FxRateBook
from fees.models import FeeSchedule
from ledger.models import Posting

COLUMNS = [
    "transaction_id", "card_number", "transaction_date", "processing_date", "type", "amount", "currency",
    "merchant_name", "merchant_city", "merchant_country", "mcc", "merchant_converted", "original_transaction_id",
]
COLUMN_ORDER = {"": -1, **{name: index for index, name in enumerate(COLUMNS)}}
CHARGE_TYPES = ("purchase", "refund", "cash")
DEBIT_TYPES = ("purchase", "cash")
MAX_TRANSACTION_ID = 100
MAX_AMOUNT = Decimal(10) ** 12
MAX_AMOUNT_DIGITS = 40  # digits before, and after, the decimal point that _AMOUNT accepts
MAX_MERCHANT_NAME = 100
MAX_MERCHANT_CITY = 60
ECHO_CHARS = 40  # how much of a bad value a reason repeats
REVIEW_STATUSES = (Card.Status.LOST, Card.Status.STOLEN, Card.Status.CANCELLED)

# Card-number states, as the staging table carries them (the number itself never leaves Python).
CARD_EMPTY, CARD_INVALID, CARD_OK = 0, 1, 2

# Row reasons (SPEC section 5). Tests assert on these.
REQUIRED = "required"
BAD_TRANSACTION_ID = f"must be 1–{MAX_TRANSACTION_ID} letters, digits or . _ : -"
DUPLICATE_IN_FILE = "the same transaction id is on row {row}"
ALREADY_POSTED = "this transaction id was already posted"
BAD_CARD_NUMBER = "not a valid card number"
UNKNOWN_CARD = "unknown card ending {last4}"
ACCOUNT_CLOSED = "the card's account closed on {closed_on}"
BAD_DATE = "not a date (YYYY-MM-DD): {value}"
AFTER_PROCESSING_DATE = "after the processing date"
BAD_TYPE = "must be purchase, refund or cash"
UNKNOWN_CURRENCY = "unknown or unsupported currency code: {value}"
BAD_AMOUNT = "not a positive amount with '.' as decimal separator"
ZERO_AMOUNT = "must be greater than zero"
AMOUNT_TOO_LARGE = "must be less than 1,000,000,000,000"
TOO_MANY_DECIMALS = "more decimals than {currency} allows"
TOO_LONG = "longer than {max} characters"
BAD_COUNTRY = "must be a 2-letter country code"
BAD_MCC = "must be 4 digits"
BAD_BOOL = "must be true or false"
NOT_IN_BILLING_CURRENCY = "merchant-converted charges must be in the billing currency {currency}"
ORIGINAL_REQUIRED = "a refund must name its original transaction"
ORIGINAL_ONLY_ON_REFUNDS = "only refunds name an original transaction"
ORIGINAL_NOT_FOUND = (
    "original transaction {id} is not a purchase or cash withdrawal posted before or earlier in this file"
)
ORIGINAL_OTHER_ACCOUNT = "original transaction {id} belongs to another account"
NO_FEE_SCHEDULE = "no fee schedule for market {market} in force on {on}"
NUL_CHARACTER = "contains a NUL character"

# What a charge posting says when the file names no merchant.
CHARGE_DESCRIPTIONS = {"purchase": "Purchase", "refund": "Refund", "cash": "Cash withdrawal"}

_TRANSACTION_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_TRANSACTION_ID}}}")
_AMOUNT = re.compile(rf"[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\.[0-9]{{1,{MAX_AMOUNT_DIGITS}}})?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_MCC = re.compile(r"[0-9]{4}")
# The same rules for PostgreSQL (charges/bulk.py): the shapes without their counted repetitions, whose
# lengths the SQL checks with length(). PostgreSQL's regex engine unrolls a bound such as {1,100} into that
# many states: the bounded transaction id pattern alone cost more than the raw COPY of the file (issue 17).
SQL_PATTERNS = {
    "transaction_id": r"^[A-Za-z0-9._:-]+$",  # and length <= MAX_TRANSACTION_ID
    "amount": r"^[0-9]+(\.[0-9]+)?$",  # and at most MAX_AMOUNT_DIGITS digits on each side of the point
    "country": r"^[A-Z]{2}$",
    "mcc": r"^[0-9]{4}$",
}


def without_nul_rows(
    rows: Iterable[tuple[int, dict[str, str]]], errors: ErrorCollector
) -> Iterator[tuple[int, dict[str, str]]]:
    """Drop (and report) rows with a NUL character, which no database text column can hold."""
    for row, fields in rows:
        if "\x00" in "".join(fields.values()):
            for column, value in fields.items():
                if "\x00" in value:
                    errors.add(row, column, NUL_CHARACTER)
            continue
        yield row, fields


def echo(value: str) -> str:
    return value[:ECHO_CHARS]


def row_error(row: int, column: str, reason: str) -> RowError:
    # A misplaced card number in any column must not reach the report (SPEC section 3).
    return RowError(row, column, mask_pans(reason))


def sort_key(error: RowError) -> tuple[int, int, str]:
    return error.row, COLUMN_ORDER.get(error.column, len(COLUMNS)), error.reason


@lru_cache(maxsize=1)
def supported_currencies() -> dict[str, int]:
    """ISO currencies a charge may be in, with their minor-unit digits (at most 3: Posting.original_amount)."""
    result = {}
    for code in list_currencies():
        if currency_is_known(code):
            digits = get_currency_precision(code)
            if digits <= 3:
                result[code] = digits
    return result


def parse_date(value: str) -> dt.date | None:
    """csvfiles.parse_date (strictly YYYY-MM-DD), None for anything else: the row checker words the reason."""
    try:
        return csvfiles.parse_date(value)
    except ValueError:
        return None


def parse_amount(value: str) -> Decimal | None:
    return Decimal(value) if _AMOUNT.fullmatch(value) else None


def parse_flag(value: str) -> bool | None:
    try:
        return csvfiles.parse_bool(value)
    except ValueError:
        return None


def card_number_state(number: str) -> tuple[int, str, str]:
    """(state, HMAC, last 4): the only facts about a presented card number the import keeps."""
    if not number:
        return CARD_EMPTY, "", ""
    if not is_valid_pan(number):
        return CARD_INVALID, "", ""
    return CARD_OK, pan_hash(number), number[-4:]


@dataclass(frozen=True)
class CardFacts:
    """What the import needs of a card and its account."""

    card_id: int
    account_id: int
    account_number: str
    billing_currency: str
    market: str
    closed_on: dt.date | None
    status: str
    status_changed_on: dt.date | None
    expiry: dt.date

    def review_reason(self, on: dt.date) -> str:
        """Why a charge on this card at `on` is flagged for review, or "" (SPEC section 5)."""
        changed_by_then = self.status_changed_on is None or self.status_changed_on <= on
        if self.status in REVIEW_STATUSES and changed_by_then:
            return self.status
        if self.expiry < on or (self.status == Card.Status.EXPIRED and changed_by_then):
            return Card.Status.EXPIRED
        return ""


def cards_by_hash(hashes: Iterable[str]) -> dict[str, CardFacts]:
    rows = Card.objects.filter(pan_hash__in=set(hashes)).values_list(
        "pan_hash", "id", "account_id", "account__number", "account__currency", "account__company__market",
        "account__closed_on", "status", "status_changed_on", "expiry",
    )
    return {row[0]: CardFacts(*row[1:]) for row in rows}


@dataclass(frozen=True)
class ChargeRow:
    """A row that passed every rule: ready to post."""

    row: int
    transaction_id: str
    card: CardFacts
    kind: str
    amount: Decimal
    currency: str
    transaction_date: dt.date
    processing_date: dt.date
    merchant_name: str
    merchant_city: str
    merchant_country: str
    mcc: str
    merchant_converted: bool
    original_transaction_id: str


class ChargeRowChecker:
    """Applies the rules row by row, in file order, with one look-up per chunk of rows.

    It remembers each transaction id's first row (duplicates, refunds of charges earlier in the
    file): a few dozen bytes per row, the one thing that grows with the file on this path. The
    PostgreSQL path keeps that in the database instead.
    """

    def __init__(self, errors: ErrorCollector, rates: FxRateBook | None = None) -> None:
        self.errors = errors
        self.rates = rates or FxRateBook()
        self.first_seen: dict[str, tuple[int, str, int | None]] = {}
        self._schedules: dict[tuple[str, dt.date], FeeSchedule | None] = {}
        self._currencies = supported_currencies()

    def fee_schedule(self, market: str, on: dt.date) -> FeeSchedule | None:
        key = (market, on)
        if key not in self._schedules:
            self._schedules[key] = (
                FeeSchedule.objects.filter(market=market, effective_from__lte=on).order_by("-effective_from").first()
            )
        return self._schedules[key]

    def check_chunk(self, chunk: list[tuple[int, dict[str, str]]]) -> Iterator[ChargeRow]:
        states = {number: card_number_state(number) for number in {fields["card_number"] for _, fields in chunk}}
        cards = cards_by_hash(state[1] for state in states.values() if state[0] == CARD_OK)
        keys = set()
        for _, fields in chunk:
            keys.add("charge/" + fields["transaction_id"])
            keys.add("charge/" + fields["original_transaction_id"])
        posted = {
            key: (kind, account_id)
            for key, kind, account_id in Posting.objects.filter(source_key__in=keys).values_list(
                "source_key", "kind", "account_id")
        }
        for row, fields in chunk:
            state, hashed, last4 = states[fields["card_number"]]
            card = cards.get(hashed) if state == CARD_OK else None
            found = self.check_row(row, fields, state, last4, card, posted)
            if found is not None:
                yield found

    def check_row(
        self, row: int, f: dict[str, str], card_state: int, last4: str, card: CardFacts | None,
        posted: dict[str, tuple[str, int]],
    ) -> ChargeRow | None:
        reasons: list[tuple[str, str]] = []

        def fail(column: str, reason: str) -> None:
            reasons.append((column, reason))

        transaction_id = f["transaction_id"]
        first = self.first_seen.get(transaction_id)
        if not transaction_id:
            fail("transaction_id", REQUIRED)
        elif not _TRANSACTION_ID.fullmatch(transaction_id):
            fail("transaction_id", BAD_TRANSACTION_ID)
        elif first is not None:
            fail("transaction_id", DUPLICATE_IN_FILE.format(row=first[0]))
        elif "charge/" + transaction_id in posted:
            fail("transaction_id", ALREADY_POSTED)

        transaction_date = parse_date(f["transaction_date"])
        processing_date = parse_date(f["processing_date"])

        if card_state == CARD_EMPTY:
            fail("card_number", REQUIRED)
        elif card_state == CARD_INVALID:
            fail("card_number", BAD_CARD_NUMBER)
        elif card is None:
            fail("card_number", UNKNOWN_CARD.format(last4=last4))
        elif card.closed_on is not None and processing_date is not None and processing_date > card.closed_on:
            fail("card_number", ACCOUNT_CLOSED.format(closed_on=card.closed_on.isoformat()))

        if not f["transaction_date"]:
            fail("transaction_date", REQUIRED)
        elif transaction_date is None:
            fail("transaction_date", BAD_DATE.format(value=echo(f["transaction_date"])))
        elif processing_date is not None and transaction_date > processing_date:
            fail("transaction_date", AFTER_PROCESSING_DATE)

        kind = f["type"]
        kind_ok = kind in CHARGE_TYPES
        currency = f["currency"]
        exponent = self._currencies.get(currency)
        converted_flag = parse_flag(f["merchant_converted"])
        foreign = (card is not None and exponent is not None and converted_flag is False
                   and currency != card.billing_currency)
        needs_schedule = (card is not None and processing_date is not None and kind_ok and exponent is not None
                          and converted_flag is not None and (kind == "cash" or foreign))

        if not f["processing_date"]:
            fail("processing_date", REQUIRED)
        elif processing_date is None:
            fail("processing_date", BAD_DATE.format(value=echo(f["processing_date"])))
        elif needs_schedule and card is not None and self.fee_schedule(card.market, processing_date) is None:
            fail("processing_date", NO_FEE_SCHEDULE.format(market=card.market, on=processing_date.isoformat()))

        if not kind:
            fail("type", REQUIRED)
        elif not kind_ok:
            fail("type", BAD_TYPE)

        amount = parse_amount(f["amount"])
        if not f["amount"]:
            fail("amount", REQUIRED)
        elif amount is None:
            fail("amount", BAD_AMOUNT)
        elif amount == 0:
            fail("amount", ZERO_AMOUNT)
        elif amount >= MAX_AMOUNT:
            fail("amount", AMOUNT_TOO_LARGE)
        elif exponent is not None and amount != amount.quantize(Decimal(1).scaleb(-exponent)):
            fail("amount", TOO_MANY_DECIMALS.format(currency=currency))

        if not currency:
            fail("currency", REQUIRED)
        elif exponent is None:
            fail("currency", UNKNOWN_CURRENCY.format(value=echo(currency)))
        elif foreign and processing_date is not None and card is not None:
            missing = self.missing_rate(processing_date, currency, card.billing_currency)
            if missing:
                fail("currency", missing)

        if len(f["merchant_name"]) > MAX_MERCHANT_NAME:
            fail("merchant_name", TOO_LONG.format(max=MAX_MERCHANT_NAME))
        if len(f["merchant_city"]) > MAX_MERCHANT_CITY:
            fail("merchant_city", TOO_LONG.format(max=MAX_MERCHANT_CITY))
        if f["merchant_country"] and not _COUNTRY.fullmatch(f["merchant_country"]):
            fail("merchant_country", BAD_COUNTRY)
        if f["mcc"] and not _MCC.fullmatch(f["mcc"]):
            fail("mcc", BAD_MCC)

        if converted_flag is None:
            fail("merchant_converted", BAD_BOOL)
        elif converted_flag and card is not None and exponent is not None and currency != card.billing_currency:
            fail("merchant_converted", NOT_IN_BILLING_CURRENCY.format(currency=card.billing_currency))

        original = f["original_transaction_id"]
        if kind == "refund" and not original:
            fail("original_transaction_id", ORIGINAL_REQUIRED)
        elif kind in DEBIT_TYPES and original:
            fail("original_transaction_id", ORIGINAL_ONLY_ON_REFUNDS)
        elif kind == "refund":
            original_account: int | None
            found_original = True
            posted_original = posted.get("charge/" + original)
            earlier = self.first_seen.get(original)
            if posted_original is not None and posted_original[0] in DEBIT_TYPES:
                original_account = posted_original[1]
            elif earlier is not None and earlier[0] < row and earlier[1] in DEBIT_TYPES:
                original_account = earlier[2]
            else:
                found_original, original_account = False, None
            if not found_original:
                fail("original_transaction_id", ORIGINAL_NOT_FOUND.format(id=echo(original)))
            elif card is not None and original_account is not None and original_account != card.account_id:
                fail("original_transaction_id", ORIGINAL_OTHER_ACCOUNT.format(id=echo(original)))

        if transaction_id and first is None:
            self.first_seen[transaction_id] = (row, kind, card.account_id if card is not None else None)
        for column, reason in reasons:
            error = row_error(row, column, reason)
            self.errors.add(error.row, error.column, error.reason)
        if reasons:
            return None
        assert card is not None and amount is not None and transaction_date is not None
        assert processing_date is not None and converted_flag is not None
        return ChargeRow(
            row=row, transaction_id=transaction_id, card=card, kind=kind, amount=amount, currency=currency,
            transaction_date=transaction_date, processing_date=processing_date, merchant_name=f["merchant_name"],
            merchant_city=f["merchant_city"], merchant_country=f["merchant_country"], mcc=f["mcc"],
            merchant_converted=converted_flag, original_transaction_id=original,
        )

    def missing_rate(self, processing_date: dt.date, currency: str, billing_currency: str) -> str:
        try:
            rates = self.rates.for_processing_date(processing_date)
        except ApplicationError:
            return NO_RATES.format(days=RATE_WINDOW_DAYS, processing_date=processing_date.isoformat())
        for needed in (currency, USD, billing_currency):
            if needed not in rates.per_eur:
                return NO_RATE_FOR_CURRENCY.format(currency=needed, rate_date=rates.rate_date.isoformat())
        return ""
