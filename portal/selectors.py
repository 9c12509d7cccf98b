from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import Account, Company
from accounts.selectors import visible_companies


def pa_companies(user) -> QuerySet[Company]:
    """The companies on a PA's home page, with their account counts (one query)."""
    return (
        visible_companies(user)
        .filter(administrators__user=user)
        .annotate(account_count=Count("accounts", distinct=True))
        .order_by("number")
    )


def cardmember_accounts(user) -> QuerySet[Account]:
    return (
        Account.objects.filter(cardmember__user=user)
        .select_related("company", "cardmember")
        .prefetch_related("cards")
        .order_by("number")
    )
