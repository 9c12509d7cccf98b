"""Changes to cardmember and company data and to a company's PAs (SPEC section 3; PA sheet:
cardmember data changes). Every change writes an AuditEntry with the changed fields' values before
and after, in the same transaction (SPEC section 1: every change audited).

Who may change what: a PA of the company (or the company's API token) and issuer ops may change
any of the fields below; a cardmember may change their own contact data, not their cost centre.
New bank details and a new PA wait for a second person (SPEC section 17; accounts.change_requests).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import MARKET_LANGUAGES, AuditEntry, Cardmember, Company, Market, ProgrammeAdministrator
from accounts.notices import contact_change_notify
from amexprog.common import clock
from amexprog.common.errors import ApplicationError

CARDMEMBER_CONTACT_FIELDS = ("email", "phone", "address_line", "postal_code", "city", "country", "language")
CARDMEMBER_FIELDS = (*CARDMEMBER_CONTACT_FIELDS, "cost_centre")
# Fields that carry notices: correcting one clears a returned-mail mark (SPEC section 15).
CONTACT_ROUTE_FIELDS = ("email", "address_line", "postal_code", "city", "country")
COMPANY_FIELDS = ("address_line", "postal_code", "city", "country", "iban", "bic", "authorised_signatories")
# SPEC section 17: these wait for a second person (accounts.change_requests).
BANK_FIELDS = ("iban", "bic")
MAX_LENGTHS = {"phone": 32, "address_line": 200, "postal_code": 20, "city": 100, "cost_centre": 40,
               "email": 254}
MAX_SIGNATORIES = 20

UNKNOWN_FIELD = _("These fields cannot be changed here: %(fields)s.")
FIELD_TOO_LONG = _("At most %(max)d characters.")
EMAIL_INVALID = _("Enter a valid email address.")
COUNTRY_INVALID = _("Enter a two-letter country code, e.g. DK or BE.")
LANGUAGE_INVALID = _("Choose one of the languages of the company's market: %(languages)s.")
IBAN_INVALID = _("This IBAN is not valid: %(reason)s.")
BIC_INVALID = _("This BIC is not valid: %(reason)s.")
BIC_WITHOUT_IBAN = _("Give the IBAN together with the BIC.")
BIC_COUNTRY_MISMATCH = _("The BIC's country (%(bic)s) is not the IBAN's country (%(iban)s).")
SIGNATORIES_INVALID = _("Give between 1 and 20 authorised signatories, one name per line.")
# Issue 15 item 12: one refusal for an ops staff address, an inactive user's and an address several users
# share, so that the answer does not tell a PA whose address it is.
PA_NOT_ALLOWED = _("This address cannot be added as a programme administrator here; ask the card issuer to add "
                   "this programme administrator.")
PA_ALREADY = _("%(email)s is already a programme administrator of this company.")
PA_NOT_FOUND = _("%(email)s is not a programme administrator of this company.")
PA_LAST = _("The company's last programme administrator cannot be removed.")


def _fail(message: Any, code: str, field: str | None = None, **params: Any) -> ApplicationError:
    text = str(message)  # a lazy message, translated into the active language here
    text = text % params if params else text
    return ApplicationError(text, code, {"fields": {field: [text]}} if field else None)


def _clean_text(field: str, value: Any) -> str:
    value = "" if value is None else str(value).strip()
    if len(value) > MAX_LENGTHS.get(field, 200):
        raise _fail(FIELD_TOO_LONG, "invalid", field, max=MAX_LENGTHS.get(field, 200))
    return value


def _clean_cardmember(cardmember: Cardmember, changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "email":
            value = _clean_text(field, value)
            try:
                validate_email(value)
            except ValidationError:
                raise _fail(EMAIL_INVALID, "invalid", field) from None
        elif field == "country":
            value = _clean_text(field, value).upper()
            if len(value) != 2 or not value.isalpha() or not value.isascii():
                raise _fail(COUNTRY_INVALID, "invalid", field)
        elif field == "language":
            languages = MARKET_LANGUAGES[Market(cardmember.company.market)]
            if value not in languages:
                raise _fail(LANGUAGE_INVALID, "invalid", field, languages=", ".join(languages))
        else:
            value = _clean_text(field, value)
        clean[field] = value
    return clean


def _changed(instance, clean: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {field: {"before": getattr(instance, field), "after": value}
            for field, value in clean.items() if getattr(instance, field) != value}


def _refuse_unknown(changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise _fail(UNKNOWN_FIELD, "invalid", None, fields=", ".join(unknown))


@transaction.atomic
def cardmember_update(*, cardmember: Cardmember, by: Actor, on: dt.date | None = None,
                      **changes: Any) -> Cardmember:
    """Change a cardmember's contact data or cost centre; audit the fields that changed.

    Correcting the email or postal address clears a returned-mail mark, so notices are sent again
    (SPEC section 15), and is told to the previous email address (SPEC section 17, issue 15 item 10).
    Nothing changes and nothing is audited when every value is as before.
    """
    require_role(by, (Role.COMPANY, Role.ISSUER, Role.HOLDER), action="change", what="cardmember")
    _refuse_unknown(changes, CARDMEMBER_CONTACT_FIELDS if by.role == Role.HOLDER else CARDMEMBER_FIELDS)
    # Locked so two PAs saving at once each see the other's values as "before".
    cardmember = Cardmember.objects.select_for_update().select_related("company").get(pk=cardmember.pk)
    diff = _changed(cardmember, _clean_cardmember(cardmember, changes))
    if not diff:
        return cardmember
    for field, values in diff.items():
        setattr(cardmember, field, values["after"])
    update_fields = list(diff)
    contact_fields = [field for field in CONTACT_ROUTE_FIELDS if field in diff]
    if contact_fields:  # SPEC section 17, issue 15 item 10: the previous contact hears of it
        contact_change_notify(cardmember=cardmember, fields=contact_fields,
                              old_email=diff["email"]["before"] if "email" in diff else cardmember.email)
    if not cardmember.contact_valid and set(diff) & set(CONTACT_ROUTE_FIELDS):
        diff["contact_valid"] = {"before": False, "after": True}
        cardmember.contact_valid = True
        update_fields.append("contact_valid")
    cardmember.save(update_fields=update_fields)
    account = getattr(cardmember, "account", None)
    audit_record(by=by, action=AuditEntry.Action.CARDMEMBER_UPDATED, on=on or clock.today(),
                 company=cardmember.company, account=account,
                 details={"cardmember": cardmember.pk, "changes": diff})
    return cardmember


def clean_iban(value: str) -> str:
    """The IBAN in compact form, or an ApplicationError saying what is wrong with it."""
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise _fail(IBAN_INVALID, "invalid_iban", "iban", reason=str(exc)) from None


def clean_bic(value: str) -> str:
    try:
        return BIC(value).compact
    except SchwiftyException as exc:
        raise _fail(BIC_INVALID, "invalid_bic", "bic", reason=str(exc)) from None


def clean_signatories(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        raise _fail(SIGNATORIES_INVALID, "invalid", "authorised_signatories")
    names = [str(name).strip() for name in value if str(name).strip()]
    if not 1 <= len(names) <= MAX_SIGNATORIES or any(len(name) > 200 for name in names):
        raise _fail(SIGNATORIES_INVALID, "invalid", "authorised_signatories")
    return names


def _clean_company(company: Company, changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "iban":
            value = clean_iban(value) if str(value or "").strip() else ""
        elif field == "bic":
            value = clean_bic(value) if str(value or "").strip() else ""
        elif field == "authorised_signatories":
            value = clean_signatories(value)
        elif field == "country":
            value = _clean_text(field, value).upper()
            if len(value) != 2 or not value.isalpha() or not value.isascii():
                raise _fail(COUNTRY_INVALID, "invalid", field)
        else:
            value = _clean_text(field, value)
        clean[field] = value
    iban = clean.get("iban", company.iban)
    bic = clean.get("bic", company.bic)
    if bic and not iban:
        raise _fail(BIC_WITHOUT_IBAN, "invalid_bic", "bic")
    if bic and iban and bic[4:6] != iban[:2]:
        raise _fail(BIC_COUNTRY_MISMATCH, "invalid_bic", "bic", bic=bic[4:6], iban=iban[:2])
    return clean


@transaction.atomic
def company_update(*, company: Company, by: Actor, on: dt.date | None = None, **changes: Any) -> Company:
    """Change a company's address, bank details (IBAN and BIC validated) or authorised signatories;
    audit the fields that changed (SPEC section 3). A bad value saves nothing.

    New bank details wait for a second person (SPEC section 17, issue 15 item 5): they open a
    ChangeRequest, returned as `company.pending_change` (None when nothing waits), and the company
    keeps its bank details until another PA or ops approve; the other fields apply at once.
    """
    from accounts.change_requests import change_request_open
    from accounts.models import ChangeRequest

    require_role(by, (Role.COMPANY, Role.ISSUER), action="change", what="company")
    _refuse_unknown(changes, COMPANY_FIELDS)
    company = Company.objects.select_for_update().get(pk=company.pk)
    diff = _changed(company, _clean_company(company, changes))
    bank = {field: diff.pop(field) for field in BANK_FIELDS if field in diff}
    pending = None
    if bank:
        # Both fields go together, so the approved pair is the pair that was validated together.
        for field in BANK_FIELDS:
            bank.setdefault(field, {"before": getattr(company, field), "after": getattr(company, field)})
        pending = change_request_open(company=company, kind=ChangeRequest.Kind.BANK_DETAILS, changes=bank, by=by,
                                      on=on or clock.today())
    if diff:
        for field, values in diff.items():
            setattr(company, field, values["after"])
        company.save(update_fields=list(diff))
        audit_record(by=by, action=AuditEntry.Action.COMPANY_UPDATED, on=on or clock.today(), company=company,
                     details={"changes": diff})
    company.pending_change = pending
    return company


@transaction.atomic
def company_bank_details_apply(*, company: Company, by: Actor, on: dt.date, iban: str, bic: str) -> Company:
    """Give the company the bank details a second person approved (accounts.change_requests); audited
    like any company change, by the approver."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    diff = _changed(company, _clean_company(company, {"iban": iban, "bic": bic}))
    if diff:
        for field, values in diff.items():
            setattr(company, field, values["after"])
        company.save(update_fields=list(diff))
        audit_record(by=by, action=AuditEntry.Action.COMPANY_UPDATED, on=on, company=company,
                     details={"changes": diff})
    return company


