"""Spending controls per company and per card, and the tightest of them that applies (SPEC section 10,
terms §5, §6).

Where each control lives:
- the company's programme settings (ops, SPEC section 3): credit limit, cash allowed, blocked MCCs;
- the company's SpendingControls row (its PAs): MCC and country lists and limits for each card;
- the card's own fields (SPEC section 3): cash enabled, contactless, monthly limit, blocked MCCs;
- the card's SpendingControls row (PAs): the card's other lists and limits.
The effective controls take the tightest of all of them: allowed lists intersect, blocked lists add
up, limits take the lowest, and the contactless limits never exceed the programme's ceiling.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from moneyed import Money

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import AuditEntry, Card, Company, ProgrammeRules, SpendingControls
from accounts.rules import programme_rules
from amexprog.common.clock import today
from amexprog.common.errors import ApplicationError
from amexprog.common.money import has_at_most_minor_units, require_decimal

LIST_FIELDS = ("allowed_mccs", "blocked_mccs", "allowed_countries", "blocked_countries")
AMOUNT_FIELDS = (
    "authorization_limit", "daily_limit", "monthly_limit", "period_limit",
    "cash_transaction_limit", "cash_daily_limit", "cash_period_limit",
    "contactless_charge_limit", "contactless_cumulative_limit",
)
COUNT_FIELDS = ("contactless_cumulative_count",)
# SPEC section 17 (issue 15 item 5): raising one of these, or removing it, waits for a second person.
# The contactless ceilings are left out: they decide when a PIN is asked for, not how much may be
# spent, and never exceed the programme's own ceiling.
CREDIT_LIMIT_FIELDS = (
    "authorization_limit", "daily_limit", "monthly_limit", "period_limit",
    "cash_transaction_limit", "cash_daily_limit", "cash_period_limit",
)
CONTROL_FIELDS = LIST_FIELDS + AMOUNT_FIELDS + COUNT_FIELDS
CARD_FLAGS = ("cash_enabled", "contactless")
# A card keeps these on the Card itself (SPEC section 3), not on its SpendingControls row.
CARD_OWN_FIELDS = ("monthly_limit", "blocked_mccs") + CARD_FLAGS

UNKNOWN_CONTROL = "Unknown spending control {name!r}."
BAD_MCC = "{value!r} is not a merchant category code (4 digits)."
BAD_COUNTRY = "{value!r} is not a two-letter country code."
BAD_MCCS = "These are not merchant category codes (4 digits): {value}."
BAD_COUNTRIES = "These are not two-letter country codes: {value}."
BAD_LIST = "Give a list of codes."
BAD_LIMIT = "A limit is an amount of at least 0 in {currency}, with at most its minor-unit decimals."
BAD_COUNT = "A count is a whole number of at least 0."
CASH_NOT_ALLOWED = "Company {company} does not allow cash withdrawals, so no card can be cash-enabled."
BAD_FLAG = "Give true or false."

_MCC = re.compile(r"[0-9]{4}")
_COUNTRY = re.compile(r"[A-Z]{2}")
# CLDR territories that are no country a merchant is in: groupings (EU, EZ, UN) and private use / unknown.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
_COUNTRY_CODES = frozenset(code for code in Locale("en").territories
                           if _COUNTRY.fullmatch(code) and code not in _NOT_COUNTRIES)


@dataclass(frozen=True)
class EffectiveControls:
    """The controls an authorization on one card is decided by (amounts in `currency`)."""

    currency: str
    allowed_mccs: tuple[str, ...] | None  # None: any MCC not blocked; codes sorted, for display too
    blocked_mccs: tuple[str, ...]
    allowed_countries: tuple[str, ...] | None
    blocked_countries: tuple[str, ...]
    authorization_limit: Decimal | None
    daily_limit: Decimal | None
    monthly_limit: Decimal | None
    period_limit: Decimal | None
    cash_enabled: bool
    cash_transaction_limit: Decimal | None
    cash_daily_limit: Decimal | None
    cash_period_limit: Decimal | None
    contactless_enabled: bool
    contactless_charge_limit: Decimal
    contactless_cumulative_limit: Decimal
    contactless_cumulative_count: int
    credit_limit: Decimal

    def mcc_allowed(self, mcc: str) -> bool:
        return mcc not in self.blocked_mccs and (self.allowed_mccs is None or mcc in self.allowed_mccs)

    def country_allowed(self, country: str) -> bool:
        return country not in self.blocked_countries and (
            self.allowed_countries is None or country in self.allowed_countries)


def controls_of(owner: Company | Card) -> SpendingControls | None:
    """The owner's SpendingControls row, or None (uses a select_related row when there is one)."""
    try:
        return owner.controls
    except ObjectDoesNotExist:
        return None


