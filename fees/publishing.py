"""Publishing a fee schedule (SPEC section 7, terms §25): a change takes effect at least two months
after it is published, and publishing it notifies every affected holder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from accounts.models import Account, BillingType, Cardmember, Liability, Notice
from accounts.services import add_months
from amexprog.common.errors import ApplicationError
from fees.models import FeeSchedule

NOTICE_MONTHS = 2
TOO_SOON = "A fee schedule change takes effect at least 2 months after publication: {earliest} at the earliest."
ALREADY_EXISTS = "Market {market} already has a fee schedule effective from {effective_from}."
FIELDS = ("annual_fee_max", "reminder_fee", "fx_fee_percent", "cash_fee_percent", "cash_fee_minimum",
          "eurobonus_fee", "late_interest_margin_percent")


def earliest_effective_date(published_on: dt.date) -> dt.date:
    return add_months(published_on, NOTICE_MONTHS)


@transaction.atomic
def fee_schedule_publish(*, market: str, effective_from: dt.date, published_on: dt.date, label: str = "",
                         **values: Decimal) -> FeeSchedule:
    """Create a new version and a notice to every affected holder; refuse an effective date too soon."""
    earliest = earliest_effective_date(published_on)
    if effective_from < earliest:
        raise ApplicationError(TOO_SOON.format(earliest=earliest), "fee_change_too_soon",
                               {"field": "effective_from", "earliest": earliest.isoformat()})
    if FeeSchedule.objects.filter(market=market, effective_from=effective_from).exists():
        raise ApplicationError(ALREADY_EXISTS.format(market=market, effective_from=effective_from),
                               "fee_schedule_exists")
    schedule = FeeSchedule.objects.create(market=market, currency={"DK": "DKK", "BE": "EUR"}[market],
                                          effective_from=effective_from, published_on=published_on, label=label,
                                          **values)
    _notify(schedule)
    return schedule


def _notify(schedule: FeeSchedule) -> int:
    subject = f"Fee schedule change from {schedule.effective_from:%Y-%m-%d}"
    body = "\n".join(f"{field.replace('_', ' ')}: {getattr(schedule, field)}" for field in FIELDS)
    open_accounts = Account.objects.filter(company__market=schedule.market).exclude(status=Account.Status.CLOSED)
    to_company = open_accounts.filter(liability=Liability.CORPORATE, billing_type=BillingType.CENTRAL)
    notices = [
        Notice(kind=Notice.Kind.FEE_CHANGE, cardmember_id=cardmember_id, subject=subject, body=body,
               created_on=schedule.published_on, source_key=f"fee-change/{schedule.pk}/cardmember/{cardmember_id}")
        for cardmember_id in Cardmember.objects.filter(account__in=open_accounts.exclude(pk__in=to_company))
        .values_list("pk", flat=True)
    ]
    notices += [
        Notice(kind=Notice.Kind.FEE_CHANGE, company_id=company_id, subject=subject, body=body,
               created_on=schedule.published_on, source_key=f"fee-change/{schedule.pk}/company/{company_id}")
        for company_id in to_company.values_list("company_id", flat=True).distinct()
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)
