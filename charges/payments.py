"""Payments in (SPEC section 9): payment files, allocation, returns with the bank's cost.

Within an account, payments are not earmarked: the statement selectors pay billed amounts oldest
first, then unbilled ones (terms §13e), whenever they are asked. A company payment under central
billing is split here, across the company's centrally billed accounts, oldest due amount first,
then unbilled balances; anything left stays as a credit on the first account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.db import transaction
from moneyed import Money

from accounts.models import Account, BillingType, Company
from amexprog.common.csvfiles import (
    FILE_ALREADY_LOADED,
    ErrorCollector,
    currency_is_known,
    parse_amount,
    parse_date,
    read_rows,
    sha256_of,
)
from amexprog.common.errors import ApplicationError
from charges.fx import fx_convert, fx_fee_amount, fx_fee_explanation, fx_rates_for
from charges.payment_models import Payment, PaymentFile
from events.models import EventType
from events.payloads import payment_data, payment_return_data
from events.services import event_record as outbox_record
from fees.selectors import fee_schedule_in_force
from fees.value_dates import value_date_corrections
from ledger.models import Posting, PostingKind
from ledger.selectors import account_balance
from ledger.services import posting_create
from statements.selectors import dues_for_accounts, first_open_day

COLUMNS = ["payment_id", "account_number", "company_number", "received_date", "type", "amount", "currency",
           "method", "original_payment_id", "cost"]

ONE_OF_ACCOUNT_OR_COMPANY = "give exactly one of account_number and company_number"
UNKNOWN_ACCOUNT = "no account {value}"
ACCOUNT_CLOSED = "account {value} is closed"
UNKNOWN_COMPANY = "no company {value}"
NOT_CENTRAL = "company {value} has no centrally billed accounts; pay the accounts instead"
BAD_TYPE = "type must be payment or return"
DUPLICATE_ID = "payment id {value} appears twice in the file"
SEEN_ID = "payment id {value} was already loaded"
UNKNOWN_CURRENCY = "{value!r} is not a currency code"
NO_RATE = "no ECB rates within 7 days before {value}"
ORIGINAL_REQUIRED = "a return must name original_payment_id"
UNKNOWN_ORIGINAL = "no payment {value} to return"
ALREADY_RETURNED = "payment {value} was already returned"
RETURN_MISMATCH = "a return must repeat the original payment's payer, amount and currency"
COST_ON_PAYMENT = "cost is only for returns"
ORIGINAL_ON_PAYMENT = "original_payment_id is only for returns"


@dataclass
class PaymentRow:
    row: int
    payment_id: str
    account: Account | None
    company: Company | None
    received_on: dt.date
    type: str
    amount: Decimal
    currency: str
    method: str
    original_id: str
    cost: Decimal


@dataclass
class PaymentImportSummary:
    filename: str
    sha256: str = ""
    payments: int = 0
    returns: int = 0
    postings: int = 0
    by_currency: dict[str, Decimal] = field(default_factory=dict)


def _billing_currency(row: PaymentRow) -> str:
    return (row.account.currency if row.account else row.company.currency)  # type: ignore[union-attr]


def _validate(stream: BinaryIO, errors: ErrorCollector) -> list[PaymentRow]:
    rows: list[PaymentRow] = []
    seen: dict[str, PaymentRow] = {}
    accounts: dict[str, Account | None] = {}
    companies: dict[str, Company | None] = {}
    for number, raw in read_rows(stream, COLUMNS, errors):
        def bad(column: str, reason: str, number: int = number) -> None:
            errors.add(number, column, reason)

        account = company = None
        if bool(raw["account_number"]) == bool(raw["company_number"]):
            bad("account_number", ONE_OF_ACCOUNT_OR_COMPANY)
        elif raw["account_number"]:
            key = raw["account_number"]
            if key not in accounts:
                accounts[key] = Account.objects.select_related("company").filter(number=key).first()
            account = accounts[key]
            if account is None:
                bad("account_number", UNKNOWN_ACCOUNT.format(value=key))
            elif account.status == Account.Status.CLOSED:
                bad("account_number", ACCOUNT_CLOSED.format(value=key))
        else:
            key = raw["company_number"]
            if key not in companies:
                companies[key] = Company.objects.filter(number=key).first()
            company = companies[key]
            if company is None:
                bad("company_number", UNKNOWN_COMPANY.format(value=key))
            elif not company.accounts.filter(billing_type=BillingType.CENTRAL).exists():
                bad("company_number", NOT_CENTRAL.format(value=key))
        try:
            received_on = parse_date(raw["received_date"])
        except ValueError as exc:
            bad("received_date", str(exc))
            received_on = None
        if raw["type"] not in Payment.Type.values:
            bad("type", BAD_TYPE)
        currency = raw["currency"]
        amount = cost = None
        if not currency_is_known(currency):
            bad("currency", UNKNOWN_CURRENCY.format(value=currency))
        else:
            try:
                amount = parse_amount(raw["amount"], currency)
            except ValueError as exc:
                bad("amount", str(exc))
        payment_id = raw["payment_id"]
        if not payment_id:
            bad("payment_id", "a payment id is required")
        elif payment_id in seen:
            bad("payment_id", DUPLICATE_ID.format(value=payment_id))
        elif Payment.objects.filter(payment_id=payment_id).exists():
            bad("payment_id", SEEN_ID.format(value=payment_id))
        if raw["type"] == Payment.Type.RETURN:
            cost = Decimal("0.00")
            if raw["cost"]:
                try:
                    cost = parse_amount(raw["cost"], currency if currency_is_known(currency) else "EUR",
                                        allow_zero=True)
                except ValueError as exc:
                    bad("cost", str(exc))
            if not raw["original_payment_id"]:
                bad("original_payment_id", ORIGINAL_REQUIRED)
        else:
            if raw["cost"] and raw["cost"] not in ("0", "0.00"):
                bad("cost", COST_ON_PAYMENT)
            if raw["original_payment_id"]:
                bad("original_payment_id", ORIGINAL_ON_PAYMENT)
        if (account or company) is None or received_on is None or amount is None:
            continue
        row = PaymentRow(number, payment_id, account, company, received_on, raw["type"], amount, currency,
                         raw["method"], raw["original_payment_id"], cost or Decimal("0.00"))
        if currency != _billing_currency(row):
            try:
                fx_rates_for(processing_date=received_on)
            except ApplicationError:
                bad("received_date", NO_RATE.format(value=received_on))
        if row.type == Payment.Type.RETURN and row.original_id:
            _validate_return(row, seen, bad)
        seen[payment_id] = row
        rows.append(row)
    return rows


def _validate_return(row: PaymentRow, seen: dict[str, PaymentRow], bad: Callable[[str, str], None]) -> None:
    earlier = seen.get(row.original_id)
    if earlier is not None:
        payer, amount, currency, returned = (earlier.account, earlier.company), earlier.amount, earlier.currency, any(
            other.original_id == row.original_id for other in seen.values() if other.type == Payment.Type.RETURN)
    else:
        original = Payment.objects.filter(payment_id=row.original_id, type=Payment.Type.PAYMENT).first()
        if original is None:
            bad("original_payment_id", UNKNOWN_ORIGINAL.format(value=row.original_id))
            return
        payer, amount, currency = (original.account, original.company), original.amount, original.currency
        returned = hasattr(original, "returned_by") or any(
            other.original_id == row.original_id for other in seen.values())
    if returned:
        bad("original_payment_id", ALREADY_RETURNED.format(value=row.original_id))
    elif payer != (row.account, row.company) or amount != row.amount or currency != row.currency:
        bad("original_payment_id", RETURN_MISMATCH)


def payments_import(*, stream: BinaryIO, filename: str) -> PaymentImportSummary:
    """Validate the whole file, then post every payment and return in one transaction."""
    digest = sha256_of(stream)
    previous = PaymentFile.objects.filter(sha256=digest).first()
    if previous is not None:
        raise ApplicationError(FILE_ALREADY_LOADED.format(loaded_at=previous.loaded_at.isoformat(timespec="seconds")),
                               "file_already_loaded")
    errors = ErrorCollector()
    rows = _validate(stream, errors)
    errors.raise_if_any()
    with transaction.atomic():
        payment_file = PaymentFile.objects.create(sha256=digest, filename=filename)
        summary = PaymentImportSummary(filename=filename, sha256=digest)
        for row in rows:
            if row.type == Payment.Type.PAYMENT:
                summary.postings += len(payment_receive(row=row, payment_file=payment_file))
                summary.payments += 1
            else:
                summary.postings += len(payment_return(row=row, payment_file=payment_file))
                summary.returns += 1
            summary.by_currency[row.currency] = summary.by_currency.get(row.currency, Decimal(0)) + row.amount
        payment_file.payment_count, payment_file.return_count = summary.payments, summary.returns
        payment_file.save(update_fields=["payment_count", "return_count"])
    return summary


def allocate_company_payment(*, company: Company, amount: Decimal, on: dt.date) -> list[tuple[Account, Decimal]]:
    """Split a company payment: oldest due amount first across its centrally billed accounts, then
    their unbilled balances; a remainder stays as credit on the first account (SPEC section 9)."""
    accounts = list(company.accounts.filter(billing_type=BillingType.CENTRAL).exclude(
        status=Account.Status.CLOSED).order_by("number"))
    dues = dues_for_accounts(account_ids=[a.pk for a in accounts], as_of=on, end_of_day=True)
    by_id = {a.pk: a for a in accounts}
    shares: dict[int, Decimal] = {}
    left = amount
    queue = sorted(
        ((due.due_date, due.statement_date, by_id[account_id].number, account_id, due.unpaid)
         for account_id, items in dues.items() for due in items if due.unpaid > 0),
    )
    for _due, _date, _number, account_id, unpaid in queue:
        if left <= 0:
            break
        part = min(left, unpaid)
        shares[account_id] = shares.get(account_id, Decimal(0)) + part
        left -= part
    for account in accounts:
        if left <= 0:
            break
        owed = account_balance(account=account, through=on).amount - shares.get(account.pk, Decimal(0))
        if owed > 0:
            part = min(left, owed)
            shares[account.pk] = shares.get(account.pk, Decimal(0)) + part
            left -= part
    if left > 0:
        shares[accounts[0].pk] = shares.get(accounts[0].pk, Decimal(0)) + left
    return [(by_id[account_id], part) for account_id, part in shares.items() if part > 0]


@transaction.atomic
def payment_receive(*, row: PaymentRow, payment_file: PaymentFile | None = None) -> list:
    """Post one payment (converted with SPEC section 6 and carrying the FX fee if foreign)."""
    billing_currency = _billing_currency(row)
    rates = fx_rates_for(processing_date=row.received_on) if row.currency != billing_currency else None
    conversion = fx_convert(amount=row.amount, currency=row.currency, billing_currency=billing_currency, rates=rates)
    payment = Payment.objects.create(
        payment_id=row.payment_id, type=row.type, account=row.account, company=row.company,
        received_on=row.received_on, amount=row.amount, currency=row.currency, method=row.method,
        billing_amount=conversion.billed_amount, file=payment_file,
    )
    if row.account is not None:
        # Lock the account: a payment and a charge posting at once must not interleave (DESIGN).
        Account.objects.select_for_update().filter(pk=row.account.pk).first()
        parts = [(row.account, conversion.billed_amount)]
    else:
        parts = allocate_company_payment(company=row.company, amount=conversion.billed_amount, on=row.received_on)
    fx = {}
    if conversion.converted:
        fx = dict(original_amount=Money(row.amount, row.currency), usd_amount=conversion.usd_amount,
                  fx_rate_to_usd=conversion.rate_to_usd, fx_rate=conversion.usd_rate,
                  fx_rate_date=conversion.rate_date)
    # SPEC section 9: a payment received on a day already stated is booked on the first open day and
    # keeps its received date as value date; it is never refused for that.
    booked = first_open_day(account_ids=[account.pk for account, _part in parts], on=row.received_on)
    postings = []
    for account, part in parts:
        explanation = {"rule": "payment", "payment_id": payment.payment_id,
                       "payer": "company" if row.company else "account",
                       "allocated": str(part), "payment_total": str(conversion.billed_amount)}
        value_date = {}
        if booked[account.pk] != row.received_on:
            value_date = {"value_date": row.received_on}
            explanation.update(value_date=row.received_on.isoformat(), booked_on=booked[account.pk].isoformat())
        posting, _created = posting_create(
            account=account, kind=PostingKind.PAYMENT, amount=Money(-part, billing_currency),
            posting_date=booked[account.pk], source_key=f"payment/{payment.payment_id}/{account.number}",
            description=f"Payment {payment.payment_id}" + (f" ({row.method})" if row.method else ""),
            explanation=explanation, **value_date, **(fx if len(parts) == 1 else {}),
        )
        postings.append(posting)
        # Runs already made for days from the value date on did not know this payment (issue 16 item 2).
        value_date_corrections(account=account, payment=payment, value_date=row.received_on,
                               booked_on=booked[account.pk])
    if conversion.converted:
        schedule = fee_schedule_in_force(market=parts[0][0].company.market, on=row.received_on)
        fee = fx_fee_amount(converted=conversion.billed_amount, percent=schedule.fx_fee_percent,
                            currency=billing_currency)
        fee_posting, _created = posting_create(
            account=parts[0][0], kind=PostingKind.FEE_FX, amount=Money(fee, billing_currency),
            posting_date=booked[parts[0][0].pk], source_key=f"fee_fx/payment/{payment.payment_id}",
            description="Currency conversion fee", related=postings[0],
            explanation=fx_fee_explanation(conversion=conversion, fee=fee, percent=schedule.fx_fee_percent,
                                           fee_schedule_id=schedule.pk, credit=True),
        )
        postings.append(fee_posting)
    # SPEC section 16: payment.received with what each account received, in the payment's transaction.
    outbox_record(company_id=parts[0][0].company_id, type=EventType.PAYMENT_RECEIVED,
                  data=payment_data(payment, parts))
    return postings


@transaction.atomic
def payment_return(*, row: PaymentRow, payment_file: PaymentFile | None = None) -> list:
    """Reverse an earlier payment exactly, and post the bank's cost (SPEC section 9). The delinquency
    step then puts the account in default (terms §27)."""
    original = Payment.objects.get(payment_id=row.original_id)
    billing_currency = _billing_currency(row)
    cost = row.cost
    if cost and row.currency != billing_currency:
        rates = fx_rates_for(processing_date=row.received_on)
        cost = fx_convert(amount=cost, currency=row.currency, billing_currency=billing_currency,
                          rates=rates).billed_amount
    returned = Payment.objects.create(
        payment_id=row.payment_id, type=row.type, account=row.account, company=row.company,
        received_on=row.received_on, amount=row.amount, currency=row.currency, method=row.method,
        billing_amount=original.billing_amount, original=original, cost=cost, file=payment_file,
    )
    postings = []
    paid_postings = list(Posting.objects.filter(kind=PostingKind.PAYMENT,
                                                source_key__startswith=f"payment/{original.payment_id}/")
                         .select_related("account"))
    # Like a payment, a return received on a day already stated is booked on the first open day (SPEC section 9).
    booked = first_open_day(account_ids=[paid.account_id for paid in paid_postings], on=row.received_on)
    for paid in paid_postings:
        explanation = {"rule": "payment_return", "returns": original.payment_id}
        value_date = {}
        if booked[paid.account_id] != row.received_on:
            value_date = {"value_date": row.received_on}
            explanation.update(value_date=row.received_on.isoformat(), booked_on=booked[paid.account_id].isoformat())
        posting, _created = posting_create(
            account=paid.account, kind=PostingKind.PAYMENT_RETURN,
            amount=Money(-paid.amount.amount, billing_currency), posting_date=booked[paid.account_id],
            source_key=f"payment-return/{returned.payment_id}/{paid.account.number}", related=paid,
            description=f"Returned payment {original.payment_id}", explanation=explanation, **value_date,
        )
        postings.append(posting)
    if cost > 0:
        posting, _created = posting_create(
            account=postings[0].account, kind=PostingKind.FEE_RETURNED_PAYMENT,
            amount=Money(cost, billing_currency), posting_date=postings[0].posting_date,
            source_key=f"returned-payment-cost/{returned.payment_id}", related=postings[0],
            description="Bank's cost of the returned payment",
            explanation={"rule": "returned_payment_cost", "bank_cost": str(row.cost), "currency": row.currency},
        )
        postings.append(posting)
    # SPEC section 16: payment.returned, in the return's transaction (a returned payment reverses one).
    outbox_record(company_id=postings[0].account.company_id if postings else original_company_id(original),
                  type=EventType.PAYMENT_RETURNED, data=payment_return_data(returned, original, postings))
    return postings


def original_company_id(payment: Payment) -> int:
    """The company a payment belongs to: its own, or its account's."""
    return payment.company_id or payment.account.company_id