def _lowest(*values: Decimal | int | None) -> Any:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _intersect(lists: Iterable[list[str]]) -> tuple[str, ...] | None:
    result: set[str] | None = None
    for codes in lists:
        if codes:
            result = set(codes) if result is None else result & set(codes)
    return None if result is None else tuple(sorted(result))


def effective_controls(
    *, card: Card, on: dt.date | None = None,
    levels: tuple[SpendingControls | None, SpendingControls | None] | None = None,
    rules: ProgrammeRules | None = None,
) -> EffectiveControls:
    """The tightest of the company's and the card's controls and the programme's contactless ceilings
    in force on `on` (SPEC section 10; today when not given). `levels` are the company's and the
    card's SpendingControls rows, and `rules` the programme rules, when the caller has read them."""
    company = card.account.company
    if rules is None:
        rules = programme_rules(market=company.market, on=on or today())
    given = levels if levels is not None else (controls_of(company), controls_of(card))
    rows = [level for level in given if level is not None]
    currency = card.account.currency

    def lowest(field: str, *extra: Decimal | int | None) -> Any:
        return _lowest(*(getattr(row, field) for row in rows), *extra)

    blocked_mccs = set(company.blocked_mccs) | set(card.blocked_mccs)
    blocked_countries: set[str] = set()
    for row in rows:
        blocked_mccs |= set(row.blocked_mccs)
        blocked_countries |= set(row.blocked_countries)
    return EffectiveControls(
        currency=currency,
        allowed_mccs=_intersect(row.allowed_mccs for row in rows),
        blocked_mccs=tuple(sorted(blocked_mccs)),
        allowed_countries=_intersect(row.allowed_countries for row in rows),
        blocked_countries=tuple(sorted(blocked_countries)),
        authorization_limit=lowest("authorization_limit"),
        daily_limit=lowest("daily_limit"),
        monthly_limit=lowest("monthly_limit", card.monthly_limit.amount if card.monthly_limit is not None else None),
        period_limit=lowest("period_limit"),
        cash_enabled=company.cash_allowed and card.cash_enabled,
        cash_transaction_limit=lowest("cash_transaction_limit"),
        cash_daily_limit=lowest("cash_daily_limit"),
        cash_period_limit=lowest("cash_period_limit"),
        contactless_enabled=card.contactless,
        contactless_charge_limit=lowest("contactless_charge_limit", rules.contactless_charge_limit),
        contactless_cumulative_limit=lowest("contactless_cumulative_limit", rules.contactless_cumulative_limit),
        contactless_cumulative_count=lowest("contactless_cumulative_count", rules.contactless_count_limit),
        credit_limit=company.credit_limit.amount,
    )


@dataclass(frozen=True)
class LimitWithoutEffect:
    """A card limit looser than its company's: the company's applies and the card's does nothing."""

    field: str
    card_value: Decimal | int
    company_value: Decimal | int


def card_limits_without_effect(*, card: Card, own: dict[str, Any] | None = None,
                               company_row: SpendingControls | None = None) -> list[LimitWithoutEffect]:
    """The card's own limits that are looser than the company's (SPEC sections 10, 18: "a warning where a
    card value has no effect because the company's is tighter"; issue 19 item 1). `own` are the card's
    values as they would be (the preview before saving, issue 19 item 6); the saved ones by default."""
    company_row = company_row if company_row is not None else controls_of(card.account.company)
    if company_row is None:
        return []
    own = own if own is not None else card_controls_view(card)
    found = []
    for field in AMOUNT_FIELDS + COUNT_FIELDS:
        company_value = getattr(company_row, field)
        if own[field] is not None and company_value is not None and own[field] > company_value:
            found.append(LimitWithoutEffect(field, own[field], company_value))
    return found


def monthly_limit_in_force(*, card: Card, company_row: SpendingControls | None) -> Decimal | None:
    """The monthly limit a card's spending is held to: the lower of its own and its company's (SPEC 10)."""
    own = card.monthly_limit.amount if card.monthly_limit is not None else None
    return _lowest(own, company_row.monthly_limit if company_row is not None else None)


