"""Who did what, when (SPEC section 12: every state change is timestamped and audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from accounts.authentication import ApiClient
from accounts.models import ApiToken
from accounts.roles import ops_may
from amexprog.common import clock
from disputes.models import CaseEvent

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The person or client behind a change: a signed-in user, an API token, or the daily cycle."""

    user: Any = None
    token: ApiToken | None = None
    label: str = SYSTEM

    @property
    def is_ops(self) -> bool:
        """An ops person or ops token, whatever their powers (those are `may`'s)."""
        if self.token is not None:
            return self.token.kind == ApiToken.Kind.OPS
        return bool(self.user is not None and self.user.is_staff)

    def may(self, permission: str) -> bool:
        """Does this ops actor hold `permission` (SPEC section 17, issue 15 item 3)? An ops token has its
        ops user's permissions; anyone else none."""
        if self.token is not None:
            return ops_may(ApiClient(token=self.token), permission)
        return self.user is not None and ops_may(self.user, permission)


def actor_of(user) -> Actor:
    """The Actor of a request's user (a User or an ApiClient)."""
    if isinstance(user, ApiClient):
        return Actor(token=user.token, label=f"API token {user.token.name} ({user.token.prefix}…)")
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor()
    name = user.get_full_name() or user.get_username()
    label = f"{name} ({user.get_username()})" if name != user.get_username() else name
    return Actor(user=user, label=label[:150])


def event_record(*, by: Actor, on: dt.date, action: str, note: str = "", from_status: str = "",
                 to_status: str = "", **case: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        action=action, from_status=from_status, to_status=to_status, note=note, at=clock.now(), on=on,
        by_user=by.user, by_token=by.token, by=by.label, **case,
    )
