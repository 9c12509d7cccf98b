"""Reads worth naming for SAS EuroBonus: rules in force, participation windows, who sees what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from accounts.authentication import ApiClient
from accounts.models import Account, ApiToken
from accounts.roles import VIEW_COMPANIES, is_ops, ops_may
from accounts.selectors import visible_accounts, visible_companies
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from rewards.models import Enrolment, EnrolmentEvent, ExportBatch, PointsPosting, PointsRule

NO_POINTS_RULE = "No EuroBonus points rule for market {market} is in force on {on}."

# SPEC section 13: points must reach SAS within 7–10 weeks of the spend; an export still
# unconfirmed after this many days is shown to ops (setting EUROBONUS_CONFIRMATION_OVERDUE_DAYS)…
CONFIRMATION_OVERDUE_DAYS = 70
# … and so is a month not exported this many days after it ended (EUROBONUS_EXPORT_OVERDUE_DAYS).
EXPORT_OVERDUE_DAYS = 14


def effective_date() -> dt.date:
    """The day a change made now takes effect: the business date, as card orders use (accounts.apis)."""
    return business_date() or clock.today()


def points_rule_in_force(*, market: str, on: dt.date) -> PointsRule:
    """The latest version effective on or before `on`."""
    rule = PointsRule.objects.filter(market=market, effective_from__lte=on).order_by("-effective_from").first()
    if rule is None:
        raise ApplicationError(NO_POINTS_RULE.format(market=market, on=on), "no_points_rule")
    return rule


# Participation windows -----------------------------------------------------------------------------

Window = tuple[dt.date, dt.date | None]  # [start, end): the end day itself is outside


@dataclass(frozen=True)
class Participation:
    """When an enrolment earned points (active) and when it was a member at all (active or
    suspended), read from its events: each event takes effect from the start of its day."""

    earning: tuple[Window, ...]
    membership: tuple[Window, ...]

    def earning_on(self, day: dt.date) -> bool:
        return _inside(self.earning, day)

    def member_during(self, first: dt.date, last: dt.date) -> bool:
        """Was the enrolment a member on any day of [first, last]?"""
        return any(start <= last and (end is None or end > first) for start, end in self.membership)


def _inside(windows: Iterable[Window], day: dt.date) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in windows)


def participation(events: Iterable[EnrolmentEvent]) -> Participation:
    earning: list[Window] = []
    membership: list[Window] = []
    earning_since: dt.date | None = None
    member_since: dt.date | None = None
    for event in sorted(events, key=lambda e: (e.on, e.pk or 0)):
        if event.kind in EnrolmentEvent.STARTS:
            if earning_since is None:
                earning_since = event.on
            if member_since is None:
                member_since = event.on
        elif event.kind in EnrolmentEvent.STOPS:
            if earning_since is not None:
                if event.on > earning_since:
                    earning.append((earning_since, event.on))
                earning_since = None
            if event.kind == EnrolmentEvent.Kind.ENDED and member_since is not None:
                if event.on > member_since:
                    membership.append((member_since, event.on))
                member_since = None
    if earning_since is not None:
        earning.append((earning_since, None))
    if member_since is not None:
        membership.append((member_since, None))
    return Participation(earning=tuple(earning), membership=tuple(membership))


# Who sees what (SPEC section 1) ---------------------------------------------------------------------

def visible_enrolments(user) -> QuerySet[Enrolment]:
    """Enrolments of the accounts the caller sees: a PA's companies, a token's company, a cardmember's own."""
    return Enrolment.objects.filter(account__in=visible_accounts(user))


def visible_points_postings(user) -> QuerySet[PointsPosting]:
    return PointsPosting.objects.filter(account__in=visible_accounts(user))


def administers(user, account: Account) -> bool:
    """May the caller decide on this account's enrolment: ops, a PA of its company, or the
    company's API token (a PA API token, SPEC section 16)? A cardmember may not approve their own."""
    if is_ops(user):
        # Ops decide enrolments with the permission to (SPEC section 17, issue 15 item 3).
        return ops_may(user, VIEW_COMPANIES, "rewards.change_enrolment")
    if isinstance(user, ApiClient):
        return user.token.kind == ApiToken.Kind.COMPANY and user.token.company_id == account.company_id
    if not getattr(user, "is_authenticated", False):
        return False
    return visible_companies(user).filter(pk=account.company_id, administrators__user=user).exists()


def is_holder(user, account: Account) -> bool:
    return (not isinstance(user, ApiClient) and getattr(user, "is_authenticated", False)
            and account.cardmember.user_id == user.pk)


def points_balances(account_ids: Iterable[int]) -> dict[int, int]:
    """Points awarded so far per account (one query)."""
    return {
        row["account_id"]: row["total"] or 0
        for row in PointsPosting.objects.filter(account_id__in=list(account_ids))
        .values("account_id").annotate(total=Sum("points"))
    }


# Ops -----------------------------------------------------------------------------------------------

def overdue_batches(*, today: dt.date) -> QuerySet[ExportBatch]:
    """Batches ops must chase (SPEC section 13: points reach SAS within 7–10 weeks of the spend):
    exported more than 10 weeks ago without SAS's confirmation, or a finished month not exported."""
    confirmation_due = today - dt.timedelta(
        days=getattr(settings, "EUROBONUS_CONFIRMATION_OVERDUE_DAYS", CONFIRMATION_OVERDUE_DAYS))
    # A month is late for export once it ended more than EXPORT_OVERDUE_DAYS ago: every month
    # before the one holding that day.
    export_due_month = (
        today - dt.timedelta(days=getattr(settings, "EUROBONUS_EXPORT_OVERDUE_DAYS", EXPORT_OVERDUE_DAYS))
    ).replace(day=1)
    return ExportBatch.objects.filter(
        Q(status=ExportBatch.Status.EXPORTED, exported_on__lt=confirmation_due)
        | Q(status=ExportBatch.Status.ACCRUED, month__lt=export_due_month)
    ).order_by("month")
