from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Account, Company, ProgrammeAdministrator
from accounts.roles import is_ops
from accounts.selectors import visible_companies
from amexprog.common import clock
from amexprog.common.cycle import business_date


def pa_or_ops_or_404(user) -> None:
    """PA pages and the PA guide are for PAs and ops only: a cardmember gets a 404, as for any page that
    is not theirs (SPEC sections 1, 18; issue 19 item 7)."""
    if not (is_ops(user) or ProgrammeAdministrator.objects.filter(user=user).exists()):
        raise Http404


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


def administered_company_or_404(user, number: str) -> Company:
    """The company `number` if `user` administers it; any other number is a 404, exactly like one that
    does not exist (a PA cannot learn which company numbers exist)."""
    companies = visible_companies(user).filter(administrators__user=user)
    return get_object_or_404(companies, number=number)


def issue_date() -> dt.date:
    """The date cards ordered now are issued on (SPEC section 16): the business date, or today on a
    fresh database."""
    return business_date() or clock.today()
