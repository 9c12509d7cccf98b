"""The statement cycle day of a centrally billed company (SPEC section 9; issue 19 item 4).

A company with central billing has one cycle day, which every centrally billed account of it takes, so
it gets one company statement per cycle with its accounts' own statements beneath. The day is set by
the first centrally billed account that opens (its order's day, or the 1st) and changed by ops with
`company_cycle_day_change`: the accounts move at their next statement, whose period runs from the day
after their last statement to the new day, a short or long period once and never a period skipped
(statements.services takes each period from the previous statement date)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import Account, AuditEntry, BillingType, Company
from accounts.services import BAD_CYCLE_DAY
from amexprog.common.errors import ApplicationError

CENTRAL_CYCLE_DAY = ("Company {company} is billed centrally: its accounts take the company's statement cycle "
                     "day, the {day}. Leave the cycle day out or give {day}.")
NOT_CENTRAL = "Company {company} is not billed centrally: each account keeps its own cycle day."


def cycle_day_valid(day: int) -> bool:
    """1–28, or 31 for the month's last day (SPEC 9)."""
    return 1 <= day <= 28 or day == Account.LAST_DAY_OF_MONTH


def account_cycle_day_for(*, company: Company, billing_type: str, asked: int | None) -> int:
    """The cycle day a new account of `company` takes (SPEC 9). Individually billed: the day asked for, or
    the 1st. Centrally billed: the company's day; the first such account sets it. Asking a central
    account for another day than the company's is an error, never silently changed."""
    if asked is not None and not cycle_day_valid(asked):
        raise ApplicationError(BAD_CYCLE_DAY, "bad_cycle_day", {"field": "cycle_day"})
    if billing_type != BillingType.CENTRAL:
        return asked or 1
    locked = Company.objects.select_for_update().only("pk", "number", "cycle_day").get(pk=company.pk)
    if locked.cycle_day is None:
        locked.cycle_day = asked or 1
        Company.objects.filter(pk=company.pk).update(cycle_day=locked.cycle_day)
        company.cycle_day = locked.cycle_day
    elif asked is not None and asked != locked.cycle_day:
        raise ApplicationError(CENTRAL_CYCLE_DAY.format(company=company.number, day=locked.cycle_day),
                               "central_cycle_day", {"field": "cycle_day"})
    return locked.cycle_day


@transaction.atomic
def company_cycle_day_change(*, company: Company, cycle_day: int, by: Actor, on: dt.date, reason: str) -> int:
    """Ops move a centrally billed company and all its centrally billed accounts to another cycle day
    (SPEC 9): each account's next statement comes on the new day, covering everything since its last
    statement. Audited on the company. Returns how many accounts moved."""
    require_role(by, (Role.ISSUER,), action="change", what="a company's statement cycle day")
    if not cycle_day_valid(cycle_day):
        raise ApplicationError(BAD_CYCLE_DAY, "bad_cycle_day", {"field": "cycle_day"})
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.billing_type != BillingType.CENTRAL:
        raise ApplicationError(NOT_CENTRAL.format(company=company.number), "not_central")
    before = company.cycle_day
    company.cycle_day = cycle_day
    company.save(update_fields=["cycle_day"])
    moved = (Account.objects.filter(company=company, billing_type=BillingType.CENTRAL, closed_on__isnull=True)
             .exclude(cycle_day=cycle_day).update(cycle_day=cycle_day))
    audit_record(by=by, action=AuditEntry.Action.COMPANY_UPDATED, on=on, company=company, reason=reason,
                 details={"cycle_day": {"before": before, "after": cycle_day}, "accounts_moved": moved})
    return moved
