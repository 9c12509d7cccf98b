"""The issuer's details per market and how a payer's reference is formed (SPEC section 15; PA sheet;
terms §13, §16, §22; issue 16 item 11, issue 19 item 4).

Statements, company statements, reminder letters and the PA guide read the version in force on the
day they are shown: the bank account payments go to (IBAN, BIC), the reference to quote, whom to call
and when, and where to complain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from amexprog.common.errors import ApplicationError
from documents.models import IssuerDetails, IssuerPhoneLine

NO_ISSUER_DETAILS = "No issuer details for market {market} are in force on {on}."
BAD_REFERENCE = "{reference} is not a valid payment reference."
ALWAYS_OPEN = gettext_noop("around the clock, every day")
HOURS = gettext_noop("%(days)s, %(opens)s–%(closes)s")


def issuer_details(*, market: str, on: dt.date) -> IssuerDetails:
    """The latest version effective on or before `on`, with its phone lines (one query each)."""
    issuer = (IssuerDetails.objects.filter(market=market, effective_from__lte=on)
              .order_by("-effective_from").prefetch_related("phone_lines").first())
    if issuer is None:
        # A configuration fault, not a bad request (like missing programme rules).
        raise ApplicationError(NO_ISSUER_DETAILS.format(market=market, on=on), "no_issuer_details", status=503)
    return issuer


def issuer_details_by_market(*, on: dt.date) -> dict[str, IssuerDetails]:
    """Every market's version in force on `on` (markets without one are left out)."""
    found: dict[str, IssuerDetails] = {}
    for issuer in (IssuerDetails.objects.filter(effective_from__lte=on)
                   .order_by("market", "-effective_from").prefetch_related("phone_lines")):
        found.setdefault(issuer.market, issuer)
    return found


# --- the payment reference ------------------------------------------------------------------------

def _luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def _iso7064_mod97(text: str) -> int:
    return int("".join(str(int(char, 36)) for char in text)) % 97


def payment_reference(*, rule: str, number: str) -> str:
    """The reference a payer quotes: from the account number (or, for a centrally billed company, the
    company number), so that the bank's payment file carries the payer back (SPEC section 9).

    `mod10`: the number and a Luhn check digit (account 370000000001 → 3700000000016).
    `iso11649`: the RF creditor reference, in groups of four (370000000001 → RF18 3700 0000 0001)."""
    if rule == IssuerDetails.ReferenceRule.MOD10:
        return number + _luhn_digit(number)
    if rule == IssuerDetails.ReferenceRule.ISO11649:
        check = 98 - _iso7064_mod97(number + "RF00")
        compact = f"RF{check:02d}{number}"
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
    raise ValueError(f"unknown payment reference rule {rule!r}")


def payment_reference_number(*, rule: str, reference: str) -> str:
    """The payer's number back from a quoted reference, its check digits verified; an ApplicationError
    for a reference with a wrong check (a typo must not pay someone else's account)."""
    compact = "".join(reference.split()).upper()
    number = ""
    if rule == IssuerDetails.ReferenceRule.MOD10 and compact.isdigit() and len(compact) > 1:
        number = compact[:-1] if payment_reference(rule=rule, number=compact[:-1]) == compact else ""
    elif rule == IssuerDetails.ReferenceRule.ISO11649 and compact.startswith("RF") and compact[4:].isalnum():
        number = compact[4:] if _iso7064_mod97(compact[4:] + compact[:4]) == 1 else ""
    if not number:
        raise ApplicationError(BAD_REFERENCE.format(reference=reference), "bad_payment_reference")
    return number


# --- what a reader sees ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PhoneLine:
    line: str
    label: str
    phone: str
    hours: str


@dataclass(frozen=True)
class IssuerContact:
    """The issuer's details in one reader's language."""

    market: str
    legal_name: str
    registration: str
    address_lines: tuple[str, ...]
    payee_name: str
    iban: str
    bic: str
    complaint_address_lines: tuple[str, ...]
    phone_lines: tuple[PhoneLine, ...]

    @property
    def iban_grouped(self) -> str:
        return " ".join(self.iban[i:i + 4] for i in range(0, len(self.iban), 4))


def _hours(line: IssuerPhoneLine) -> str:
    if line.opens is None or line.closes is None:
        return _(ALWAYS_OPEN)
    return _(HOURS) % {"days": line.get_days_display(), "opens": formats.time_format(line.opens, "H:i"),
                       "closes": formats.time_format(line.closes, "H:i")}


def issuer_contact(issuer: IssuerDetails, *, language: str) -> IssuerContact:
    with translation.override(language):
        lines = tuple(PhoneLine(line=line.line, label=str(line.get_line_display()), phone=line.phone,
                                hours=_hours(line))
                      for line in sorted(issuer.phone_lines.all(),
                                         key=lambda line: IssuerPhoneLine.Line.values.index(line.line)))
    return IssuerContact(
        market=issuer.market, legal_name=issuer.legal_name, registration=issuer.registration,
        address_lines=tuple(line.strip() for line in issuer.address.splitlines() if line.strip()),
        payee_name=issuer.payee_name, iban=issuer.iban, bic=issuer.bic,
        complaint_address_lines=tuple(line.strip() for line in issuer.complaint_address.splitlines()
                                      if line.strip()),
        phone_lines=lines,
    )
