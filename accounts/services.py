"""Every write to companies, cardmembers, accounts, cards and API tokens (SPEC sections 3, 11)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from moneyed import Money
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accounts.authentication import hash_key
from accounts.models import (
    EUROBONUS_NUMBER_PATTERN,
    MAX_ANNUAL_FEE_DKK,
    Account,
    ApiToken,
    BillingType,
    Card,
    Cardmember,
    Company,
    Liability,
    Market,
    ProgrammeAdministrator,
)
from accounts.pan import generate_pan, luhn_check_digit, pan_hash
from accounts.rules import programme_rules
from amexprog.common.errors import ApplicationError
from amexprog.common.money import require_decimal
from events.models import EventType
from events.payloads import card_data
from events.services import event_record as outbox_record

ANNUAL_FEE_TOO_HIGH = "The annual card fee may be at most DKK 650 (terms §9)."
INVALID_IBAN = "The IBAN is not valid: {reason}"
INVALID_BIC = "The BIC is not valid: {reason}"
UNKNOWN_MARKET = "Unknown market {market!r}; expected DK or BE."
TOKEN_SCOPE_MISMATCH = ("A {kind} token cannot have the scope {scope!r}: network tokens are scoped `network`, company "
                        "and ops tokens `read-only` or `read-write`.")
TOKEN_NOT_FOUND = "No API token has this key or prefix."
TOKEN_PREFIX_AMBIGUOUS = "Several API tokens share this prefix: give the whole key."
OPS_TOKEN_NEEDS_OPS_USER = "An ops token acts as an active ops (staff) user: name one."
BAD_CYCLE_DAY = "The statement cycle day must be 1–28, or 31 for the last day of the month."
WRONG_CURRENCY = "Amounts for a {market} company are in {currency}, not {given}."
CARDMEMBER_EXISTS = "Company {company} already has a cardmember with employee id {employee_id}."
ACCOUNT_EXISTS = "This cardmember already has an account."
COMPANY_NOT_ACTIVE = "Company {company} is terminated; no new accounts or cards can be opened."
ACCOUNT_NOT_OPEN = "Account {account} is {status}; no card can be issued on it."
CASH_NOT_ALLOWED = "Company {company} does not allow cash withdrawals, so no card can be cash-enabled."
EUROBONUS_NOT_ALLOWED = "Company {company} does not allow SAS EuroBonus, so no EuroBonus number can be given."
BAD_EUROBONUS_NUMBER = "{value!r} is not a EuroBonus number (9–12 letters and digits, e.g. EBS123456789)."


def _validated_iban_bic(iban: str, bic: str) -> tuple[str, str]:
    if iban:
        try:
            iban = str(IBAN(iban))
        except SchwiftyException as exc:
            raise ApplicationError(INVALID_IBAN.format(reason=exc), "invalid_iban", {"field": "iban"}) from exc
    if bic:
        try:
            bic = str(BIC(bic))
        except SchwiftyException as exc:
            raise ApplicationError(INVALID_BIC.format(reason=exc), "invalid_bic", {"field": "bic"}) from exc
    return iban, bic


def _require_money(value: Money, currency: str, market: str) -> None:
    require_decimal(value.amount)
    if str(value.currency) != currency:
        raise ApplicationError(
            WRONG_CURRENCY.format(market=market, currency=currency, given=value.currency), "wrong_currency"
        )


@transaction.atomic
def company_create(
    *,
    number: str,
    legal_name: str,
    vat_number: str,
    market: str = Market.DK,
    billing_type: str = BillingType.INDIVIDUAL,
    default_liability: str = Liability.CORPORATE,
    credit_limit: Money,
    annual_fee: Money,
    cash_allowed: bool = False,
    eurobonus_allowed: bool = False,
    payment_terms_days: int = 28,
    address_line: str = "",
    postal_code: str = "",
    city: str = "",
    country: str = "",
    iban: str = "",
    bic: str = "",
    authorised_signatories: list[str] | None = None,
) -> Company:
    """Onboard a company (SPEC sections 3, 11)."""
    if market not in Market.values:
        raise ApplicationError(UNKNOWN_MARKET.format(market=market), "unknown_market")
    currency = {"DK": "DKK", "BE": "EUR"}[market]
    _require_money(credit_limit, currency, market)
    _require_money(annual_fee, currency, market)
    if market == Market.DK and annual_fee.amount > MAX_ANNUAL_FEE_DKK:
        raise ApplicationError(ANNUAL_FEE_TOO_HIGH, "annual_fee_too_high", {"field": "annual_fee"})
    iban, bic = _validated_iban_bic(iban, bic)
    company = Company(
        number=number,
        legal_name=legal_name,
        vat_number=vat_number,
        market=market,
        billing_type=billing_type,
        default_liability=default_liability,
        credit_limit=credit_limit,
        annual_fee=annual_fee,
        cash_allowed=cash_allowed,
        eurobonus_allowed=eurobonus_allowed,
        payment_terms_days=payment_terms_days,
        address_line=address_line,
        postal_code=postal_code,
        city=city,
        country=country or market,
        iban=iban,
        bic=bic,
        authorised_signatories=authorised_signatories or [],
    )
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def programme_administrator_create(
    *, username: str, email: str, password: str | None, companies: list[Company], first_name: str = "",
    last_name: str = "", language: str = "en",
) -> ProgrammeAdministrator:
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, first_name=first_name, last_name=last_name
    )
    pa = ProgrammeAdministrator.objects.create(user=user, language=language)
    pa.companies.set(companies)
    return pa


@transaction.atomic
def cardmember_create(
    *,
    company: Company,
    employee_id: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    cost_centre: str = "",
    address_line: str = "",
    postal_code: str = "",
    city: str = "",
    country: str = "",
    language: str = "",
) -> Cardmember:
    if Cardmember.objects.filter(company=company, employee_id=employee_id).exists():
        raise ApplicationError(
            CARDMEMBER_EXISTS.format(company=company.number, employee_id=employee_id), "cardmember_exists"
        )
    cardmember = Cardmember(
        company=company, employee_id=employee_id, first_name=first_name, last_name=last_name, email=email,
        phone=phone, cost_centre=cost_centre, address_line=address_line, postal_code=postal_code, city=city,
        country=country or company.country, language=language or ("da" if company.market == Market.DK else "nl"),
    )
    cardmember.full_clean(exclude=["user"])
    cardmember.save()
    return cardmember


def _new_account_number() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(11))
    return body + luhn_check_digit(body)


@transaction.atomic
def account_open(
    *,
    cardmember: Cardmember,
    opened_on: dt.date,
    liability: str | None = None,
    billing_type: str | None = None,
    cycle_day: int | None = None,
) -> Account:
    """Open the cardmember's account with the company (SPEC section 3: one per cardmember). A centrally
    billed account takes the company's cycle day (SPEC 9, accounts.cycle_day)."""
    from accounts.cycle_day import account_cycle_day_for

    company = cardmember.company
    if company.status != Company.Status.ACTIVE:
        raise ApplicationError(COMPANY_NOT_ACTIVE.format(company=company.number), "company_not_active")
    if Account.objects.filter(cardmember=cardmember).exists():
        raise ApplicationError(ACCOUNT_EXISTS, "account_exists")
    billing_type = billing_type or company.billing_type
    cycle_day = account_cycle_day_for(company=company, billing_type=billing_type, asked=cycle_day)
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Account.objects.create(
                    number=_new_account_number(),
                    company=company,
                    cardmember=cardmember,
                    liability=liability or company.default_liability,
                    billing_type=billing_type,
                    currency=company.currency,
                    cycle_day=cycle_day,
                    opened_on=opened_on,
                )
        except IntegrityError:
            continue  # an account number collision; draw again
    raise RuntimeError("could not draw a unique account number")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def card_expiry(issued_on: dt.date, months: int) -> dt.date:
    """Last day of the month `months` after issue (the programme's card_validity_months, SPEC section 3)."""
    later = add_months(issued_on.replace(day=1), months)
    return later.replace(day=calendar.monthrange(later.year, later.month)[1])


