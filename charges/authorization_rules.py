"""The spending-control rules of an authorization decision, as pure functions (SPEC section 10; terms §5,
§6): given the card's effective controls, what its account and company already spend, and the amount,
which control (if any) declines it. No database access, so the live decision (charges.authorizations)
and the portal's preview of new controls over stored authorizations (charges.controls_preview, SPEC 18)
apply the very same rules in the same order.

The order, after the card and account checks the live decision makes first:
1. cash not enabled; MCC blocked; merchant country blocked (merchant_refusal);
2. cash limits (per withdrawal, day, statement period), on the cash amount itself;
3. card limits (per authorization, day, month, statement period), on the amount with its fees;
4. the company's credit limit, against its exposure;
5. contactless without a PIN: over the per-payment limit, or past the cumulative amount or count
   since the last PIN → pin_required (limits_refusal does 2-5).
A decision that reaches a limit exactly approves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from accounts.controls import EffectiveControls
from charges.authorization_models import AuthorizationType, DeclineReason, EntryMode

ZERO = Decimal("0.00")


class Asked(Protocol):
    """What the rules read of a request: an AuthorizationRequest, or a stored Authorization."""

    type: str
    mcc: str
    merchant_country: str
    entry_mode: str
    pin_verified: bool


@dataclass
class Spend:
    """What the card's account and its company already use, in the billing currency."""

    day: Decimal = ZERO
    month: Decimal = ZERO
    period: Decimal = ZERO
    cash_day: Decimal = ZERO
    cash_period: Decimal = ZERO
    company_exposure: Decimal = ZERO
    contactless_amount: Decimal = ZERO
    contactless_count: int = 0


@dataclass
class Outcome:
    reason: str = ""
    billed: Decimal | None = None
    hold: Decimal | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


def _over(name: str, limit: Decimal | None, used: Decimal, adding: Decimal) -> dict[str, str] | None:
    """The explanation when `used + adding` would go above `limit` (reaching it exactly is fine)."""
    if limit is None or used + adding <= limit:
        return None
    return {"limit": name, "limit_amount": str(limit), "used": str(used), "requested": str(adding)}


def merchant_refusal(request: Asked, controls: EffectiveControls) -> Outcome | None:
    """Cash not enabled, MCC blocked, merchant country blocked: the declines that need no amount (SPEC 10)."""
    if request.type == AuthorizationType.CASH and not controls.cash_enabled:
        return Outcome(DeclineReason.CASH_NOT_ENABLED)
    if not controls.mcc_allowed(request.mcc):
        return Outcome(DeclineReason.MCC_BLOCKED, explanation={"mcc": request.mcc})
    if not controls.country_allowed(request.merchant_country):
        return Outcome(DeclineReason.MERCHANT_COUNTRY_BLOCKED, explanation={"country": request.merchant_country})
    return None


def limits_refusal(request: Asked, controls: EffectiveControls, spend: Spend, *, billed: Decimal,
                   hold: Decimal) -> Outcome:
    """The cash, card, company and contactless limits on `billed` (without fees) and `hold` (with them):
    an Outcome whose reason is empty when every limit holds (SPEC section 10)."""
    outcome = Outcome(billed=billed, hold=hold)
    checks: list[tuple[str, dict[str, str] | None]] = []
    if request.type == AuthorizationType.CASH:
        checks += [
            (DeclineReason.CASH_LIMIT_EXCEEDED, _over("cash_transaction_limit", controls.cash_transaction_limit,
                                                       ZERO, billed)),
            (DeclineReason.CASH_LIMIT_EXCEEDED, _over("cash_daily_limit", controls.cash_daily_limit,
                                                       spend.cash_day, billed)),
            (DeclineReason.CASH_LIMIT_EXCEEDED, _over("cash_period_limit", controls.cash_period_limit,
                                                       spend.cash_period, billed)),
        ]
    checks += [
        (DeclineReason.CARD_LIMIT_EXCEEDED, _over("authorization_limit", controls.authorization_limit, ZERO, hold)),
        (DeclineReason.CARD_LIMIT_EXCEEDED, _over("daily_limit", controls.daily_limit, spend.day, hold)),
        (DeclineReason.CARD_LIMIT_EXCEEDED, _over("monthly_limit", controls.monthly_limit, spend.month, hold)),
        (DeclineReason.CARD_LIMIT_EXCEEDED, _over("period_limit", controls.period_limit, spend.period, hold)),
        (DeclineReason.COMPANY_CREDIT_LIMIT_EXCEEDED, _over("credit_limit", controls.credit_limit,
                                                             spend.company_exposure, hold)),
    ]
    if request.entry_mode == EntryMode.CONTACTLESS and not request.pin_verified:
        checks += [
            (DeclineReason.PIN_REQUIRED, None if controls.contactless_enabled else {"limit": "contactless_disabled"}),
            (DeclineReason.PIN_REQUIRED, _over("contactless_charge_limit", controls.contactless_charge_limit,
                                               ZERO, billed)),
            (DeclineReason.PIN_REQUIRED, _over("contactless_cumulative_limit",
                                               controls.contactless_cumulative_limit, spend.contactless_amount,
                                               billed)),
            (DeclineReason.PIN_REQUIRED, _over("contactless_cumulative_count",
                                               Decimal(controls.contactless_cumulative_count),
                                               Decimal(spend.contactless_count), Decimal(1))),
        ]
    for reason, explanation in checks:
        if explanation is not None:
            outcome.reason, outcome.explanation = reason, explanation
            return outcome
    return outcome


def available_spend(controls: EffectiveControls, spend: Spend, hold: Decimal) -> Decimal:
    """What the card can still spend after `hold`: the tightest cumulative headroom (SPEC section 10)."""
    headroom = [controls.credit_limit - spend.company_exposure - hold]
    for limit, used in ((controls.daily_limit, spend.day), (controls.monthly_limit, spend.month),
                        (controls.period_limit, spend.period)):
        if limit is not None:
            headroom.append(limit - used - hold)
    return max(min(headroom), ZERO)
