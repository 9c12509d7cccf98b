"""Every write to EuroBonus enrolments, and the EuroBonus fee (SPEC sections 7, 11, 13; terms §38).

Points live in rewards.points, the SAS files in rewards.exports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from moneyed import Money

from accounts.authentication import ApiClient
from accounts.models import Account, Cardmember, Notice
from accounts.services import BAD_EUROBONUS_NUMBER, EUROBONUS_NOT_ALLOWED, eurobonus_number_normalised
from amexprog.common.errors import ApplicationError
from amexprog.common.money import date_locale
from fees.models import FeeSchedule
from fees.selectors import fee_schedule_in_force
from fees.services import add_years
from ledger.models import PostingKind
from ledger.services import PostingSpec, postings_create_bulk
from rewards.models import Enrolment, EnrolmentEvent
from rewards.selectors import participation

__all__ = ["BAD_EUROBONUS_NUMBER", "EUROBONUS_NOT_ALLOWED"]  # re-exported: the messages of the checks below

ALREADY_ENROLLED = "Account {account} is already enrolled in EuroBonus (status: {status})."
REQUEST_PENDING = "Account {account} already has a EuroBonus request awaiting approval."
ACCOUNT_NOT_OPEN = "Account {account} is {status}; it cannot join EuroBonus."
WRONG_STATUS = "This EuroBonus enrolment is {status}; it cannot be {action}."
REASON_REQUIRED = "Give a reason: the cardmember is told why (terms §38g)."
BACKDATED = "The enrolment last changed on {last}; a change cannot take effect earlier, on {on}."

ACTOR_CARD_ORDER = "card order"
ACTOR_SYSTEM = "system"


def _actor(by: Any) -> tuple[Any, str]:
    """The user to record (None for an API token or a process) and a label for the audit trail."""
    if by is None:
        return None, ACTOR_SYSTEM
    if isinstance(by, ApiClient):
        return None, str(by)
    return by, by.get_username()


def _number(value: str, field: str = "member_number") -> str:
    try:
        return eurobonus_number_normalised(value)
    except ValueError as exc:
        raise ApplicationError(str(exc), "bad_eurobonus_number", {"field": field}) from exc


def _check_can_join(account: Account, field: str = "member_number") -> None:
    company = account.company
    if not company.eurobonus_allowed:
        raise ApplicationError(EUROBONUS_NOT_ALLOWED.format(company=company.number), "eurobonus_not_allowed",
                               {"field": field})
    if account.status in (Account.Status.CLOSING, Account.Status.CLOSED):
        raise ApplicationError(ACCOUNT_NOT_OPEN.format(account=account.number, status=account.status),
                               "account_not_open")


def _locked(enrolment: Enrolment) -> Enrolment:
    # Two PAs (or a PA and ops) deciding at once: the second sees the first's outcome.
    return Enrolment.objects.select_for_update().select_related("account__company", "account__cardmember").get(
        pk=enrolment.pk
    )


def _record(enrolment: Enrolment, *, kind: str, on: dt.date, by: Any, reason: str = "",
            actor_label: str | None = None) -> EnrolmentEvent:
    last = enrolment.events.order_by("-on", "-id").values_list("on", flat=True).first()
    if last is not None and on < last:
        raise ApplicationError(BACKDATED.format(last=last, on=on), "enrolment_backdated")
    user, label = _actor(by)
    return EnrolmentEvent.objects.create(enrolment=enrolment, kind=kind, on=on, member_number=enrolment.member_number,
                                         actor=user, actor_label=actor_label or label, reason=reason)


def _require(enrolment: Enrolment, allowed: tuple[str, ...], action: str) -> None:
    if enrolment.status not in allowed:
        raise ApplicationError(WRONG_STATUS.format(status=enrolment.get_status_display().lower(), action=action),
                               "enrolment_wrong_status", {"status": enrolment.status})


def _start(enrolment: Enrolment, on: dt.date) -> None:
    """Becoming a member: the first time fixes the fee's date (SPEC section 7: the day after first
    enrolment), and the cardmember record keeps the number given on the card order form."""
    if enrolment.first_enrolled_on is None:
        enrolment.first_enrolled_on = on
        enrolment.fee_anchor = on + dt.timedelta(days=1)
    enrolment.status = Enrolment.Status.ACTIVE
    enrolment.active_since = on
    enrolment.suspended_on = None
    enrolment.ended_on = None
    cardmember: Cardmember = enrolment.account.cardmember
    cardmember.eurobonus_number = enrolment.member_number
    cardmember.eurobonus_enrolled_on = cardmember.eurobonus_enrolled_on or enrolment.first_enrolled_on
    cardmember.save(update_fields=["eurobonus_number", "eurobonus_enrolled_on"])


# Marked for translation here, translated into the cardmember's language when the notice is made.
NOTICE_SUBJECTS = {
    EnrolmentEvent.Kind.APPROVED: gettext_noop("Your SAS EuroBonus enrolment is approved"),
    EnrolmentEvent.Kind.REJECTED: gettext_noop("Your SAS EuroBonus request was not approved"),
    EnrolmentEvent.Kind.SUSPENDED: gettext_noop("Your SAS EuroBonus participation is suspended"),
    EnrolmentEvent.Kind.RESUMED: gettext_noop("Your SAS EuroBonus participation is resumed"),
    EnrolmentEvent.Kind.ENDED: gettext_noop("Your SAS EuroBonus participation has ended"),
}
NOTICE_BODY = gettext_noop("EuroBonus number %(number)s, account %(account)s, from %(date)s.")


def _notify(enrolment: Enrolment, event: EnrolmentEvent) -> None:
    """Tell the cardmember in the portal inbox and by email (SPEC section 15), in their language."""
    subject = NOTICE_SUBJECTS.get(event.kind)
    if subject is None:
        return
    cardmember = enrolment.account.cardmember
    with translation.override(cardmember.language):
        subject = gettext(subject)
        body = gettext(NOTICE_BODY) % {"number": enrolment.member_number, "account": enrolment.account.number,
                                       "date": format_date(event.on, format="medium",
                                                           locale=date_locale(cardmember.language))}
    if event.reason:
        body += f"\n{event.reason}"
    Notice.objects.get_or_create(
        source_key=f"eurobonus/{enrolment.pk}/event/{event.pk}",
        defaults=dict(kind=Notice.Kind.OTHER, cardmember=cardmember, subject=subject, body=body, created_on=event.on),
    )


# Enrolment ----------------------------------------------------------------------------------------

@transaction.atomic
def enrolment_request(*, account: Account, member_number: str, on: dt.date, by: Any) -> Enrolment:
    """A cardmember asks to join with their EuroBonus number (SPEC section 13); a PA then decides.

    Only for a company that allows EuroBonus. An ended or rejected enrolment may ask again: the
    same enrolment continues, keeping the fee's anniversary and the points remainder.
    """
    account = Account.objects.select_related("company", "cardmember").select_for_update().get(pk=account.pk)
    _check_can_join(account)
    number = _number(member_number)
    enrolment = Enrolment.objects.select_for_update().filter(account=account).first()
    if enrolment is not None:
        if enrolment.status == Enrolment.Status.REQUESTED:
            raise ApplicationError(REQUEST_PENDING.format(account=account.number), "enrolment_pending")
        if enrolment.participating:
            raise ApplicationError(ALREADY_ENROLLED.format(account=account.number,
                                                           status=enrolment.get_status_display().lower()),
                                   "already_enrolled")
        enrolment.member_number, enrolment.status = number, Enrolment.Status.REQUESTED
        enrolment.source, enrolment.requested_on = Enrolment.Source.REQUEST, on
        enrolment.full_clean(exclude=["account"])
        enrolment.save()
    else:
        enrolment = Enrolment(account=account, member_number=number, status=Enrolment.Status.REQUESTED,
                              source=Enrolment.Source.REQUEST, requested_on=on)
        enrolment.full_clean(exclude=["account"])
        enrolment.save()
    _record(enrolment, kind=EnrolmentEvent.Kind.REQUESTED, on=on, by=by)
    return enrolment


@transaction.atomic
def enrolment_approve(*, enrolment: Enrolment, on: dt.date, by: Any) -> Enrolment:
    """A PA's approval (SPEC section 13): the enrolment is active from `on`, its fee due the next day."""
    enrolment = _locked(enrolment)
    _require(enrolment, (Enrolment.Status.REQUESTED,), "approved")
    _check_can_join(enrolment.account)
    event = _record(enrolment, kind=EnrolmentEvent.Kind.APPROVED, on=on, by=by)
    _start(enrolment, on)
    enrolment.save()
    _notify(enrolment, event)
    return enrolment