@dataclass(frozen=True)
class IssuedCard:
    """A newly issued card and its full number: the number lives only as long as this object."""

    card: Card
    pan: str

    def __repr__(self) -> str:  # never let the full PAN reach a log via repr()
        return f"IssuedCard(card={self.card.pk}, last4={self.card.last4})"


@transaction.atomic
def card_issue(
    *,
    account: Account,
    issued_on: dt.date,
    replaces: Card | None = None,
    contactless: bool = True,
    cash_enabled: bool = False,
    monthly_limit: Money | None = None,
) -> IssuedCard:
    """Issue a card with a freshly generated PAN (SPEC sections 3, 11)."""
    # An account in default or suspended still gets replacement and renewal cards; the
    # authorization decides whether they can be used (SPEC sections 9, 10).
    if account.status not in (Account.Status.ACTIVE, Account.Status.SUSPENDED, Account.Status.IN_DEFAULT):
        raise ApplicationError(ACCOUNT_NOT_OPEN.format(account=account.number, status=account.status),
                               "account_not_open")
    if monthly_limit is not None:
        _require_money(monthly_limit, account.currency, account.company.market)
    status = Card.Status.ORDERED if account.company.requires_activation else Card.Status.ACTIVE
    validity = programme_rules(market=account.company.market, on=issued_on).card_validity_months
    for _attempt in range(10):
        pan = generate_pan()
        try:
            with transaction.atomic():
                card = Card.objects.create(
                    account=account,
                    pan_hash=pan_hash(pan),
                    last4=pan[-4:],
                    expiry=card_expiry(issued_on, validity),
                    status=status,
                    replaces=replaces,
                    contactless=contactless,
                    cash_enabled=cash_enabled and account.company.cash_allowed,
                    monthly_limit=monthly_limit,
                    issued_on=issued_on,
                    status_changed_on=issued_on,
                )
            # SPEC section 16: card.issued, in the issue's transaction (never the number: id and last four).
            outbox_record(company_id=account.company_id, type=EventType.CARD_ISSUED, data=card_data(card))
            return IssuedCard(card=card, pan=pan)
        except IntegrityError:
            continue  # a PAN collision (1 in 10^12); draw again
    raise RuntimeError("could not draw a unique card number")


