"""The ledger's invariants, checked by `manage.py verify_ledger` (SPEC section 4).

Each check is an aggregate query (no Python loop over postings) returning human-readable
violations. Later apps register their own checks (statements, points) with `@ledger_check`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F, OuterRef, Q, Subquery

from amexprog.common.db import from_minor, minor_sum
from ledger.models import Chart, JournalLeg, Posting

Check = Callable[[int], list[str]]
_CHECKS: dict[str, Check] = {}


def ledger_check(name: str) -> Callable[[Check], Check]:
    def decorator(function: Check) -> Check:
        _CHECKS[name] = function
        return function

    return decorator


def registered_checks() -> dict[str, Check]:
    return dict(_CHECKS)


@ledger_check("entries balance per currency")
def entries_balance(limit: int) -> list[str]:
    rows = (
        JournalLeg.objects.values("entry__source_key", "amount_currency")
        .annotate(total=minor_sum("amount"))
        .exclude(total=0)
        .order_by("entry__source_key")[:limit]
    )
    return [f"entry {r['entry__source_key']} sums to {from_minor(r['total'])} {r['amount_currency']}" for r in rows]


@ledger_check("trial balance is zero")
def trial_balance(limit: int) -> list[str]:
    rows = JournalLeg.objects.values("amount_currency").annotate(total=minor_sum("amount")).exclude(total=0)
    return [f"trial balance in {r['amount_currency']} is {from_minor(r['total'])}" for r in rows[:limit]]


@ledger_check("each posting equals its receivable leg")
def postings_match_legs(limit: int) -> list[str]:
    receivable = (
        JournalLeg.objects.filter(entry_id=OuterRef("entry_id"), account_id=OuterRef("account_id"),
                                  ledger_account_id=Chart.RECEIVABLE)
        .values("entry_id")
        .annotate(total=minor_sum("amount"))
        .values("total")
    )
    rows = (
        Posting.objects.annotate(leg_total=Subquery(receivable), own_total=minor_sum("amount"))
        .filter(Q(leg_total__isnull=True) | ~Q(leg_total=F("own_total")))
        .values_list("source_key", "amount", "leg_total")[:limit]
    )
    return [
        f"posting {key} is {amount} but its receivable leg is {None if leg is None else from_minor(leg)}"
        for key, amount, leg in rows
    ]


@ledger_check("account balances equal posting sums")
def balances_equal_postings(limit: int) -> list[str]:
    legs = dict(
        JournalLeg.objects.filter(ledger_account_id=Chart.RECEIVABLE)
        .values("account_id")
        .annotate(total=minor_sum("amount"))
        .values_list("account_id", "total")
    )
    postings = dict(
        Posting.objects.values("account_id").annotate(total=minor_sum("amount")).values_list("account_id", "total")
    )
    problems = []
    for account_id in sorted(set(legs) | set(postings)):
        receivable, posted = legs.get(account_id, 0), postings.get(account_id, 0)
        if receivable != posted:
            problems.append(
                f"account id {account_id}: receivable {from_minor(receivable)} ≠ postings {from_minor(posted)}"
            )
            if len(problems) >= limit:
                break
    return problems


@ledger_check("postings are in the account's currency")
def posting_currency(limit: int) -> list[str]:
    rows = Posting.objects.exclude(amount_currency=F("account__currency")).values_list("source_key", flat=True)
    return [f"posting {key} is not in its account's currency" for key in rows[:limit]]


@ledger_check("no posting after an account's close")
def no_posting_after_close(limit: int) -> list[str]:
    rows = Posting.objects.filter(account__closed_on__isnull=False, posting_date__gt=F("account__closed_on"))
    return [
        f"posting {key} on {day} after account {number} closed"
        for key, day, number in rows.values_list("source_key", "posting_date", "account__number")[:limit]
    ]


def verify_ledger(*, limit: int = 20) -> dict[str, list[str]]:
    """Run every registered check; the result maps each check's name to its violations."""
    return {name: check(limit) for name, check in _CHECKS.items()}
