"""How to pay a statement and whether it is paid (SPEC sections 9 and 15; issue 16 item 11, issue 19 item 4).

Every statement and company statement says how to pay — the amount due, the due date, the issuer's
IBAN and BIC and the payer's reference (documents.issuer) — and whom to call, and shows its payment
status on the day it is read:

- **paid**: nothing is left of its amount due;
- **partly paid**: some of it is paid, the rest is not yet due;
- **not yet paid**: nothing is paid and the due date has not passed;
- **overdue**: some of its amount due is unpaid after a due date (paying on the due date is on time);
- **nothing to pay**: the amount due is zero (a zero or credit balance).

The amount due is the full closing balance (a charge card, SPEC section 9). Payments pay the oldest
billed amounts first (statements.selectors), so what is still owed of a statement's amount due is what
is unpaid of its own and every earlier statement's billed amounts, never more than its amount due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from amexprog.common import clock
from amexprog.common.cycle import business_date
from documents.issuer import IssuerContact, issuer_contact, issuer_details_by_market, payment_reference
from documents.models import IssuerDetails
from statements.models import CompanyStatement, Statement
from statements.selectors import Due, dues_for_accounts

ZERO = Decimal("0.00")


class PaymentStatus(models.TextChoices):
    NOTHING_DUE = "nothing_due", _("Nothing to pay")
    PAID = "paid", _("Paid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    UNPAID = "unpaid", _("Not yet paid")
    OVERDUE = "overdue", _("Overdue")


class Payer(models.TextChoices):
    HOLDER = "holder", _("The cardmember")
    COMPANY = "company", _("The company")


@dataclass(frozen=True)
class PaymentInfo:
    """What a reader needs to pay one statement, and how far it is paid on `as_of`."""

    as_of: dt.date
    currency: str
    amount_due: Decimal
    due_date: dt.date
    paid: Decimal
    outstanding: Decimal
    status: str
    status_label: str
    payer: str
    payee_name: str
    iban: str
    bic: str
    reference: str
    issuer: IssuerContact

    @property
    def iban_grouped(self) -> str:
        return self.issuer.iban_grouped

    @property
    def to_pay(self) -> bool:
        return self.outstanding > 0


def reading_day() -> dt.date:
    """The day a document is read on: today, or the first open day after the cycle's last completed day
    when that is later (its payments are already booked on it, SPEC section 9)."""
    today, last = clock.today(), business_date()
    return max(today, last + dt.timedelta(days=1)) if last else today


def _status(*, amount_due: Decimal, outstanding: Decimal, overdue: bool) -> str:
    if amount_due <= 0:
        return PaymentStatus.NOTHING_DUE
    if outstanding <= 0:
        return PaymentStatus.PAID
    if overdue:
        return PaymentStatus.OVERDUE
    return PaymentStatus.PARTLY_PAID if outstanding < amount_due else PaymentStatus.UNPAID


def _owed(dues: list[Due], statement_date: dt.date, amount_due: Decimal, as_of: dt.date) -> tuple[Decimal, bool]:
    """What is still owed of a statement's amount due, and whether any of it is past a due date."""
    earlier = [due for due in dues if due.statement_date <= statement_date and due.unpaid > 0]
    owed = min(sum((due.unpaid for due in earlier), ZERO), max(amount_due, ZERO))
    return max(owed, ZERO), owed > 0 and any(due.due_date < as_of for due in earlier)


def _info(*, issuer: IssuerDetails | None, language: str, as_of: dt.date, currency: str, amount_due: Decimal,
          due_date: dt.date, outstanding: Decimal, overdue: bool, payer: str, number: str) -> PaymentInfo | None:
    if issuer is None:
        return None
    amount_due = max(amount_due, ZERO)
    status = _status(amount_due=amount_due, outstanding=outstanding, overdue=overdue)
    with translation.override(language):
        label = str(PaymentStatus(status).label)
    return PaymentInfo(
        as_of=as_of, currency=currency, amount_due=amount_due, due_date=due_date, paid=amount_due - outstanding,
        outstanding=outstanding, status=status, status_label=label, payer=payer, payee_name=issuer.payee_name,
        iban=issuer.iban, bic=issuer.bic, reference=payment_reference(rule=issuer.reference_rule, number=number),
        issuer=issuer_contact(issuer, language=language),
    )


