"""The sandbox's helpers (SPEC section 16 "Sandbox"; issue 18 item 8): what the card network, the bank and
the daily cycle would do, on demand, so an integrator can test without a full card number or a file.

Development and test settings only (`settings.SANDBOX_ENABLED`); production does not even route them
(amexprog.api_urls). Each helper goes through the service production uses for the same event, so what it
produces is what production would produce:

- authorize by card id → charges.authorizations.authorization_decide (the network's decision, SPEC 10);
- clear an authorization → charges.services.charge_post (one presented charge with its fees, SPEC 5–7),
  which settles the hold as a charge file would;
- expire a hold → charges.authorizations.hold_expire (what run_cycle does after hold_days, SPEC 10);
- post a payment → charges.payments.payment_receive (one row of a payment file, SPEC 9);
- advance the business date → amexprog.common.cycle.cycle_run_day for each day (run_cycle, SPEC 16).

The sandbox's day is the first day the cycle has not completed yet, or today when the cycle is behind the
calendar: after an advance, authorizations, charges and payments happen on the new business day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, BillingType, Card, Company
from amexprog.common import clock
from amexprog.common.cycle import business_date, cycle_run_day, days_to_run
from amexprog.common.errors import ApplicationError
from charges.authorization_models import Authorization, AuthorizationType, Hold
from charges.authorizations import AuthorizationRequest, Decision, authorization_decide, hold_expire
from charges.payment_models import Payment
from charges.payments import PaymentRow, payment_receive
from charges.services import charge_post
from charges.validation import ChargeRow, cards_by_hash
from ledger.models import Posting, PostingKind

DECLINED_NOT_CLEARED = _("A declined authorization has no charge to present.")
ALREADY_CLEARED = _("This authorization's charge was already presented.")
HOLD_NOT_OPEN = _("This authorization has no open hold: it was settled by its charge or has expired.")
NOT_CENTRAL = _("The company has no centrally billed account to pay into.")
ACCOUNT_CLOSED = _("The account is closed.")
PAYMENT_ID_TAKEN = _("A payment with this payment_id was already received.")
TOO_MANY_DAYS = _("At most {limit} days at a time.")
MAX_ADVANCE_DAYS = 62  # two months: past any statement day; each day runs the whole cycle

# A presented charge's kind for each authorization type (SPEC sections 5, 10).
CHARGE_KINDS = {AuthorizationType.PURCHASE: PostingKind.PURCHASE, AuthorizationType.CASH: PostingKind.CASH}


def sandbox_day() -> dt.date:
    """The day the sandbox acts on: the first day run_cycle has not completed, or today if that is later."""
    last = business_date()
    today = clock.today()
    return max(today, last + dt.timedelta(days=1)) if last is not None else today


def sandbox_transaction_id() -> str:
    return f"SBX-{uuid.uuid4().hex[:20]}"


def sandbox_authorize(*, card: Card, type: str, amount: Decimal, currency: str, merchant_name: str,
                      merchant_city: str, merchant_country: str, mcc: str, entry_mode: str, pin_verified: bool,
                      recurring: bool, transaction_id: str = "") -> Decision:
    """The card network's authorization request for a card named by its id (SPEC 16 "Sandbox"), decided by
    the real decision (SPEC 10: the same checks, hold and replay rules as POST /api/v1/authorizations)."""
    request = AuthorizationRequest(
        transaction_id=transaction_id or sandbox_transaction_id(), card_number="", card_hash=card.pan_hash,
        type=type, amount=amount, currency=currency, merchant_country=merchant_country, mcc=mcc,
        entry_mode=entry_mode, pin_verified=pin_verified, merchant_name=merchant_name,
        merchant_city=merchant_city, recurring=recurring)
    return authorization_decide(request=request, on=sandbox_day(), at=clock.now())


def sandbox_authorization_clear(*, authorization: Authorization, amount: Decimal | None = None) -> list[Posting]:
    """Present an approved authorization's charge as the network's charge file would (SPEC 5–7, 10): the
    charge posts with its FX and cash fees on the sandbox's day and settles the hold. `amount` (in the
    authorization's currency) presents a different amount than was authorized, as a tip or a final fuel
    price does; by default the authorized amount."""
    if not authorization.approved:
        raise ApplicationError(str(DECLINED_NOT_CLEARED), "authorization_declined", status=409)
    card = authorization.card
    facts = cards_by_hash([card.pan_hash])[card.pan_hash]
    on = sandbox_day()
    charge = ChargeRow(
        row=0, transaction_id=authorization.transaction_id, card=facts, kind=CHARGE_KINDS[authorization.type],
        amount=amount if amount is not None else authorization.amount, currency=authorization.currency,
        transaction_date=authorization.decided_on, processing_date=max(on, authorization.decided_on),
        merchant_name=authorization.merchant_name, merchant_city=authorization.merchant_city,
        merchant_country=authorization.merchant_country, mcc=authorization.mcc, merchant_converted=False,
        original_transaction_id="")
    posted = charge_post(charge=charge, account=authorization.account, card=card)
    if not posted.created:
        raise ApplicationError(str(ALREADY_CLEARED), "already_cleared", status=409)
    return posted.postings


def sandbox_hold_expire(*, authorization: Authorization) -> Hold:
    """Let an authorization's open hold lapse now, as run_cycle does once hold_days pass (SPEC 10)."""
    hold = Hold.objects.filter(authorization=authorization).first()
    if hold is None or not hold_expire(hold=hold, on=sandbox_day()):
        raise ApplicationError(str(HOLD_NOT_OPEN), "hold_not_open", status=409)
    return hold