def card_find_by_pan(pan: str) -> Card | None:
    return Card.objects.select_related("account", "account__company").filter(pan_hash=pan_hash(pan)).first()


@transaction.atomic
def _new_key() -> str:
    """A random key that does not start with "-": a shell or `revoke_token KEY_OR_PREFIX` would read
    such a key (or its prefix) as an option."""
    key = secrets.token_urlsafe(32)
    while key.startswith("-"):
        key = secrets.token_urlsafe(32)
    return key


def api_token_create(*, name: str, kind: str, company: Company | None = None, scope: str | None = None,
                     created_by=None, user=None) -> tuple[ApiToken, str]:
    """Create an API token; returns it with its key, which is shown once and never stored.

    Its scope (SPEC sections 16, 17; issue 15 item 12): a network token's is `network` and only a network
    token's; a company or ops token is read-write unless created read-only. An ops token names the ops
    user whose permissions it carries (SPEC section 17, issue 15 item 3).
    """
    if kind == ApiToken.Kind.OPS and (user is None or not user.is_active or not user.is_staff):
        raise ApplicationError(OPS_TOKEN_NEEDS_OPS_USER, "ops_token_needs_ops_user")
    if scope is None:
        scope = ApiToken.Scope.NETWORK if kind == ApiToken.Kind.NETWORK else ApiToken.Scope.READ_WRITE
    if (kind == ApiToken.Kind.NETWORK) != (scope == ApiToken.Scope.NETWORK) or scope not in ApiToken.Scope.values:
        raise ApplicationError(TOKEN_SCOPE_MISMATCH.format(kind=kind, scope=scope), "invalid_scope")
    key = _new_key()
    token = ApiToken(name=name, kind=kind, company=company, scope=scope, key_hash=hash_key(key), prefix=key[:8],
                     created_by=created_by, user=user if kind == ApiToken.Kind.OPS else None)
    token.full_clean(exclude=["created_by"])
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, at: dt.datetime, by=None) -> ApiToken:
    """Revoke a token for good (SPEC section 17; issue 15 item 12): from `at` on every call with its key
    answers 401. Revoking a revoked token changes nothing (its first revocation stands)."""
    # Locked so that two ops revoking at once record one revocation, not the later one's time.
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = at
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_find(*, key_or_prefix: str) -> ApiToken:
    """The token with this key, or with this 8-character prefix (as the admin lists it)."""
    if len(key_or_prefix) > 8:
        token = ApiToken.objects.filter(key_hash=hash_key(key_or_prefix)).first()
        if token is None:
            raise ApplicationError(TOKEN_NOT_FOUND, "not_found", status=404)
        return token
    matches = list(ApiToken.objects.filter(prefix=key_or_prefix)[:2])
    if not matches:
        raise ApplicationError(TOKEN_NOT_FOUND, "not_found", status=404)
    if len(matches) > 1:
        raise ApplicationError(TOKEN_PREFIX_AMBIGUOUS, "ambiguous")
    return matches[0]



