"""Demo data for `manage.py seed_demo` (issue 2). Idempotent: running it twice creates nothing new.

Named people follow DESIGN "Tests": alice is PA of company A (10001), bob a cardmember of A,
carol PA of company B (10002) who sees nothing of A; emma is PA of the Belgian company (20001).
The Belgian fee amounts are demo amounts: the sources give none (SPEC section 2).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from moneyed import Money

from accounts.models import Account, Cardmember, Company, ProgrammeAdministrator
from accounts.services import (
    account_open,
    card_issue,
    cardmember_create,
    company_create,
    programme_administrator_create,
)

DEMO_PASSWORD = "demo-pass-2026"
# The demo PAs and the demo ops user log in with a second factor (TOTP) like real ones. Their devices share
# this published key, so anyone can compute the code: add DEMO_TOTP_SECRET to an authenticator app, or run
# `manage.py demo_otp_code`. Demo only: real users enrol their own secret on first login.
DEMO_TOTP_KEY = b"amexprog-demo-totp!!".hex()
DEMO_TOTP_SECRET = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode("ascii")
# emma has no device: her first login shows the real enrolment (key, otpauth:// link, QR code).
DEMO_TOTP_USERS = ("admin", "alice", "carol")
# Demo cards are issued on this day; the demo history runs from it (accounts/demo_history.py).
DEMO_START = dt.date(2026, 8, 3)

COMPANIES = [
    dict(number="10001", legal_name="Nordlys Energi A/S", vat_number="DK12345678", market="DK",
         billing_type="central", default_liability="corporate", credit_limit=Money("2000000.00", "DKK"),
         annual_fee=Money("650.00", "DKK"), cash_allowed=True, eurobonus_allowed=True,
         address_line="Havnegade 12", postal_code="1058", city="København K", country="DK",
         iban="DK5000400440116243", bic="DABADKKK", authorised_signatories=["Mette Nordlys (CFO)"]),
    dict(number="10002", legal_name="Fjordbyg ApS", vat_number="DK87654321", market="DK",
         billing_type="individual", default_liability="joint", credit_limit=Money("500000.00", "DKK"),
         annual_fee=Money("450.00", "DKK"), cash_allowed=False, eurobonus_allowed=False,
         address_line="Strandvejen 4", postal_code="8000", city="Aarhus C", country="DK",
         iban="DK5000400440116243", bic="DABADKKK", authorised_signatories=["Jens Fjord (CEO)"]),
    dict(number="20001", legal_name="Brabant Logistics NV (demo fee amounts)", vat_number="BE0123456749",
         market="BE", billing_type="individual", default_liability="corporate",
         credit_limit=Money("250000.00", "EUR"), annual_fee=Money("55.00", "EUR"), cash_allowed=True,
         eurobonus_allowed=False, address_line="Meir 50", postal_code="2000", city="Antwerpen", country="BE",
         iban="BE68539007547034", bic="GEBABEBB", authorised_signatories=["Pieter Janssens (CFO)"]),
]

PAS = [
    dict(username="alice", first_name="Alice", last_name="Andersen", email="alice@nordlys.example",
         companies=["10001"], language="da"),
    dict(username="carol", first_name="Carol", last_name="Christensen", email="carol@fjordbyg.example",
         companies=["10002"], language="en"),
    dict(username="emma", first_name="Emma", last_name="Peeters", email="emma@brabant.example",
         companies=["20001"], language="nl"),
]

# (company, employee id, first, last, language, login username or None, cycle day)
# Company 10001 bills centrally: its accounts all take its one cycle day, the 5th (SPEC 9, issue 19 item 4).
CARDMEMBERS = [
    ("10001", "E-001", "Bob", "Jensen", "da", "bob", 5),
    ("10001", "E-002", "Freja", "Holm", "da", None, 5),
    ("10001", "E-003", "Karl", "Madsen", "en", None, 5),
    ("10001", "E-004", "Sofie", "Larsen", "da", None, 5),
    ("10002", "F-101", "Dina", "Poulsen", "da", "dina", 10),
    ("10002", "F-102", "Mads", "Kristensen", "da", None, 10),
    ("20001", "B-201", "Lotte", "Maes", "nl", "lotte", 15),
    ("20001", "B-202", "Julien", "Dubois", "fr", None, 15),
]


@dataclass
class SeedResult:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    # Full numbers of the cards issued by this run, kept in memory for the demo history only.
    pans: dict[int, str] = field(default_factory=dict, repr=False)


@transaction.atomic
def demo_seed(*, on: dt.date) -> SeedResult:
    result = SeedResult()
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@amexprog.example", DEMO_PASSWORD)
        result.created.append("superuser admin")
    result.logins.append(("admin", "ops (Django admin at /admin/)"))

    from fees.models import ReferenceRate

    if not ReferenceRate.objects.exists():
        # SPEC section 8's illustration, clearly not real data: load the real rates with load_reference_rates.
        ReferenceRate.objects.create(effective_date=dt.date(2025, 7, 1), rate_percent=Decimal("1.60"))
        result.created.append("illustrative reference interest rate 1.60 % from 2025-07-01 (SPEC section 8)")

    companies: dict[str, Company] = {}
    for spec in COMPANIES:
        company = Company.objects.filter(number=spec["number"]).first()
        if company is None:
            company = company_create(**spec)
            result.created.append(f"company {company}")
        companies[company.number] = company

    for spec in PAS:
        if not ProgrammeAdministrator.objects.filter(user__username=spec["username"]).exists():
            programme_administrator_create(
                username=spec["username"], email=spec["email"], password=DEMO_PASSWORD,
                first_name=spec["first_name"], last_name=spec["last_name"], language=spec["language"],
                companies=[companies[number] for number in spec["companies"]],
            )
            result.created.append(f"programme administrator {spec['username']}")
        result.logins.append((spec["username"], "PA of " + ", ".join(spec["companies"])))

    for number, employee_id, first, last, language, username, cycle_day in CARDMEMBERS:
        company = companies[number]
        cardmember = Cardmember.objects.filter(company=company, employee_id=employee_id).first()
        if cardmember is None:
            cardmember = cardmember_create(
                company=company, employee_id=employee_id, first_name=first, last_name=last,
                email=f"{first.lower()}.{last.lower()}@example.com", language=language,
                cost_centre="CC-100", address_line="Demo street 1", postal_code="1000", city=company.city,
            )
            account = account_open(cardmember=cardmember, opened_on=on, cycle_day=cycle_day)
            issued = card_issue(account=account, issued_on=on, cash_enabled=company.cash_allowed,
                                monthly_limit=Money(Decimal("50000.00") if company.market == "DK" else
                                                    Decimal("7500.00"), company.currency))
            result.pans[account.pk] = issued.pan
            result.created.append(f"cardmember {cardmember} with account {account.number}, "
                                  f"card ending {issued.card.last4}")
        if username:
            if cardmember.user is None:
                cardmember.user = User.objects.create_user(
                    username=username, email=cardmember.email, password=DEMO_PASSWORD,
                    first_name=first, last_name=last,
                )
                cardmember.save(update_fields=["user"])
            account = Account.objects.get(cardmember=cardmember)
            result.logins.append((username, f"cardmember, account {account.number} ({number})"))
    result.created += _demo_terms_accepted(on=on)
    for user in User.objects.filter(username__in=DEMO_TOTP_USERS):
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
            result.created.append(f"demo TOTP device for {user.username}")
    from rewards.demo import eurobonus_demo_seed  # rewards builds on accounts; import late

    result.created += eurobonus_demo_seed(on=on)
    return result


# Who of the demo cardmembers has accepted the terms in force (terms §1): lotte has not, so her portal
# asks her to, and the PAs' "Terms accepted" pages show both cases.
DEMO_TERMS_ACCEPTED = ("bob", "dina")


def _demo_terms_accepted(*, on: dt.date) -> list[str]:
    from django.utils import timezone

    from documents.models import TermsAcceptance
    from documents.selectors import terms_in_force
    from documents.services import terms_accept

    terms = terms_in_force(on=on)
    if terms is None:
        return []
    created = []
    at = timezone.make_aware(dt.datetime.combine(on, dt.time(9, 0)))
    for cardmember in Cardmember.objects.filter(user__username__in=DEMO_TERMS_ACCEPTED):
        if not TermsAcceptance.objects.filter(cardmember=cardmember, terms=terms).exists():
            terms_accept(cardmember=cardmember, terms=terms, at=at)
            created.append(f"{cardmember} accepted the terms, version {terms.version}")
    return created