# ── Reading and setting controls ─────────────────────────────────────────────────────────────────


def company_controls_view(company: Company) -> dict[str, Any]:
    """The company's own controls, as the portal and API show them (empty limits are None)."""
    row = controls_of(company) or SpendingControls()
    values = {field: getattr(row, field) for field in CONTROL_FIELDS}
    values["programme_blocked_mccs"] = list(company.blocked_mccs)
    values["cash_allowed"] = company.cash_allowed
    values["credit_limit"] = company.credit_limit.amount
    values["currency"] = company.currency
    return values


def card_controls_view(card: Card) -> dict[str, Any]:
    row = controls_of(card) or SpendingControls()
    values = {field: getattr(row, field) for field in CONTROL_FIELDS}
    values["monthly_limit"] = card.monthly_limit.amount if card.monthly_limit is not None else None
    values["blocked_mccs"] = list(card.blocked_mccs)
    values["cash_enabled"] = card.cash_enabled
    values["contactless"] = card.contactless
    values["currency"] = card.account.currency
    return values


def _clean_codes(field: str, value: Any) -> list[str]:
    """The codes of one list, every bad one named in one error, not only the first (SPEC 18, issue 19
    item 6)."""
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,;]+", value) if part]
    if not isinstance(value, list | tuple):
        raise ApplicationError(BAD_LIST, "invalid_control", {"field": field})
    is_mcc = field.endswith("mccs")
    codes: list[str] = []
    bad: list[str] = []
    for raw in value:
        code = str(raw).strip().upper()
        if not (_MCC.fullmatch(code) if is_mcc else _COUNTRY.fullmatch(code) and code in country_codes()):
            bad.append(str(raw)[:10])
        elif code not in codes:
            codes.append(code)
    if bad:
        template = (BAD_MCC if len(bad) == 1 else BAD_MCCS) if is_mcc else (
            BAD_COUNTRY if len(bad) == 1 else BAD_COUNTRIES)
        shown = bad[0] if len(bad) == 1 else ", ".join(repr(code) for code in bad)
        raise ApplicationError(template.format(value=shown), "invalid_control", {"field": field, "bad_codes": bad})
    return sorted(codes)


def country_codes() -> frozenset[str]:
    """The two-letter ISO 3166 codes a merchant's country can have (CLDR's territories, without the
    groupings and private-use codes)."""
    return _COUNTRY_CODES


def _clean_amount(field: str, value: Any, currency: str) -> Decimal | None:
    if value is None or value == "":
        return None
    require_decimal(value)  # a float raises TypeError (DESIGN: money is never a float)
    amount = Decimal(value)
    if amount < 0 or not has_at_most_minor_units(amount, currency):
        raise ApplicationError(BAD_LIMIT.format(currency=currency), "invalid_control", {"field": field})
    return amount


