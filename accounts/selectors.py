"""Who sees what (SPEC section 1). Every list, detail, export and action starts from these."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.authentication import ApiClient
from accounts.models import Account, ApiToken, Card, Cardmember, Company
from accounts.roles import VIEW_COMPANIES, is_ops, ops_may


def visible_companies(user) -> QuerySet[Company]:
    """Ops with the view permission see every company; a PA their own; a company API token its company;
    anyone else none."""
    if is_ops(user):
        # Ops see every company only with the permission to (SPEC section 17, issue 15 item 3).
        return Company.objects.all() if ops_may(user, VIEW_COMPANIES) else Company.objects.none()
    if isinstance(user, ApiClient):
        token = user.token
        if token.kind == ApiToken.Kind.COMPANY:
            return Company.objects.filter(pk=token.company_id)
        return Company.objects.none()
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(administrators__user=user)


def visible_cardmembers(user) -> QuerySet[Cardmember]:
    """The companies' cardmembers, plus a signed-in cardmember's own record."""
    scope = Q(company__in=visible_companies(user))
    if not isinstance(user, ApiClient) and getattr(user, "is_authenticated", False):
        scope |= Q(user=user)
    return Cardmember.objects.filter(scope)


def visible_accounts(user) -> QuerySet[Account]:
    return Account.objects.filter(cardmember__in=visible_cardmembers(user))


def visible_cards(user) -> QuerySet[Card]:
    return Card.objects.filter(account__in=visible_accounts(user))
