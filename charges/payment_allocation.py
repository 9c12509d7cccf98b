"""Which statement each payment paid (SPEC section 9, terms §13e; PA sheet: payment allocation).

Nothing is stored: statements.selectors pays billed amounts oldest first from the pool of every
credit (payments net of returns, dispute credits, statements whose billed amount is negative).
Applying the same credits one by one, in the order they arrived, to the same billed amounts oldest
first gives the same unpaid amounts and tells which statement each credit paid; what a credit has
left after every billed amount is paid goes to unbilled postings (or stays as a credit balance).
A returned payment pays nothing, and its return is shown beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Account, Company
from charges.payment_models import Payment
from ledger.models import Posting, PostingKind
from statements.selectors import CREDIT_KINDS, ZERO, Due, account_dues


@dataclass
class Share:
    statement_id: int
    statement_date: dt.date
    due_date: dt.date
    amount: Decimal


@dataclass
class Credit:
    posted_on: dt.date
    kind: str
    description: str
    amount: Decimal  # positive: what the credit pays
    posting_id: int | None
    returned_on: dt.date | None = None
    shares: list[Share] = field(default_factory=list)
    unallocated: Decimal = ZERO  # left for unbilled postings or as a credit balance


@dataclass
class Allocation:
    account: Account
    as_of: dt.date
    dues: list[Due]
    credits: list[Credit]


def account_payment_allocation(*, account: Account, as_of: dt.date) -> Allocation:
    """Every credit of the account up to `as_of` with the statements it paid. Three queries for the
    dues, one for the credits."""
    dues = account_dues(account=account, as_of=as_of)
    postings = list(Posting.objects.filter(account=account, kind__in=CREDIT_KINDS, posting_date__lte=as_of)
                    .order_by("posting_date", "id"))
    returns = {posting.related_id: posting for posting in postings if posting.kind == PostingKind.PAYMENT_RETURN}
    credits: list[Credit] = []
    for posting in postings:
        if posting.kind == PostingKind.PAYMENT_RETURN:
            continue
        returned = returns.get(posting.pk)
        credits.append(Credit(posting.posting_date, posting.kind, posting.description, -posting.amount.amount,
                              posting.pk, returned.posting_date if returned else None))
    for due in dues:
        if due.billed < 0:
            credits.append(Credit(due.statement_date, "credit_statement", "", -due.billed, None))
    credits.sort(key=lambda credit: (credit.posted_on, credit.posting_id or 0))
    left = [max(due.billed, ZERO) for due in dues]
    for credit in credits:
        if credit.returned_on is not None:
            continue
        available = credit.amount
        for index, due in enumerate(dues):
            if available <= 0:
                break
            part = min(available, left[index])
            if part > 0:
                credit.shares.append(Share(due.statement_id, due.statement_date, due.due_date, part))
                left[index] -= part
                available -= part
        credit.unallocated = available
    return Allocation(account=account, as_of=as_of, dues=dues, credits=credits)


@dataclass
class CompanyPaymentRow:
    payment: Payment
    parts: list[tuple[str, str, Decimal]]  # (account number, cardmember name, amount)


def company_payment_queryset(*, company: Company):
    """The company's payments (to the company or to any of its accounts), newest first."""
    from django.db.models import Q

    return (Payment.objects.filter(Q(company=company) | Q(account__company=company))
            .select_related("account", "account__cardmember", "original").order_by("-received_on", "-id"))


def company_payments(*, company: Company, limit: int = 200, payments: list[Payment] | None = None
                     ) -> list[CompanyPaymentRow]:
    """The company's latest payments (or the given ones) with how each was split across accounts (a
    company payment under central billing, SPEC section 9). Two queries."""
    if payments is None:
        payments = list(company_payment_queryset(company=company)[:limit])
    if not payments:
        return []
    days = {payment.received_on for payment in payments}
    postings = (Posting.objects.filter(account__company=company, kind__in=(PostingKind.PAYMENT,
                                                                            PostingKind.PAYMENT_RETURN),
                                       posting_date__in=days)
                .select_related("account__cardmember").order_by("account__number"))
    parts: dict[str, list[tuple[str, str, Decimal]]] = {}
    for posting in postings:
        prefix, _slash, rest = posting.source_key.partition("/")
        payment_id = rest.rpartition("/")[0]
        if prefix in ("payment", "payment-return"):
            parts.setdefault(payment_id, []).append(
                (posting.account.number, posting.account.cardmember.full_name, -posting.amount.amount))
    return [CompanyPaymentRow(payment, parts.get(payment.payment_id, [])) for payment in payments]
