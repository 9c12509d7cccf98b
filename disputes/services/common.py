"""Helpers every disputes service shares: the business day, money checks, evidence, ops-only guards."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from decimal import Decimal
from typing import IO

from django.core.files import File
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from accounts.models import Account
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from amexprog.common.money import format_money, has_at_most_minor_units, require_decimal, round_money
from disputes.attachments import attachment_check
from disputes.audit import Actor, event_record
from disputes.models import CaseEvent, Dispute, Evidence, RefundRequest
from ledger.models import Posting

OPS_ONLY = _("Only ops staff can do this.")
OPS_PERMISSION_MISSING = _("Your ops role does not include this action ({permission}).")
EVIDENCE_EMPTY = _("Add a note or a file.")
WRONG_CURRENCY = _("Amounts on this account are in {currency}.")
AMOUNT_NOT_POSITIVE = _("The amount must be greater than zero.")
TOO_MANY_DECIMALS = _("{amount} has more decimals than {currency} allows.")


def error_money(amount: Decimal, account: Account) -> str:
    """An amount inside an error message, in the message's own language (the request's), which may not be
    the language the holder's notices are written in (disputes.notices.money_text)."""
    return format_money(amount, account.currency, get_language())


def case_day() -> dt.date:
    """The day a case opened now is booked on: today, or the day after the last business day the
    cycle completed when that is later (a statement already produced closes its period)."""
    today, last = clock.today(), business_date()
    return max(today, last + dt.timedelta(days=1)) if last else today


def require_ops(by: Actor, permission: str) -> None:
    """Only ops, and only those holding `permission` (SPEC section 17, issue 15 item 3)."""
    if not by.is_ops:
        raise ApplicationError(str(OPS_ONLY), "ops_only", status=403)
    if not by.may(permission):
        raise ApplicationError(str(OPS_PERMISSION_MISSING).format(permission=permission), "ops_permission_missing",
                               status=403)


def require_permission_if_ops(by: Actor, permission: str) -> None:
    """Holders and PAs are scoped by the selectors; an ops actor also needs `permission` (SPEC section 17,
    issue 15 item 3), whichever interface it came through (API, portal, admin)."""
    if by.is_ops and not by.may(permission):
        raise ApplicationError(str(OPS_PERMISSION_MISSING).format(permission=permission), "ops_permission_missing",
                               status=403)


def checked_amount(amount: Money, account: Account, *, allow_zero: bool = False) -> Decimal:
    """A Decimal amount in the account's currency with at most its minor-unit decimals."""
    require_decimal(amount.amount)
    if str(amount.currency) != account.currency:
        raise ApplicationError(str(WRONG_CURRENCY).format(currency=account.currency), "wrong_currency",
                               {"field": "amount"})
    value = amount.amount
    if value < 0 or (value == 0 and not allow_zero):
        raise ApplicationError(str(AMOUNT_NOT_POSITIVE), "invalid_amount", {"field": "amount"})
    if not has_at_most_minor_units(value, account.currency):
        raise ApplicationError(str(TOO_MANY_DECIMALS).format(amount=value, currency=account.currency),
                               "invalid_amount", {"field": "amount"})
    return value


def fee_share(*, fees: list[Posting], charge: Posting, amount: Decimal) -> Decimal:
    """The charge's fees (FX, cash) pro rata to the part of the charge concerned, rounded half-up."""
    if not fees or charge.amount.amount == 0:
        return Decimal("0.00")
    total = sum((fee.amount.amount for fee in fees), Decimal(0))
    return round_money(total * amount / charge.amount.amount, charge.account.currency)


def evidence_add(*, case: Dispute | RefundRequest, by: Actor, on: dt.date, note: str = "",
                 upload: IO[bytes] | None = None, filename: str = "", size: int | None = None) -> Evidence:
    """Store a note and/or a checked file with the case, and audit it."""
    note = (note or "").strip()
    if not note and upload is None:
        raise ApplicationError(str(EVIDENCE_EMPTY), "evidence_empty", {"field": "note"})
    field = "dispute" if isinstance(case, Dispute) else "refund_request"
    evidence = Evidence(uid=uuid.uuid4().hex, note=note, added_at=clock.now(), added_by=by.label, **{field: case})
    if upload is not None:
        checked = attachment_check(upload, size=size)
        evidence.original_name = os.path.basename(filename or getattr(upload, "name", "") or "evidence")[:200]
        evidence.content_type = checked.content_type
        evidence.size = checked.size
        evidence.file.save(f"{evidence.uid}{checked.extension}", File(upload), save=False)
    evidence.save()
    described = ", ".join(part for part in (evidence.original_name, note[:200]) if part)
    event_record(by=by, on=on, action=CaseEvent.Action.EVIDENCE_ADDED, note=described, **{field: case})
    return evidence