@transaction.atomic
def enrolment_reject(*, enrolment: Enrolment, on: dt.date, by: Any, reason: str = "") -> Enrolment:
    enrolment = _locked(enrolment)
    _require(enrolment, (Enrolment.Status.REQUESTED,), "rejected")
    event = _record(enrolment, kind=EnrolmentEvent.Kind.REJECTED, on=on, by=by, reason=reason.strip())
    enrolment.status = Enrolment.Status.REJECTED
    enrolment.save()
    _notify(enrolment, event)
    return enrolment


@transaction.atomic
def enrolment_enrol_by_card_order(*, account: Account, member_number: str, on: dt.date) -> Enrolment:
    """A card order carrying a EuroBonus number enrols the cardmember on the issue date (SPEC
    section 11): the company's approval is its programme setting, so no PA decision is needed."""
    account = Account.objects.select_related("company", "cardmember").get(pk=account.pk)
    _check_can_join(account, field="eurobonus_number")  # the card order's column
    number = _number(member_number, field="eurobonus_number")
    enrolment = Enrolment.objects.select_for_update().filter(account=account).first()
    if enrolment is not None and enrolment.participating:
        raise ApplicationError(ALREADY_ENROLLED.format(account=account.number,
                                                       status=enrolment.get_status_display().lower()),
                               "already_enrolled")
    if enrolment is None:
        enrolment = Enrolment(account=account)
    enrolment.member_number, enrolment.source = number, Enrolment.Source.CARD_ORDER
    enrolment.account = account
    _start(enrolment, on)
    enrolment.full_clean(exclude=["account"])
    enrolment.save()
    _record(enrolment, kind=EnrolmentEvent.Kind.CARD_ORDER, on=on, by=None, actor_label=ACTOR_CARD_ORDER)
    return enrolment


