"""Reads of disputes and refund requests, always scoped by who asks (SPEC section 1): a PA or company
token sees its companies' cases, a cardmember their own, ops everything; anything else is a 404."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from accounts.selectors import visible_accounts
from amexprog.common.db import from_minor, minor_sum
from disputes.models import Dispute, RefundRequest, UnauthorizedUseIncident
from ledger.models import Posting, PostingKind
from statements.models import Statement

# The postings a holder can dispute or ask a refund of: charges (SPEC section 5).
DISPUTABLE_KINDS = (PostingKind.PURCHASE, PostingKind.CASH)
# The charge's own fees, credited pro rata with it.
CHARGE_FEE_KINDS = (PostingKind.FEE_FX, PostingKind.FEE_CASH)


def visible_disputes(user) -> QuerySet[Dispute]:
    return Dispute.objects.filter(account__in=visible_accounts(user))


def visible_refund_requests(user) -> QuerySet[RefundRequest]:
    return RefundRequest.objects.filter(account__in=visible_accounts(user))


def visible_incidents(user) -> QuerySet[UnauthorizedUseIncident]:
    return UnauthorizedUseIncident.objects.filter(account__in=visible_accounts(user))


def visible_charges(user) -> QuerySet[Posting]:
    """The charges the caller may dispute: purchases and cash on the accounts they see."""
    return Posting.objects.filter(account__in=visible_accounts(user), kind__in=DISPUTABLE_KINDS)


def charge_statement(charge: Posting) -> Statement | None:
    """The statement that billed the charge, or None while it is unbilled."""
    return (
        Statement.objects.filter(account_id=charge.account_id, period_start__lte=charge.posting_date,
                                 statement_date__gte=charge.posting_date)
        .order_by("statement_date")
        .first()
    )


def charge_fees(charge: Posting) -> list[Posting]:
    return list(Posting.objects.filter(related=charge, kind__in=CHARGE_FEE_KINDS).order_by("id"))


def charge_disputable_amount(charge: Posting) -> Decimal:
    """What is left to dispute: the charge less its merchant refunds and the disputes that still
    hold (open, investigating or won) — a withdrawn or lost dispute frees its amount again."""
    refunded = from_minor(
        Posting.objects.filter(related=charge, kind=PostingKind.REFUND).aggregate(total=minor_sum("amount"))["total"]
    )
    disputed = from_minor(
        Dispute.objects.filter(charge=charge)
        .exclude(status__in=[Dispute.Status.WITHDRAWN, Dispute.Status.LOST])
        .aggregate(total=minor_sum("amount"))["total"]
    )
    return max(charge.amount.amount + refunded - disputed, Decimal("0.00"))


def open_temporary_credit(*, account) -> Decimal:
    """The temporary dispute credits of `account` still provisional (SPEC sections 12, 17; issue 15
    item 5): credited at once (terms §22g) on disputes not yet resolved, so not the holder's to take
    out. A resolved dispute's credit either stands (won) or was re-debited (lost, withdrawn)."""
    credited = (Dispute.objects.filter(account=account, status__in=Dispute.ACTIVE, credit_posting__isnull=False)
                .values_list("amount", "fee_amount"))
    return sum((amount + fees for amount, fees in credited), Decimal("0"))