@dataclass(frozen=True)
class SandboxPayment:
    payment: Payment
    postings: list[Posting]


def sandbox_payment_post(*, amount: Decimal, account: Account | None = None, company: Company | None = None,
                         payment_id: str = "", method: str = "") -> SandboxPayment:
    """A payment received from the bank, as one row of a payment file (SPEC 9: to an account, or to a
    company split over its centrally billed accounts, oldest due first), on the sandbox's day."""
    if account is not None and account.status == Account.Status.CLOSED:
        raise ApplicationError(str(ACCOUNT_CLOSED), "account_closed", status=409, extra={"field": "account_number"})
    if company is not None and not company.accounts.filter(billing_type=BillingType.CENTRAL).exists():
        raise ApplicationError(str(NOT_CENTRAL), "not_centrally_billed", status=409,
                               extra={"field": "company_number"})
    payment_id = payment_id or f"SBX-{uuid.uuid4().hex[:20]}"
    if Payment.objects.filter(payment_id=payment_id).exists():
        raise ApplicationError(str(PAYMENT_ID_TAKEN), "payment_id_taken", status=409, extra={"field": "payment_id"})
    currency = account.currency if account is not None else company.currency  # type: ignore[union-attr]
    row = PaymentRow(row=0, payment_id=payment_id, account=account, company=company, received_on=sandbox_day(),
                     type=Payment.Type.PAYMENT, amount=amount, currency=currency, method=method, original_id="",
                     cost=Decimal("0.00"))
    with transaction.atomic():
        postings = payment_receive(row=row)
        payment = Payment.objects.get(payment_id=payment_id)
    return SandboxPayment(payment=payment, postings=postings)


@dataclass(frozen=True)
class Advanced:
    business_date: dt.date
    days: list[dt.date]
    steps: dict[str, int]


def sandbox_business_date_advance(*, days: int | None = None, through: dt.date | None = None) -> Advanced:
    """Run every daily job for each day from the first open one, as `run_cycle --through` does (SPEC 16):
    `days` days, or through `through`. On a fresh database the first day is today. The cycle is the
    whole programme's: every company's statements, fees, reminders and hold expiry run."""
    last = business_date()
    first = last + dt.timedelta(days=1) if last is not None else clock.today()
    if through is None:
        through = first + dt.timedelta(days=(days or 1) - 1)
    plan = days_to_run(through=through, start=None if last is not None else first)
    if len(plan) > MAX_ADVANCE_DAYS:
        raise ApplicationError(str(TOO_MANY_DAYS).format(limit=MAX_ADVANCE_DAYS), "too_many_days",
                               extra={"field": "through" if days is None else "days"})
    totals: dict[str, int] = {}
    for day in plan:
        for name, count in cycle_run_day(on=day).items():
            totals[name] = totals.get(name, 0) + count
    return Advanced(business_date=business_date() or through, days=plan, steps=totals)