def _clean_pa_email(email: str) -> str:
    email = _clean_text("email", email).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _fail(EMAIL_INVALID, "invalid", "email") from None
    return email


def _pa_candidates(email: str) -> list:
    User = get_user_model()
    # A user whose login name is this address counts too: the new user would take it as their login name.
    users = list(User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))[:2])
    # One and the same refusal for a staff address, an inactive user's and a shared one, so the answer
    # does not say whose address it is (issue 15 item 12).
    if len(users) > 1 or (users and (users[0].is_staff or not users[0].is_active)):
        raise _fail(PA_NOT_ALLOWED, "not_allowed", "email")
    return users


@transaction.atomic
def company_pa_add(*, company: Company, email: str, by: Actor, on: dt.date | None = None):
    """Ask for the user with this email to become a PA of the company (PA sheet). A new PA waits for
    a second person (SPEC section 17, issue 15 item 5): this opens and returns a ChangeRequest, and
    company_pa_add_apply makes the PA once another PA or ops approve.

    Any well-formed address is asked for alike, whoever it belongs to: whether it is an ops user's, an
    inactive user's or shared is checked only when the change applies, so the answer to the asker never
    tells (issue 15 item 12). An address already a PA of this company is refused at once (the asker
    sees the company's PAs anyway)."""
    from accounts.change_requests import change_request_open
    from accounts.models import ChangeRequest

    require_role(by, (Role.COMPANY, Role.ISSUER), action="add a programme administrator to", what="company")
    email = _clean_pa_email(email)
    if company.administrators.filter(Q(user__email__iexact=email) | Q(user__username__iexact=email)).exists():
        raise _fail(PA_ALREADY, "already_administrator", "email", email=email)
    return change_request_open(company=company, kind=ChangeRequest.Kind.PA_ADD,
                               changes={"email": {"before": None, "after": email}}, by=by, on=on or clock.today())


