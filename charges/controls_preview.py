"""Which of the last 90 days' authorizations new spending controls would have declined (SPEC 18; issue 19
item 6), before a PA saves them.

The stored authorizations are decided again, in the order they came, by the rules of
charges.authorization_rules (the live decision's own, not a copy), under the controls the change would
give each card. What is not about controls is taken as it was: an authorization declined for the card,
the account, the company's standing or a stopped recurring merchant stays out of the preview, and the
company's credit limit (no control changes it) is not checked again. The spend each limit counts is
rebuilt from the same authorizations: the account's approved holds that day, that month and since its
last statement, and the card's contactless payments since its last PIN. Charges presented without an
authorization are not in it, so a day or month limit can decline a little later in the preview than
it would have.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from accounts.controls import EffectiveControls
from accounts.models import Card
from charges.authorization_models import Authorization, AuthorizationType, DeclineReason, EntryMode
from charges.authorization_rules import ZERO, Spend, limits_refusal, merchant_refusal

PREVIEW_DAYS = 90
# At most this many authorizations are decided again (the newest of the window): a page, not a batch job.
PREVIEW_LIMIT = 20_000
# Declined then for a reason no control decides: left out of the preview.
NOT_CONTROLS = (DeclineReason.CARD_NOT_ACTIVE, DeclineReason.CARD_LOST_OR_STOLEN, DeclineReason.CARD_EXPIRED,
                DeclineReason.ACCOUNT_NOT_IN_GOOD_STANDING, DeclineReason.COMPANY_SUSPENDED,
                DeclineReason.RECURRING_STOPPED)
NO_CREDIT_LIMIT = Decimal("Infinity")


@dataclass(frozen=True)
class WouldDecline:
    authorization: Authorization
    reason: str  # the DeclineReason the new controls give
    was_approved: bool


@dataclass(frozen=True)
class ControlsPreview:
    since: dt.date
    decided: int  # authorizations decided again
    declined: list[WouldDecline]

    @property
    def newly_declined(self) -> int:
        return sum(1 for row in self.declined if row.was_approved)


def _period_starts(account_ids: set[int]) -> dict[int, list[dt.date]]:
    from statements.models import Statement  # statements build on charges: read late, one way

    dates: dict[int, list[dt.date]] = defaultdict(list)
    for account_id, statement_date in (Statement.objects.filter(account_id__in=account_ids)
                                       .order_by("statement_date").values_list("account_id", "statement_date")):
        dates[account_id].append(statement_date)
    return dates


def _period_key(dates: list[dt.date], day: dt.date) -> dt.date | None:
    """The last statement date before `day`: the statement period the day falls in."""
    key = None
    for statement_date in dates:
        if statement_date < day:
            key = statement_date
    return key


def controls_preview(*, authorizations: Iterable[Authorization], controls_for: Callable[[Card], EffectiveControls],
                     since: dt.date) -> ControlsPreview:
    """Decide `authorizations` (with card, account and company loaded) again under `controls_for(card)`,
    oldest first; the ones the controls would decline (SPEC 10 rules, SPEC 18 preview)."""
    rows = sorted(authorizations, key=lambda a: (a.decided_at, a.pk))
    periods = _period_starts({a.account_id for a in rows})
    controls_by_card: dict[int, EffectiveControls] = {}
    # Running spend, per account: (day) → amount, (month) → amount, (period) → amount; per card, contactless.
    day: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    month: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    period: dict[tuple[int, dt.date | None], Decimal] = defaultdict(lambda: ZERO)
    cash_day: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    cash_period: dict[tuple[int, dt.date | None], Decimal] = defaultdict(lambda: ZERO)
    contactless: dict[int, tuple[Decimal, int]] = defaultdict(lambda: (ZERO, 0))
    declined: list[WouldDecline] = []
    for authorization in rows:
        if not authorization.approved and authorization.reason in NOT_CONTROLS:
            continue
        card = authorization.card
        if card.pk not in controls_by_card:
            # The company's credit limit is no control: not decided again (see the module's docstring).
            controls_by_card[card.pk] = replace(controls_for(card), credit_limit=NO_CREDIT_LIMIT)
        controls = controls_by_card[card.pk]
        account, on = authorization.account_id, authorization.decided_on
        month_key, period_key = on.replace(day=1), _period_key(periods.get(account, []), on)
        refused = merchant_refusal(authorization, controls)
        billed, hold = authorization.billed_amount, authorization.hold_amount
        if refused is None and billed is not None and hold is not None:
            amount, count = contactless[card.pk]
            spend = Spend(day=day[account, on], month=month[account, month_key], period=period[account, period_key],
                          cash_day=cash_day[account, on], cash_period=cash_period[account, period_key],
                          contactless_amount=amount, contactless_count=count)
            outcome = limits_refusal(authorization, controls, spend, billed=billed, hold=hold)
            if not outcome.reason:
                day[account, on] += hold
                month[account, month_key] += hold
                period[account, period_key] += hold
                if authorization.type == AuthorizationType.CASH:
                    cash_day[account, on] += billed
                    cash_period[account, period_key] += billed
                if authorization.pin_verified:
                    contactless[card.pk] = (ZERO, 0)
                elif authorization.entry_mode == EntryMode.CONTACTLESS:
                    contactless[card.pk] = (amount + billed, count + 1)
                continue
            refused = outcome
        if refused is not None:
            declined.append(WouldDecline(authorization, refused.reason, authorization.approved))
    return ControlsPreview(since=since, decided=len(rows), declined=declined)


def recent_authorizations(*, on: dt.date, company_id: int, card_ids: Iterable[int] | None = None,
                          days: int = PREVIEW_DAYS) -> tuple[dt.date, list[Authorization]]:
    """The company's (or these cards') authorizations of the last `days` days up to `on`, newest
    PREVIEW_LIMIT of them, with what the rules read loaded in the same query."""
    since = on - dt.timedelta(days=days)
    found = (Authorization.objects.filter(account__company_id=company_id, decided_on__gt=since, decided_on__lte=on)
             .select_related("card", "card__controls", "card__account", "card__account__company",
                             "card__account__cardmember")
             .order_by("-decided_at", "-id"))
    if card_ids is not None:
        found = found.filter(card_id__in=list(card_ids))
    return since + dt.timedelta(days=1), list(found[:PREVIEW_LIMIT])