@transaction.atomic
def enrolment_suspend(*, enrolment: Enrolment, on: dt.date, by: Any, reason: str) -> Enrolment:
    """Ops or a PA suspend participation (terms §38g): from `on` spend earns nothing and no fee falls due."""
    if not reason.strip():
        raise ApplicationError(REASON_REQUIRED, "reason_required", {"field": "reason"})
    enrolment = _locked(enrolment)
    _require(enrolment, (Enrolment.Status.ACTIVE,), "suspended")
    event = _record(enrolment, kind=EnrolmentEvent.Kind.SUSPENDED, on=on, by=by, reason=reason.strip())
    enrolment.status, enrolment.suspended_on = Enrolment.Status.SUSPENDED, on
    enrolment.save()
    _notify(enrolment, event)
    return enrolment


@transaction.atomic
def enrolment_resume(*, enrolment: Enrolment, on: dt.date, by: Any, reason: str = "") -> Enrolment:
    """Lift a suspension: spend earns again from `on`. If the membership year's fee fell due while
    suspended, it is charged now (SPEC section 7: not while suspended, but the year is not free)."""
    enrolment = _locked(enrolment)
    _require(enrolment, (Enrolment.Status.SUSPENDED,), "resumed")
    event = _record(enrolment, kind=EnrolmentEvent.Kind.RESUMED, on=on, by=by, reason=reason.strip())
    enrolment.status, enrolment.active_since, enrolment.suspended_on = Enrolment.Status.ACTIVE, on, None
    enrolment.save()
    _notify(enrolment, event)
    return enrolment


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment, on: dt.date, by: Any, reason: str) -> Enrolment:
    """End participation (terms §38g): spend from `on` earns nothing; the last statement still
    awards the points of the days before; no further fee."""
    if not reason.strip():
        raise ApplicationError(REASON_REQUIRED, "reason_required", {"field": "reason"})
    enrolment = _locked(enrolment)
    _require(enrolment, (Enrolment.Status.ACTIVE, Enrolment.Status.SUSPENDED), "ended")
    event = _record(enrolment, kind=EnrolmentEvent.Kind.ENDED, on=on, by=by, reason=reason.strip())
    enrolment.status, enrolment.ended_on = Enrolment.Status.ENDED, on
    enrolment.save()
    _notify(enrolment, event)
    return enrolment


