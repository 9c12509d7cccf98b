"""Property test (DESIGN "Tests"): random sequences of charges, fees, payments, disputes and
reversals never break a ledger invariant, and each balance is the sum of what was posted."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from ledger.models import Posting
from ledger.selectors import account_balance
from ledger.services import posting_create, posting_reverse
from ledger.verification import verify_ledger
from tests.accounts.factories import AccountFactory, CardmemberFactory

KINDS = ["purchase", "refund", "cash", "payment", "payment_return", "fee_annual", "fee_fx", "fee_cash",
         "fee_reminder", "interest", "dispute_credit", "dispute_reversal", "adjustment"]
CREDIT_KINDS = {"refund", "payment", "dispute_credit", "fee_annual_refund"}
_sequence = itertools.count()

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
operation = st.one_of(
    st.tuples(st.just("post"), st.sampled_from(KINDS), amounts, st.integers(0, 2), st.integers(0, 60)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("replay"), st.integers(0, 50)),
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_random_sequences_keep_every_invariant(company_a, operations):
    run = next(_sequence)
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company_a)) for _ in range(3)]
    expected = {account.pk: Decimal("0.00") for account in accounts}
    posted: list[Posting] = []
    reversed_ids: set[int] = set()
    for step, op in enumerate(operations):
        if op[0] == "post":
            _, kind, amount, which, day = op
            signed = -amount if kind in CREDIT_KINDS else amount
            account = accounts[which]
            posting, created = posting_create(
                account=account, kind=kind, amount=Money(signed, "DKK"),
                posting_date=dt.date(2026, 1, 1) + dt.timedelta(days=day), source_key=f"prop/{run}/{step}",
            )
            assert created
            expected[account.pk] += signed
            posted.append(posting)
        elif posted:
            target = posted[op[1] % len(posted)]
            if op[0] == "reverse" and target.pk not in reversed_ids and target.related_id is None:
                reversal = posting_reverse(posting=target, on=target.posting_date, reason="property test")
                reversed_ids.add(target.pk)
                expected[target.account_id] -= target.amount.amount
                posted.append(reversal)
            elif op[0] == "replay":
                _, created = posting_create(account=target.account, kind=target.kind, amount=target.amount,
                                            posting_date=target.posting_date, source_key=target.source_key)
                assert not created
    for account in accounts:
        assert account_balance(account=account) == Money(expected[account.pk], "DKK")
    violations = {name: problems for name, problems in verify_ledger().items() if problems}
    assert violations == {}
