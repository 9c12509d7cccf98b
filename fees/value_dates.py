"""What a payment's value date undoes (SPEC section 9; terms §7, §9i, §13, §27; issue 16 item 2).

A bank's file for day D comes on the morning of D+1, after the nightly run, and sometimes later still
(a weekend, a bank holiday). When it is loaded, the runs already made for days on or after the payment's
value date did not know it:

- late interest accrued for a day after the value date is given back (SPEC section 8: a payment received
  on d stops accrual from d + 1): each such accrual is recomputed on what was in fact unpaid at the start
  of its day, and the difference is kept as an `InterestGiveBack`, posted as a negative `interest` line on
  the next statement (`interest_give_back_specs`), explained;
- a reminder sent on or after the value date stays sent, but its fee is refunded when, by value date, the
  arrears had been paid at the end of the day it went out (SPEC section 7: a reminder goes out only if the
  amount is still unpaid at the end of that day; Danish Interest Act §9b).

Days past due, delinquency and EuroBonus eligibility need nothing here: `statements.selectors` counts
every payment from its value date, so the next run sees it as paid on the day it was received.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from moneyed import Money

from accounts.models import Account
from amexprog.common.money import round_money
from fees.models import InterestAccrual, InterestGiveBack, Reminder
from fees.services import periods_span, within_periods
from ledger.models import Posting, PostingKind
from ledger.services import PostingSpec, posting_create
from statements.selectors import dues_for_accounts, overdue

DAYS_IN_YEAR = Decimal(365)  # actual/365 (SPEC section 8)
REMINDER_REFUND = "Reminder fee refunded: the arrears were paid before the reminder went out"


def daily_interest(*, unpaid: Decimal, annual_rate_percent: Decimal) -> Decimal:
    """One day's late interest, unrounded, as `fees.services.interest_accrue` computes it (SPEC section 8)."""
    return (unpaid * annual_rate_percent / 100 / DAYS_IN_YEAR).quantize(Decimal("1e-12"))


@transaction.atomic
def interest_give_back(*, account: Account, payment, value_date: dt.date, booked_on: dt.date) -> list[InterestGiveBack]:
    """Recompute every accrual after `value_date` on what was unpaid by value date (SPEC sections 8 and 9).

    What an accrual charged beyond that, less what earlier payments already gave back, is given back.
    Safe to run again for the same payment (one give-back per accrual and payment)."""
    accruals = list(InterestAccrual.objects.filter(account=account, day__gt=value_date).order_by("day", "statement_id"))
    if not accruals:
        return []
    given = defaultdict(Decimal)
    for accrual_id, amount in InterestGiveBack.objects.filter(accrual__in=accruals).values_list("accrual_id",
                                                                                                 "amount"):
        given[accrual_id] += amount
    done = set(InterestGiveBack.objects.filter(accrual__in=accruals, payment=payment)
               .values_list("accrual_id", flat=True))
    unpaid_on: dict[dt.date, dict[int, Decimal]] = {}
    created = []
    for accrual in accruals:
        if accrual.pk in done:
            continue
        if accrual.day not in unpaid_on:
            dues = dues_for_accounts(account_ids=[account.pk], as_of=accrual.day, end_of_day=False)[account.pk]
            unpaid_on[accrual.day] = {due.statement_id: due.unpaid for due in overdue(dues, on=accrual.day)}
        unpaid = unpaid_on[accrual.day].get(accrual.statement_id, Decimal("0.00"))
        owed = daily_interest(unpaid=unpaid, annual_rate_percent=accrual.annual_rate_percent)
        delta = owed - (accrual.amount + given[accrual.pk])
        if delta < 0:
            created.append(InterestGiveBack(accrual=accrual, account=account, payment=payment, value_date=value_date,
                                            booked_on=booked_on, unpaid=unpaid, amount=delta))
    return InterestGiveBack.objects.bulk_create(created)