def _clean_count(field: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ApplicationError(BAD_COUNT, "invalid_control", {"field": field})
    return value


def _clean(changes: dict[str, Any], allowed: tuple[str, ...], currency: str) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    bad_lists: dict[str, list[str]] = {}
    for field, value in changes.items():
        if field not in allowed:
            raise ApplicationError(UNKNOWN_CONTROL.format(name=field), "invalid_control", {"field": field})
        if field in LIST_FIELDS:
            try:
                cleaned[field] = _clean_codes(field, value)
            except ApplicationError as exc:  # SPEC 18: every bad code of every list, not only the first
                bad_lists[field] = [exc.message]
        elif field in AMOUNT_FIELDS:
            cleaned[field] = _clean_amount(field, value, currency)
        elif field in COUNT_FIELDS:
            cleaned[field] = _clean_count(field, value)
        else:
            if not isinstance(value, bool):
                raise ApplicationError(BAD_FLAG, "invalid_control", {"field": field})
            cleaned[field] = value
    if len(bad_lists) == 1:
        [(field, [message])] = bad_lists.items()
        raise ApplicationError(message, "invalid_control", {"field": field})
    if bad_lists:
        raise ApplicationError(" ".join(message for [message] in bad_lists.values()), "invalid_control",
                               {"fields": bad_lists})
    return cleaned


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    def shown(value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    return {field: [shown(before.get(field)), shown(value)] for field, value in after.items()
            if before.get(field) != value}


def _raises(before: Any, after: Any) -> bool:
    """A limit is raised when it goes up or goes away; setting one where there was none lowers it."""
    return before is not None and (after is None or after > before)


def _hold_raised_limits(*, company: Company, card: Card | None, before: dict[str, Any], cleaned: dict[str, Any],
                        by: Actor, on: dt.date) -> Any:
    """Take the raised limits out of `cleaned` into a ChangeRequest that waits for a second person
    (SPEC section 17, issue 15 item 5); return the request, or None when no limit goes up."""
    from accounts.change_requests import change_request_open
    from accounts.models import ChangeRequest

    raised = {field: {"before": _json(before.get(field)), "after": _json(cleaned.pop(field))}
              for field in [f for f in cleaned if f in CREDIT_LIMIT_FIELDS and _raises(before.get(f), cleaned[f])]}
    if not raised:
        return None
    kind = ChangeRequest.Kind.CARD_LIMITS if card is not None else ChangeRequest.Kind.COMPANY_LIMITS
    return change_request_open(company=company, card=card, kind=kind, changes=raised, by=by, on=on)


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def company_controls_set(*, company: Company, by: Actor, on: dt.date, approved: bool = False,
                         **changes: Any) -> SpendingControls:
    """Set some of the company's controls (the rest stay); an empty limit removes it (SPEC section 10).

    A higher (or removed) limit waits for a second person unless `approved` (SPEC section 17): it
    opens a ChangeRequest, returned as `row.pending_change`; a lower one applies at once."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="change the spending controls of", what="company")
    cleaned = _clean(changes, CONTROL_FIELDS, company.currency)
    company = Company.objects.select_for_update().get(pk=company.pk)
    row, _created = SpendingControls.objects.get_or_create(company=company)
    pending = None if approved else _hold_raised_limits(
        company=company, card=None, before={field: getattr(row, field) for field in cleaned}, cleaned=cleaned,
        by=by, on=on)
    before = {field: getattr(row, field) for field in cleaned}
    for field, value in cleaned.items():
        setattr(row, field, value)
    row.save()
    changed = _changed(before, cleaned)
    if changed:
        audit_record(by=by, action=AuditEntry.Action.CONTROLS_CHANGED, on=on, company=company, details=changed)
    row.pending_change = pending
    return row


@transaction.atomic
def card_controls_set(*, card: Card, by: Actor, on: dt.date, approved: bool = False, **changes: Any) -> Card:
    """Set some of the card's controls; the monthly limit, blocked MCCs, cash and contactless flags are
    the card's own fields, the rest its SpendingControls row (SPEC sections 3, 10).

    A higher (or removed) limit waits for a second person unless `approved` (SPEC section 17): it
    opens a ChangeRequest, returned as `card.pending_change`; a lower one applies at once."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="change the spending controls of", what="card")
    card = Card.objects.select_for_update().select_related("account__company").get(pk=card.pk)
    company = card.account.company
    cleaned = _clean(changes, CONTROL_FIELDS + CARD_FLAGS, card.account.currency)
    if cleaned.get("cash_enabled") and not company.cash_allowed:
        raise ApplicationError(CASH_NOT_ALLOWED.format(company=company.number), "cash_not_allowed",
                               {"field": "cash_enabled"})
    before = card_controls_view(card)
    pending = None if approved else _hold_raised_limits(company=company, card=card, before=before,
                                                        cleaned=cleaned, by=by, on=on)
    own = {field: value for field, value in cleaned.items() if field in CARD_OWN_FIELDS}
    rest = {field: value for field, value in cleaned.items() if field not in CARD_OWN_FIELDS}
    if own:
        for field, value in own.items():
            if field == "monthly_limit":
                value = Money(value, card.account.currency) if value is not None else None
            setattr(card, field, value)
        # A MoneyField stores its currency in a column of its own, which update_fields must name too.
        card.save(update_fields=[*own, *(["monthly_limit_currency"] if "monthly_limit" in own else [])])
    if rest:
        row, _created = SpendingControls.objects.get_or_create(card=card)
        for field, value in rest.items():
            setattr(row, field, value)
        row.save()
    changed = _changed(before, cleaned)
    if changed:
        audit_record(by=by, action=AuditEntry.Action.CONTROLS_CHANGED, on=on, company=company,
                     account=card.account, card=card, details=changed)
        _card_updated_event(card)
    card.pending_change = pending
    return card


def _card_updated_event(card: Card) -> None:
    """SPEC section 16: card.updated, the card with its controls as they are now, in the change's
    transaction (a raised limit waiting for a second person is no change yet)."""
    from events.models import EventType  # events build on accounts: imported late
    from events.payloads import card_data
    from events.services import event_record

    fresh = Card.objects.select_related("account", "controls").get(pk=card.pk)
    event_record(company_id=fresh.account.company_id, type=EventType.CARD_UPDATED,
                 data={**card_data(fresh), "controls": card_controls_view(fresh)})


def card_controls_copy(*, source: Card, target: Card) -> None:
    """A replacement card keeps the controls of the card it replaces (SPEC section 11)."""
    row = controls_of(source)
    if row is not None:
        values = {field: getattr(row, field) for field in CONTROL_FIELDS}
        SpendingControls.objects.update_or_create(card=target, defaults=values)


# ── Controls as they would be: the preview before saving (SPEC 18, issue 19 item 6) ──────────────


def controls_changes_clean(*, changes: dict[str, Any], card: bool, currency: str) -> dict[str, Any]:
    """Validate changes as company_controls_set (card=False) or card_controls_set (card=True) would,
    without saving anything: the cleaned values, or the ApplicationError naming every bad code."""
    return _clean(changes, CONTROL_FIELDS + (CARD_FLAGS if card else ()), currency)


def _row_with(row: SpendingControls | None, changes: dict[str, Any]) -> SpendingControls | None:
    """A copy of `row` (or a fresh one) with `changes`; never saved."""
    if not changes:
        return row
    changed = SpendingControls(**{field: getattr(row, field) for field in CONTROL_FIELDS}) if row is not None \
        else SpendingControls()
    for field, value in changes.items():
        setattr(changed, field, value)
    return changed


def effective_controls_if(*, card: Card, rules: ProgrammeRules, company_changes: dict[str, Any] | None = None,
                          card_changes: dict[str, Any] | None = None,
                          company_row: SpendingControls | None = None) -> EffectiveControls:
    """The controls that would apply to `card` if these cleaned changes were saved (SPEC sections 10, 18):
    the same tightest-of rules as effective_controls, over copies that are never saved. `company_row` is
    the company's row when the caller read it once for many cards."""
    company_changes, card_changes = company_changes or {}, card_changes or {}
    own = {field: value for field, value in card_changes.items() if field in CARD_OWN_FIELDS}
    rest = {field: value for field, value in card_changes.items() if field not in CARD_OWN_FIELDS}
    if own:
        card = copy.copy(card)
        for field, value in own.items():
            if field == "monthly_limit":
                value = Money(value, card.account.currency) if value is not None else None
            setattr(card, field, value)
    company = card.account.company
    levels = (_row_with(company_row if company_row is not None else controls_of(company), company_changes),
              _row_with(controls_of(card), rest))
    return effective_controls(card=card, levels=levels, rules=rules)


@dataclass(frozen=True)
class ListWithoutEffect:
    """A card's list entry the company's lists override: a country or MCC the card allows that the company
    blocks or does not allow (SPEC 18: "a warning where a card value has no effect")."""

    field: str
    codes: tuple[str, ...]


def card_lists_without_effect(*, card_values: dict[str, Any], company_row: SpendingControls | None,
                              programme_blocked_mccs: Iterable[str] = ()) -> list[ListWithoutEffect]:
    """Codes the card allows that the company blocks, or that fall outside the company's allowed list; and
    codes the card blocks that the company already blocks are harmless, so not named (SPEC 10, 18)."""
    found = []
    for kind in ("mccs", "countries"):
        allowed = list(card_values.get(f"allowed_{kind}") or [])
        if not allowed:
            continue
        blocked = set(getattr(company_row, f"blocked_{kind}", None) or [])
        if kind == "mccs":
            blocked |= set(programme_blocked_mccs)
        company_allowed = set(getattr(company_row, f"allowed_{kind}", None) or [])
        idle = tuple(code for code in allowed if code in blocked or (company_allowed and code not in company_allowed))
        if idle:
            found.append(ListWithoutEffect(f"allowed_{kind}", idle))
    return found
