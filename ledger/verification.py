"""The ledger's invariants, checked by `manage.py verify_ledger` (SPEC section 4).

Each check is an aggregate query (no Python loop over postings) returning human-readable
violations. Later apps register their own checks (statements, points) with `@ledger_check`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db.models import F, Q

from ledger.models import COUNTER_CODES, JournalEntry, LedgerAccount, Posting
from ledger.selectors import trial_balance_rows

Check = Callable[[int], list[str]]
_CHECKS: dict[str, Check] = {}


def ledger_check(name: str) -> Callable[[Check], Check]:
    def decorator(function: Check) -> Check:
        _CHECKS[name] = function
        return function

    return decorator


def registered_checks() -> dict[str, Check]:
    return dict(_CHECKS)


@ledger_check("trial balance is zero")
def trial_balance(limit: int) -> list[str]:
    """Debits less credits per ledger account, summed per currency (every row balances by construction)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for _code, currency, total in trial_balance_rows():
        totals[currency] += total
    return [f"trial balance in {currency} is {total}" for currency, total in sorted(totals.items()) if total][:limit]


@ledger_check("postings and entries name accounts of the chart")
def sides_in_chart(limit: int) -> list[str]:
    """The CHECK constraints hold this; the check also catches a chart and a code that drift apart."""
    chart = set(LedgerAccount.objects.values_list("code", flat=True))
    problems = [f"posting {key} credits {code}, not a counter account of the chart"
                for key, code in Posting.objects.exclude(counter_account__in=set(COUNTER_CODES) & chart)
                .values_list("source_key", "counter_account")[:limit]]
    bad_entry = ~Q(debit_account__in=set(COUNTER_CODES) & chart) | ~Q(credit_account__in=set(COUNTER_CODES) & chart)
    problems += [f"entry {key} moves {debit} → {credit}, not two accounts of the chart"
                 for key, debit, credit in JournalEntry.objects.filter(bad_entry)
                 .values_list("source_key", "debit_account", "credit_account")[:limit]]
    return problems[:limit]


@ledger_check("source keys are unique across postings and entries")
def source_keys_unique(limit: int) -> list[str]:
    """Each table's unique constraint holds its own keys; a key may not name a posting and an entry."""
    rows = JournalEntry.objects.filter(source_key__in=Posting.objects.values("source_key")).values_list(
        "source_key", flat=True)
    return [f"source key {key} names both a posting and an entry" for key in rows[:limit]]


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
