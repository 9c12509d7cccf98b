"""Reads of complaints, scoped by who asks (SPEC section 1): a holder sees the complaints they made; a PA
or company token its companies' complaints except holders' own; ops (view permission or ops token) all."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.authentication import ApiClient
from accounts.roles import ops_may
from accounts.selectors import visible_companies
from complaints.models import Complaint


def is_complaints_ops(user) -> bool:
    """Ops who may read complaints: `complaints.view_complaint` (SPEC section 17)."""
    return ops_may(user, "complaints.view_complaint")


def visible_complaints(user) -> QuerySet[Complaint]:
    if is_complaints_ops(user):
        return Complaint.objects.all()
    scope = Q(company__in=visible_companies(user), by_holder=False)
    if not isinstance(user, ApiClient) and getattr(user, "is_authenticated", False):
        scope |= Q(by_holder=True, opened_by_user=user)
    return Complaint.objects.filter(scope)


def overdue_complaints() -> QuerySet[Complaint]:
    """What ops must answer now: open complaints flagged past their due date."""
    return Complaint.objects.filter(status=Complaint.Status.OPEN, overdue_since__isnull=False)
