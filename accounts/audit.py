"""Who acts, and the audit entry every lifecycle and controls change writes (SPEC sections 1, 11).

An Actor is built by the interface (portal view, API view, admin action, cycle step) from whoever
made the request; services take it as `by=` and decide with its role what that person may do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from accounts.authentication import ApiClient
from accounts.models import Account, ApiToken, AuditEntry, Card, Company
from accounts.roles import VIEW_COMPANIES, is_ops, ops_may
from amexprog.common.errors import ApplicationError

NOT_ALLOWED = "You may not {action} this {what}."


class Role(TextChoices):
    HOLDER = "holder", _("Cardmember")
    COMPANY = "company", _("Programme administrator or company API client")
    ISSUER = "issuer", _("Issuer ops")
    SYSTEM = "system", _("Daily cycle")


@dataclass(frozen=True)
class Actor:
    role: str
    label: str
    user_id: int | None = None


SYSTEM = Actor(role=Role.SYSTEM, label="run_cycle")


def actor_for(user: Any, *, company: Company, account: Account | None = None,
              permission: str | None) -> Actor | None:
    """The caller's role towards `company` (and `account`), or None when they have none.

    A company token and a PA of the company act as the company; a signed-in cardmember as the holder
    of their own account. Ops (tokens and staff) act as the issuer only when they hold `permission`,
    the Django permission the action needs, and may see companies at all (SPEC section 17, issue 15
    item 3); `permission=None` is for reads, where seeing companies is enough. Every caller names it.
    """
    if is_ops(user):
        needed = (VIEW_COMPANIES,) if permission is None else (VIEW_COMPANIES, permission)
        if not isinstance(user, ApiClient) and company.administrators.filter(user=user).exists():
            return Actor(role=Role.COMPANY, label=f"user:{user.get_username()}", user_id=user.pk)
        if not ops_may(user, *needed):
            return None
        if isinstance(user, ApiClient):
            return Actor(role=Role.ISSUER, label=f"api-token:{user.token.prefix}")
        return Actor(role=Role.ISSUER, label=f"user:{user.get_username()}", user_id=user.pk)
    if isinstance(user, ApiClient):
        token = user.token
        label = f"api-token:{token.prefix}"
        if token.kind == ApiToken.Kind.COMPANY and token.company_id == company.pk:
            return Actor(role=Role.COMPANY, label=label)
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    label = f"user:{user.get_username()}"
    if company.administrators.filter(user=user).exists():
        return Actor(role=Role.COMPANY, label=label, user_id=user.pk)
    if account is not None and account.cardmember.user_id == user.pk:
        return Actor(role=Role.HOLDER, label=label, user_id=user.pk)
    return None


def require_role(by: Actor, allowed: tuple[str, ...], *, action: str, what: str) -> None:
    if by.role not in allowed:
        raise ApplicationError(NOT_ALLOWED.format(action=action, what=what), "not_allowed", status=403)


def audit_record(
    *,
    by: Actor,
    action: str,
    on: dt.date,
    company: Company,
    account: Account | None = None,
    card: Card | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        on=on, actor_role=by.role, actor=by.label[:150], user_id=by.user_id, action=action, company=company,
        account=account, card=card, reason=reason[:200], details=details or {},
    )


def visible_account_with_actor(user: Any, number: str, *, permission: str | None) -> tuple[Account, Actor]:
    """The account `number` as `user` may act on it, with the audit actor they act as; else a 404
    (an outsider learns nothing, SPEC section 1). The portal's and the API's payment pages share it;
    `permission` is what an ops caller needs (actor_for)."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from accounts.selectors import visible_accounts

    account = get_object_or_404(visible_accounts(user).select_related("company", "cardmember"), number=number)
    actor = actor_for(user, company=account.company, account=account, permission=permission)
    if actor is None:
        raise Http404
    return account, actor
