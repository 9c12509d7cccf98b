"""Issue 17 acceptance: random sequences of charges, fees, payments, disputes, reversals, movements
between ledger accounts and closures keep every SPEC 4 invariant after each step, on the lean ledger
(one row per movement): verify_ledger is clean, the trial balance from the sums per ledger account is
zero, every row's two sides balance, and each balance is what the sequence posted."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from accounts.lifecycle import ClosureReason, account_close
from accounts.models import Account
from amexprog.common.errors import ApplicationError
from disputes.audit import Actor
from disputes.models import Dispute
from disputes.services import dispute_open, dispute_transition
from ledger.models import Chart, JournalEntry, Posting
from ledger.selectors import Leg, account_balance, entry_legs, posting_legs, trial_balance_rows
from ledger.services import POSTED_AFTER_CLOSE, journal_entry_post, posting_create, posting_reverse
from ledger.verification import verify_ledger
from tests.accounts.factories import AccountFactory, CardmemberFactory, UserFactory
from tests.disputes.conftest import charge, fee

_sequence = itertools.count()
START = dt.date(2026, 2, 1)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
operation = st.one_of(
    st.tuples(st.just("charge"), st.integers(0, 1), amounts),
    st.tuples(st.just("fee"), st.integers(0, 30), amounts),
    st.tuples(st.just("payment"), st.integers(0, 1), amounts),
    st.tuples(st.just("dispute"), st.integers(0, 30), st.one_of(st.none(), amounts)),
    st.tuples(st.sampled_from(["investigating", "won", "lost"]), st.integers(0, 30)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("sweep"), amounts),
    st.tuples(st.just("close"), st.integers(0, 1)),
)


def _invariants(accounts: list[Account]) -> None:
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for _code, currency, total in trial_balance_rows():
        per_currency[currency] += total
    assert all(total == 0 for total in per_currency.values()), per_currency
    for posting in Posting.objects.all():
        assert sum(leg.amount.amount for leg in posting_legs(posting=posting)) == 0
    for entry in JournalEntry.objects.all():
        assert sum(leg.amount.amount for leg in entry_legs(entry=entry)) == 0
    for account in accounts:
        rows = Posting.objects.filter(account=account).values_list("amount", flat=True)
        assert account_balance(account=account) == Money(sum(rows, Decimal("0.00")), "DKK")


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=15))
def test_issue17_random_sequences_keep_every_invariant_after_each_step(company_a, operations):
    run = next(_sequence)
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company_a)) for _ in range(2)]
    ops = Actor(user=UserFactory(username=f"ops17-{run}", is_staff=True), label="ops")
    holder = Actor(label="holder")
    charges: list[Posting] = []
    for step, op in enumerate(operations):
        day = START + dt.timedelta(days=step)
        kind = op[0]
        try:
            if kind == "charge":
                charges.append(charge(accounts[op[1]], str(op[2]), day, f"p17-{run}-{step}"))
            elif kind == "fee" and charges:
                target = charges[op[1] % len(charges)]
                if not Posting.objects.filter(source_key=f"fee_fx/{target.source_key}").exists():
                    fee(target, str(op[2]))
            elif kind == "payment":
                posting_create(account=accounts[op[1]], kind="payment", amount=Money(-op[2], "DKK"),
                               posting_date=day, source_key=f"payment/p17-{run}-{step}")
            elif kind == "dispute" and charges:
                target = charges[op[1] % len(charges)]
                dispute_open(charge=target, reason="other", by=holder, on=day,
                             amount=None if op[2] is None else Money(op[2], "DKK"))
            elif kind in ("investigating", "won", "lost"):
                disputes = list(Dispute.objects.filter(account__in=accounts).order_by("id"))
                if disputes:
                    dispute_transition(dispute=disputes[op[1] % len(disputes)], to_status=kind, by=ops, on=day)
            elif kind == "reverse":
                mine = list(Posting.objects.filter(account__in=accounts, related__isnull=True).order_by("id"))
                if mine:
                    target = mine[op[1] % len(mine)]
                    reversal = posting_reverse(posting=target, on=day, reason="property test")
                    assert (reversal.amount, reversal.counter_account) == (-target.amount, target.counter_account)
            elif kind == "sweep":
                journal_entry_post(source_key=f"sweep/p17-{run}-{step}", booked_on=day, description="",
                                   legs=[Leg(Chart.BANK, Money(op[1], "DKK")),
                                         Leg(Chart.FX_INCOME, Money(-op[1], "DKK"))])
            elif kind == "close":
                account = Account.objects.get(pk=accounts[op[1]].pk)
                if account.closed_on is None:
                    account_close(account=account, on=day, reason=ClosureReason.COMPANY_REQUEST)
                    Account.objects.filter(pk=account.pk).update(status=Account.Status.CLOSED, closed_on=day)
                    accounts[op[1]] = Account.objects.get(pk=account.pk)
                    with pytest.raises(ApplicationError) as refused:
                        posting_create(account=accounts[op[1]], kind="purchase", amount=Money("1.00", "DKK"),
                                       posting_date=day + dt.timedelta(days=1), source_key=f"late/p17-{run}-{step}")
                    assert refused.value.message == POSTED_AFTER_CLOSE.format(
                        account=account.number, closed_on=day, posting_date=day + dt.timedelta(days=1))
        except ApplicationError as refusal:
            # A refused step changes nothing: a closed account, an already reversed posting, a dispute
            # out of order or over the charge.
            assert refusal.code != "unbalanced_entry"
        _invariants(accounts)