@dataclass(frozen=True)
class CardOrder:
    """One card order (a Central Order Card row, SPEC section 11), already parsed."""

    employee_id: str
    first_name: str
    last_name: str
    email: str
    cost_centre: str = ""
    phone: str = ""
    language: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    liability: str = ""
    billing: str = ""
    cycle_day: int | None = None  # None: the company's day (central billing) or the 1st (SPEC 9)
    monthly_limit: Money | None = None
    cash_enabled: bool = False
    eurobonus_number: str = ""


def eurobonus_number_normalised(value: str) -> str:
    """`ebs 123 456 789` → `EBS123456789`; raises ValueError when it cannot be a EuroBonus number."""
    number = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(EUROBONUS_NUMBER_PATTERN, number):
        raise ValueError(BAD_EUROBONUS_NUMBER.format(value=value))
    return number


@transaction.atomic
def cardmember_enrol_eurobonus(*, cardmember: Cardmember, number: str, on: dt.date) -> Cardmember:
    """Enrol the cardmember in SAS EuroBonus from `on` (SPEC sections 11, 13).

    The company's approval is its `eurobonus_allowed` programme setting. The enrolment itself (fee,
    points, suspension) is the rewards app's; it also fills in the two fields on the cardmember.
    """
    from rewards.services import enrolment_enrol_by_card_order  # rewards builds on accounts; import late

    enrolment_enrol_by_card_order(account=cardmember.account, member_number=number, on=on)
    cardmember.refresh_from_db(fields=["eurobonus_number", "eurobonus_enrolled_on"])
    return cardmember


@transaction.atomic
def card_order(*, company: Company, order: CardOrder, issued_on: dt.date) -> IssuedCard:
    """Order a card for a new cardmember: cardmember, account and card in one transaction (SPEC §11).

    A EuroBonus number on the order enrols the cardmember on the issue date. Asking for cash on a
    company that does not allow it is refused rather than silently ignored.
    """
    if order.cash_enabled and not company.cash_allowed:
        raise ApplicationError(CASH_NOT_ALLOWED.format(company=company.number), "cash_not_allowed",
                               {"field": "cash_enabled"})
    cardmember = cardmember_create(
        company=company, employee_id=order.employee_id, first_name=order.first_name, last_name=order.last_name,
        email=order.email, phone=order.phone, cost_centre=order.cost_centre, address_line=order.address_line,
        postal_code=order.postal_code, city=order.city, country=order.country, language=order.language,
    )
    account = account_open(
        cardmember=cardmember, opened_on=issued_on, liability=order.liability or None,
        billing_type=order.billing or None, cycle_day=order.cycle_day,
    )
    if order.eurobonus_number:
        cardmember_enrol_eurobonus(cardmember=cardmember, number=order.eurobonus_number, on=issued_on)
    return card_issue(account=account, issued_on=issued_on, cash_enabled=order.cash_enabled,
                      monthly_limit=order.monthly_limit)
