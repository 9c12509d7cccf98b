"""Reads of personal charges (terms §12a-ii), scoped through accounts.selectors."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Company
from accounts.selectors import visible_accounts
from amexprog.common.db import from_minor, minor_sum
from liability.models import PersonalCharge


def visible_personal_charges(user) -> QuerySet[PersonalCharge]:
    return PersonalCharge.objects.filter(account__in=visible_accounts(user))


def is_personal() -> Exists:
    """Annotation for a Posting queryset: whether the cardmember declared the charge personal."""
    return Exists(PersonalCharge.objects.filter(posting=OuterRef("pk"), reason=PersonalCharge.Reason.PERSONAL))


def is_reimbursed() -> Exists:
    """Annotation for a Posting queryset: whether the company marked the charge as already reimbursed to
    the cardmember (SPEC section 3; issue 16 item 12)."""
    return Exists(PersonalCharge.objects.filter(posting=OuterRef("pk"), reason=PersonalCharge.Reason.REIMBURSED))


def personal_total(*, company: Company, date_from, date_to,
                   reason: str = PersonalCharge.Reason.PERSONAL) -> Decimal:
    """What the company's cardmembers declared personal among charges posted in the period."""
    total = PersonalCharge.objects.filter(
        account__company=company, posting__posting_date__gte=date_from, posting__posting_date__lte=date_to,
        reason=reason,
    ).aggregate(total=minor_sum("posting__amount"))["total"]
    return from_minor(total)


def company_statement_personal_total(company_statement, *, reason: str = PersonalCharge.Reason.PERSONAL) -> Decimal:
    """What the company statement's cardmembers declared personal (or, with `reason` reimbursed, what the
    company marked as already reimbursed; SPEC section 3, issue 16 item 12) among the charges it bills:
    the company is not liable for it (terms §12a-ii). One query."""
    from django.db.models import F

    total = PersonalCharge.objects.filter(
        account__statements__company_statement=company_statement,
        posting__posting_date__gte=F("account__statements__period_start"),
        posting__posting_date__lte=F("account__statements__statement_date"), reason=reason,
    ).aggregate(total=minor_sum("posting__amount"))["total"]
    return from_minor(total)
