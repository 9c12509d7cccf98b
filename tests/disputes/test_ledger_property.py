"""Property test (DESIGN "Tests"): random charges, partial disputes and their outcomes never break a
ledger invariant, never credit more of a charge than it was, and leave exactly the credits of the
disputes that hold (open, investigating, won) on the account."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from amexprog.common.errors import ApplicationError
from disputes.audit import Actor
from disputes.models import Dispute
from disputes.services import dispute_open, dispute_transition, dispute_withdraw
from ledger.selectors import account_balance
from tests.accounts.factories import AccountFactory, CardmemberFactory, UserFactory
from tests.disputes.conftest import assert_ledger_clean, charge

_sequence = itertools.count()
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
operation = st.one_of(
    st.tuples(st.just("charge"), amounts),
    st.tuples(st.just("dispute"), st.integers(0, 20), st.one_of(st.none(), amounts)),
    st.tuples(st.sampled_from(["investigating", "won", "lost", "withdraw"]), st.integers(0, 20)),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=20))
def test_random_dispute_flows_keep_the_ledger_and_the_credits_right(company_a, operations):
    run = next(_sequence)
    account = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    ops = Actor(user=UserFactory(username=f"ops{run}", is_staff=True), label="ops")
    holder = Actor(label="holder")
    day = dt.date(2026, 2, 1)
    charges = []
    for step, op in enumerate(operations):
        try:
            if op[0] == "charge":
                charges.append(charge(account, str(op[1]), day, f"prop{run}-{step}"))
            elif op[0] == "dispute" and charges:
                target = charges[op[1] % len(charges)]
                amount = Money(op[2], "DKK") if op[2] is not None else None
                dispute_open(charge=target, reason="other", by=holder, on=day, amount=amount)
            elif op[0] != "dispute":
                disputes = list(Dispute.objects.filter(account=account).order_by("id"))
                if disputes:
                    dispute = disputes[op[1] % len(disputes)]
                    if op[0] == "withdraw":
                        dispute_withdraw(dispute=dispute, by=holder, on=day)
                    else:
                        dispute_transition(dispute=dispute, to_status=op[0], by=ops, on=day)
        except ApplicationError:
            pass  # a refused step (too much disputed, a closed dispute, a move out of order) changes nothing
    holding = Dispute.objects.filter(account=account).exclude(status__in=["lost", "withdrawn"])
    for posting in charges:
        assert sum((d.amount.amount for d in holding.filter(charge=posting)), Decimal(0)) <= posting.amount.amount
    charged = sum((p.amount.amount for p in charges), Decimal(0))
    credited = sum((d.credited.amount for d in holding), Decimal(0))
    assert account_balance(account=account).amount == charged - credited
    assert_ledger_clean()