@transaction.atomic
def company_pa_add_apply(*, company: Company, email: str, by: Actor,
                         on: dt.date | None = None) -> ProgrammeAdministrator:
    """Make the user with this email a PA of the company (PA sheet), or a new portal user without a
    password (they set one through password reset) when nobody has the address yet. Ops staff and
    inactive users cannot be added; a PA of other companies keeps them. Called when a second person
    approves the request company_pa_add opened (accounts.change_requests)."""
    email = _clean_pa_email(email)
    company = Company.objects.select_for_update().get(pk=company.pk)
    User = get_user_model()
    users = _pa_candidates(email)
    if users:
        user = users[0]
    else:
        user = User(username=email[:150], email=email)
        user.set_unusable_password()
        user.save()
    pa, created = ProgrammeAdministrator.objects.get_or_create(user=user)
    if not created and pa.companies.filter(pk=company.pk).exists():
        raise _fail(PA_ALREADY, "already_administrator", "email", email=email)
    pa.companies.add(company)
    pa.save(update_fields=["updated_at"])  # a PA new to this company is news to its `updated_after` sync (SPEC 16)
    audit_record(by=by, action=AuditEntry.Action.PA_ADDED, on=on or clock.today(), company=company,
                 details={"email": email, "user": user.pk, "new_user": not users})
    return pa


@transaction.atomic
def company_pa_remove(*, company: Company, email: str, by: Actor, on: dt.date | None = None) -> None:
    """Take a PA off the company (their other companies stay); never the last one."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="remove a programme administrator from", what="company")
    email = str(email or "").strip().lower()
    # Locked so two PAs removing each other at once cannot leave the company without one.
    company = Company.objects.select_for_update().get(pk=company.pk)
    pas = list(company.administrators.select_related("user").filter(user__email__iexact=email))
    if not pas:
        raise _fail(PA_NOT_FOUND, "not_found", "email", email=email)
    if company.administrators.count() <= len(pas):
        raise _fail(PA_LAST, "last_administrator", "email")
    for pa in pas:
        pa.companies.remove(company)
    audit_record(by=by, action=AuditEntry.Action.PA_REMOVED, on=on or clock.today(), company=company,
                 details={"email": email, "users": [pa.user_id for pa in pas]})
