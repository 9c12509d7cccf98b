"""Days past due, default and suspension (SPEC section 9, terms §27).

A missed due date or a returned payment puts the account in default; at the suspension threshold
(30 DPD by default) its cards stop authorizing; at 90 DPD it goes to collections. Paying the
arrears lifts it all. Each change of standing (in default, suspended, collections, lifted) is a
notice to whoever pays, with its reason (terms §26a, issue 16 item 3); a default or suspension ops
set for another cause stays until ops lift it (accounts.standing).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from accounts.models import Account
from accounts.rules import programme_rules_by_market
from accounts.standing import (
    COLLECTIONS,
    REASON_OVERDUE,
    REASON_PAID,
    REASON_RETURNED,
    standing_notice,
    standing_of,
)
from amexprog.common.db import from_minor, minor_sum
from events.models import EventType
from events.payloads import account_data
from events.services import event_record as outbox_record
from ledger.models import Posting, PostingKind
from statements.models import Delinquency, Statement
from statements.selectors import PAYMENT_KINDS, days_past_due, dues_for_accounts

# Delinquency never overrides a closure in progress.
MANAGED_STATUSES = (Account.Status.ACTIVE, Account.Status.IN_DEFAULT, Account.Status.SUSPENDED)


def _reason(dpd: int, returned_open: bool, status: str, on: dt.date):
    """Why the standing is what it is (terms §26a): days overdue, a returned payment, or paid."""
    if status == Account.Status.ACTIVE:
        return REASON_PAID
    if dpd > 0:
        return (REASON_OVERDUE, {"due": on - dt.timedelta(days=dpd)})
    return REASON_RETURNED if returned_open else REASON_PAID


def _returned_payment_outstanding(account_id: int, since: dt.date, on: dt.date) -> bool:
    """True while payments since the return have not made good the returned amount."""
    total = Posting.objects.filter(account_id=account_id, kind__in=PAYMENT_KINDS, posting_date__gte=since,
                                   posting_date__lte=on).aggregate(total=minor_sum("amount"))["total"]
    return from_minor(total) > 0


@transaction.atomic
def delinquency_update(*, on: dt.date) -> int:
    """End-of-day delinquency for every account that is, or may have just become, past due."""
    returned_today = set(
        Posting.objects.filter(kind=PostingKind.PAYMENT_RETURN, posting_date=on).values_list("account_id", flat=True)
    )
    candidate_ids = set(
        Delinquency.objects.filter(
            Q(days_past_due__gt=0) | Q(in_default_since__isnull=False) | Q(arrears_since__isnull=False)
        ).values_list("account_id", flat=True)
    )
    candidate_ids |= set(Statement.objects.filter(due_date=on - dt.timedelta(days=1)).values_list("account_id",
                                                                                                  flat=True))
    candidate_ids |= returned_today
    if not candidate_ids:
        return 0
    accounts = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=candidate_ids)}
    markets = dict(Account.objects.filter(pk__in=candidate_ids).values_list("pk", "company__market"))
    rules = programme_rules_by_market(on=on)
    states = {d.account_id: d for d in Delinquency.objects.filter(account_id__in=candidate_ids)}
    changed = 0
    for account_id, dues in dues_for_accounts(account_ids=accounts, as_of=on, end_of_day=True).items():
        account = accounts[account_id]
        state = states.get(account_id) or Delinquency(account=account, updated_on=on)
        dpd = days_past_due(dues, on=on)
        if account_id in returned_today:
            state.returned_payment_on = on
        returned_open = bool(state.returned_payment_on) and _returned_payment_outstanding(
            account_id, state.returned_payment_on, on)
        if not returned_open:
            state.returned_payment_on = None
        state.days_past_due = dpd
        state.arrears_since = (state.arrears_since or on - dt.timedelta(days=dpd - 1)) if dpd > 0 else None
        in_default = dpd > 0 or returned_open
        state.in_default_since = (state.in_default_since or on) if in_default else None
        thresholds = rules[markets[account_id]]
        suspended = dpd >= thresholds.suspend_dpd
        state.suspended_since = (state.suspended_since or on) if suspended else None
        collections = dpd >= thresholds.collections_dpd
        collections_started = collections and state.collections_since is None
        state.collections_since = (state.collections_since or on) if collections else None
        state.updated_on = on
        state.save()
        if account.status not in MANAGED_STATUSES:
            continue
        status = standing_of(account, Account.Status.SUSPENDED if suspended else
                             Account.Status.IN_DEFAULT if in_default else Account.Status.ACTIVE)
        if status != account.status:
            account.status = status
            account.save(update_fields=["status"])
            changed += 1
            # SPEC section 16: account.standing_changed, in the delinquency step's transaction.
            outbox_record(company_id=account.company_id, type=EventType.ACCOUNT_STANDING_CHANGED,
                          data=account_data(account))
            standing_notice(account=account, change=status, reason=_reason(dpd, returned_open, status, on), on=on,
                            source_key=f"standing/{account_id}/{status}/{on.isoformat()}")
        if collections_started:
            standing_notice(account=account, change=COLLECTIONS, reason=_reason(dpd, returned_open, status, on),
                            on=on, source_key=f"standing/{account_id}/{COLLECTIONS}/{on.isoformat()}")
    return changed