# The EuroBonus fee (SPEC section 7) -----------------------------------------------------------------

def membership_year(anchor: dt.date, on: dt.date) -> tuple[int, dt.date, dt.date]:
    """(year number, first day, last day) of the fee year holding `on`; year 1 starts on the anchor."""
    year = 1
    while add_years(anchor, year) <= on:
        year += 1
    return year, add_years(anchor, year - 1), add_years(anchor, year) - dt.timedelta(days=1)


def eurobonus_fees_post(*, on: dt.date) -> int:
    """Post the EuroBonus fee due on `on`: the day after first enrolment and each anniversary of that
    day, from the fee schedule in force (DKK 250 incl. VAT in DK). Not while suspended or after the
    end; a year whose anniversary fell during a suspension is charged on the day it resumes.

    Source key `eurobonus-fee/<account>/<year>`: re-running a day posts nothing twice.
    """
    anniversary = Q(fee_anchor__month=on.month, fee_anchor__day=on.day)
    if on.month == 2 and on.day == 28 and (on + dt.timedelta(days=1)).month == 3:
        anniversary |= Q(fee_anchor__month=2, fee_anchor__day=29)
    # Within a year of (re)activation a fee may still be missing: catch it up. Otherwise only
    # anniversaries are candidates, so the step does not scan every member every day.
    recently_started = Q(active_since__gt=on - dt.timedelta(days=366))
    candidates = (
        Enrolment.objects.filter(fee_anchor__lte=on)
        .filter(Q(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.SUSPENDED]) | Q(ended_on__gt=on))
        .filter(anniversary | recently_started)
        .exclude(account__status__in=[Account.Status.CLOSING, Account.Status.CLOSED])
        .select_related("account__company")
        .prefetch_related("events")
    )
    schedules: dict[str, FeeSchedule] = {}
    specs = []
    for enrolment in candidates:
        if not participation(enrolment.events.all()).earning_on(on):
            continue
        account = enrolment.account
        market = account.company.market
        schedule = schedules.get(market) or schedules.setdefault(market, fee_schedule_in_force(market=market, on=on))
        if schedule.eurobonus_fee <= 0:
            continue
        assert enrolment.fee_anchor is not None
        year, start, end = membership_year(enrolment.fee_anchor, on)
        specs.append(PostingSpec(
            account=account, kind=PostingKind.FEE_EUROBONUS, amount=Money(schedule.eurobonus_fee, account.currency),
            posting_date=on, source_key=f"eurobonus-fee/{account.pk}/{year}",
            description=f"EuroBonus fee {start:%Y-%m-%d}",
            explanation={"rule": "eurobonus_fee", "fee_schedule_id": schedule.pk, "fee_schedule": str(schedule),
                         "schedule_fee": str(schedule.eurobonus_fee), "membership_year": year,
                         "year_start": start.isoformat(), "year_end": end.isoformat(),
                         "first_enrolled_on": enrolment.first_enrolled_on.isoformat()
                         if enrolment.first_enrolled_on else None,
                         "member_number": enrolment.member_number, "charged_late": on != start},
        ))
    return postings_create_bulk(specs=specs)