def statement_payments(statements: Sequence[Statement], *, languages: dict[int, str],
                       as_of: dt.date | None = None) -> dict[int, PaymentInfo | None]:
    """Each statement's payment instructions and status, in its document's language (a fixed number
    of queries for any number of statements). A centrally billed account's statement is paid by its
    company, with the company's reference (SPEC section 9)."""
    if not statements:
        return {}
    as_of = as_of or reading_day()
    issuers = issuer_details_by_market(on=as_of)
    dues = dues_for_accounts(account_ids={statement.account_id for statement in statements}, as_of=as_of,
                             end_of_day=True)
    result: dict[int, PaymentInfo | None] = {}
    for statement in statements:
        company = statement.account.company
        amount_due = max(statement.closing_balance, ZERO)
        outstanding, overdue = _owed(dues[statement.account_id], statement.statement_date, amount_due, as_of)
        central = statement.company_statement_id is not None
        result[statement.pk] = _info(
            issuer=issuers.get(company.market), language=languages[statement.pk], as_of=as_of,
            currency=statement.currency, amount_due=amount_due, due_date=statement.due_date,
            outstanding=outstanding, overdue=overdue, payer=Payer.COMPANY if central else Payer.HOLDER,
            number=company.number if central else statement.account.number)
    return result


def company_statement_payment(company_statement: CompanyStatement, statements: Sequence[Statement], *,
                              language: str, as_of: dt.date | None = None) -> PaymentInfo | None:
    """The company statement's instructions and status (see company_statement_payments)."""
    return company_statement_payments([company_statement], {company_statement.pk: list(statements)},
                                      language=language, as_of=as_of)[company_statement.pk]


def company_statement_payments(company_statements: Sequence[CompanyStatement],
                               statements: dict[int, list[Statement]] | None = None, *, language: str,
                               as_of: dt.date | None = None) -> dict[int, PaymentInfo | None]:
    """Each company statement's instructions and status: what is owed of each of its accounts' amounts
    due, summed, never more than the company's amount due (SPEC section 9: a company payment is allocated
    across its centrally billed accounts, oldest due amount first). A fixed number of queries."""
    if not company_statements:
        return {}
    as_of = as_of or reading_day()
    if statements is None:
        statements = {company_statement.pk: [] for company_statement in company_statements}
        for statement in Statement.objects.filter(company_statement__in=company_statements).only(
                "id", "account_id", "statement_date", "closing_balance", "company_statement_id"):
            statements[statement.company_statement_id].append(statement)
    issuers = issuer_details_by_market(on=as_of)
    dues = dues_for_accounts(account_ids={statement.account_id for rows in statements.values() for statement in rows},
                             as_of=as_of, end_of_day=True)
    result: dict[int, PaymentInfo | None] = {}
    for company_statement in company_statements:
        company = company_statement.company
        amount_due = max(company_statement.closing_balance, ZERO)
        outstanding, overdue = ZERO, False
        for statement in statements[company_statement.pk]:
            owed, late = _owed(dues[statement.account_id], statement.statement_date, statement.closing_balance,
                               as_of)
            outstanding += owed
            overdue = overdue or late
        result[company_statement.pk] = _info(
            issuer=issuers.get(company.market), language=language, as_of=as_of, currency=company_statement.currency,
            amount_due=amount_due, due_date=company_statement.due_date, outstanding=min(outstanding, amount_due),
            overdue=overdue, payer=Payer.COMPANY, number=company.number)
    return result