def interest_give_back_specs(*, accounts: list[Account],
                             periods: dict[int, tuple[dt.date, dt.date]]) -> list[PostingSpec]:
    """The negative `interest` line of each statement whose period booked give-backs: their sum, rounded
    half-up once (SPEC section 8), with the runs a holder can check by hand."""
    if not accounts:
        return []
    earliest, latest = periods_span(periods)
    by_account = within_periods(
        InterestGiveBack.objects.filter(account__in=accounts, booked_on__gte=earliest, booked_on__lte=latest)
        .select_related("accrual", "payment").order_by("accrual__day", "accrual__statement_id", "pk"),
        periods=periods, day_of=lambda give_back: give_back.booked_on)
    specs = []
    for account in accounts:
        give_backs = by_account.get(account.pk)
        if not give_backs:
            continue
        total = sum((g.amount for g in give_backs), Decimal(0))
        amount = round_money(-total, account.currency)
        if amount <= 0:
            continue
        end = periods[account.pk][1]
        specs.append(PostingSpec(
            account=account, kind=PostingKind.INTEREST, amount=Money(-amount, account.currency), posting_date=end,
            source_key=f"interest-given-back/{account.pk}/{end.isoformat()}", description="Late interest given back",
            explanation=_give_back_explanation(give_backs, total, amount),
        ))
    return specs


def _give_back_explanation(give_backs: list[InterestGiveBack], total: Decimal, amount: Decimal) -> dict:
    """Per payment, the days given back in runs of equal amounts charged and owed."""
    payments: dict[str, dict] = {}
    runs: list[dict] = []
    for give_back in give_backs:
        accrual = give_back.accrual
        payments.setdefault(give_back.payment.payment_id, {
            "payment_id": give_back.payment.payment_id, "value_date": give_back.value_date.isoformat(),
            "booked_on": give_back.booked_on.isoformat()})
        last = runs[-1] if runs else None
        if (last and last["statement_id"] == accrual.statement_id and last["charged_on"] == str(accrual.unpaid)
                and last["owed_on"] == str(give_back.unpaid)
                and last["annual_rate_percent"] == str(accrual.annual_rate_percent)
                and dt.date.fromisoformat(last["to"]) + dt.timedelta(days=1) == accrual.day):
            last["to"] = accrual.day.isoformat()
            last["days"] += 1
            last["given_back"] = str(Decimal(last["given_back"]) + give_back.amount)
            continue
        runs.append({"statement_id": accrual.statement_id, "from": accrual.day.isoformat(),
                     "to": accrual.day.isoformat(), "days": 1, "charged_on": str(accrual.unpaid),
                     "owed_on": str(give_back.unpaid), "annual_rate_percent": str(accrual.annual_rate_percent),
                     "given_back": str(give_back.amount)})
    return {"rule": "late_interest_given_back", "basis": "actual/365, simple daily; SPEC sections 8 and 9",
            "payments": list(payments.values()), "runs": runs, "unrounded_total": str(total),
            "rounded": str(-amount)}


@transaction.atomic
def reminder_fees_refund(*, account: Account, payment, value_date: dt.date, booked_on: dt.date) -> list[Posting]:
    """Refund the fee of each reminder sent on or after `value_date` whose arrears, by value date, were
    paid at the end of the day it went out (SPEC sections 7 and 9). The letter stays sent."""
    refunds = []
    for reminder in (Reminder.objects.filter(account=account, sent_on__gte=value_date, fee_posting__isnull=False)
                     .select_related("fee_posting").order_by("sent_on", "number")):
        source_key = f"reminder-refund/{reminder.pk}"
        if Posting.objects.filter(source_key=source_key).exists():
            continue
        dues = dues_for_accounts(account_ids=[account.pk], as_of=reminder.sent_on, end_of_day=True)[account.pk]
        if overdue(dues, on=reminder.sent_on):
            continue  # still in arrears at the end of that day: the reminder was due, and so is its fee
        fee = reminder.fee_posting.amount
        posting, _created = posting_create(
            account=account, kind=PostingKind.FEE_REMINDER, amount=Money(-fee.amount, fee.currency),
            posting_date=max(booked_on, reminder.sent_on), source_key=source_key, related=reminder.fee_posting,
            description=REMINDER_REFUND,
            explanation={"rule": "reminder_fee_refund", "reminder_number": reminder.number,
                         "sent_on": reminder.sent_on.isoformat(), "fee": str(fee.amount),
                         "payment_id": payment.payment_id, "value_date": value_date.isoformat(),
                         "booked_on": booked_on.isoformat()},
        )
        refunds.append(posting)
    return refunds


def value_date_corrections(*, account: Account, payment, value_date: dt.date, booked_on: dt.date) -> None:
    """Everything a payment's value date undoes on one account (see the module docstring)."""
    interest_give_back(account=account, payment=payment, value_date=value_date, booked_on=booked_on)
    reminder_fees_refund(account=account, payment=payment, value_date=value_date, booked_on=booked_on)
