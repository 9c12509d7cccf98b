"""Holds (SPEC section 10): matched when the charge is presented, expired after 7 days by run_cycle,
and never more than a limit allows however many authorizations arrive at once."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.controls import card_controls_set
from amexprog.common.cycle import registered_steps
from charges.authorizations import AuthorizationRequest, authorization_decide, holds_expire
from charges.models import Hold
from charges.services import charge_file_import
from ledger.models import Posting
from tests.charges.conftest import charge_file, charge_row
from tests.charges.test_authorizations import authorize

TODAY = dt.date(2026, 3, 11)
ISSUER = Actor(role=Role.ISSUER, label="test")


@pytest.fixture
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_a_presented_charge_settles_its_hold_and_available_spend_stays(network, bob_card, frozen_day, bulk):
    card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, monthly_limit=Decimal("1000.00"))
    approved = authorize(network, bob_card.pan, "120.00", transaction_id="T-1").json()
    assert approved["available_spend"] == "880.00"
    data = charge_file([charge_row("T-1", bob_card.pan, "120.00", transaction_date="2026-03-11",
                                   processing_date="2026-03-12")])
    charge_file_import(source=io.BytesIO(data), filename="day.csv", bulk=bulk)
    hold = Hold.objects.get(transaction_id="T-1")
    assert (hold.status, hold.closed_on) == ("settled", dt.date(2026, 3, 12))
    assert hold.posting == Posting.objects.get(source_key="charge/T-1")
    # The posting now counts what the hold counted: spend is the same, not doubled.
    assert authorize(network, bob_card.pan, "0.01", transaction_id="T-2").json()["available_spend"] == "879.99"


@pytest.mark.django_db
def test_holds_expire_after_seven_days_in_run_cycle(network, bob_card, frozen_day):
    authorize(network, bob_card.pan, "50.00", transaction_id="T-1")
    assert holds_expire(on=dt.date(2026, 3, 17)) == 0
    assert holds_expire(on=dt.date(2026, 3, 18)) == 1
    hold = Hold.objects.get()
    assert (hold.status, hold.closed_on) == ("expired", dt.date(2026, 3, 18))
    assert ("hold_expiry", 70) in [(step.name, step.order) for step in registered_steps()]


@pytest.mark.django_db
def test_a_charge_presented_after_its_hold_expired_still_posts_and_closes_the_hold(network, bob_card, frozen_day):
    authorize(network, bob_card.pan, "50.00", transaction_id="T-1")
    holds_expire(on=dt.date(2026, 3, 18))
    data = charge_file([charge_row("T-1", bob_card.pan, "50.00", transaction_date="2026-03-11",
                                   processing_date="2026-03-19")])
    charge_file_import(source=io.BytesIO(data), filename="late.csv", bulk=False)
    assert Hold.objects.get().status == "settled"
    assert Posting.objects.filter(source_key="charge/T-1").exists()


def _run_in_threads(calls: list) -> list:
    results: list = []
    lock = threading.Lock()

    def work(call):
        try:
            outcome = call()
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _request(pan: str, transaction_id: str, amount: str) -> AuthorizationRequest:
    return AuthorizationRequest(transaction_id=transaction_id, card_number=pan, type="purchase",
                                amount=Decimal(amount), currency="DKK", merchant_country="DK", mcc="5812",
                                entry_mode="chip", pin_verified=True)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_authorizations_never_hold_more_than_the_card_limit(bob_card):
    card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, daily_limit=Decimal("1000.00"))
    at = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
    calls = [lambda n=n: authorization_decide(request=_request(bob_card.pan, f"P-{n}", "100.00"), on=TODAY, at=at)
             for n in range(40)]
    decisions = _run_in_threads(calls)
    assert len(decisions) == 40
    approved = [d for d in decisions if d.authorization.approved]
    assert len(approved) == 10
    assert {d.authorization.reason for d in decisions if not d.authorization.approved} == {"card_limit_exceeded"}
    held = sum(hold.amount for hold in Hold.objects.filter(status="open"))
    assert held == Decimal("1000.00")


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_authorizations_on_many_cards_never_pass_the_company_credit_limit(company_a, bob_card):
    from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

    company_a.credit_limit = Money("1000.00", "DKK")
    company_a.save()
    cards = [bob_card] + [issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a)))
                          for _ in range(3)]
    at = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
    calls = [lambda n=n: authorization_decide(request=_request(cards[n % 4].pan, f"P-{n}", "150.00"), on=TODAY,
                                              at=at) for n in range(24)]
    decisions = _run_in_threads(calls)
    assert len([d for d in decisions if d.authorization.approved]) == 6  # 6 × 150 = 900; a 7th would be 1,050
    assert sum(hold.amount for hold in Hold.objects.all()) == Decimal("900.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_transaction_id_in_parallel_holds_once(bob_card):
    at = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
    decisions = _run_in_threads([lambda: authorization_decide(request=_request(bob_card.pan, "SAME", "10.00"),
                                                              on=TODAY, at=at)] * 8)
    assert len(decisions) == 8 and sum(not d.replayed for d in decisions) == 1
    assert Hold.objects.count() == 1


@pytest.mark.django_db
def test_the_daily_step_counts_changes_of_companies_without_authorizations(bob_account, company_a):
    from charges.exposure import exposures_refresh
    from charges.models import CompanyExposure, ExposureChange
    from tests.statements.conftest import post

    post(bob_account, "purchase", "250.00", dt.date(2026, 3, 10), "charge/P-1")
    post(bob_account, "payment", "-50.00", dt.date(2026, 3, 10), "payment/P-2")
    assert ExposureChange.objects.count() == 2
    assert exposures_refresh(at=dt.datetime(2026, 3, 11, 1, 0, tzinfo=dt.UTC)) == 1
    assert CompanyExposure.objects.get(company=company_a).owed == Decimal("200.00")
    assert not ExposureChange.objects.exists()


def _kept_company_holds(company_id: int) -> Decimal:
    """CompanyHoldTotal plus the pending HoldChange rows: what a decision reads on PostgreSQL."""
    from django.db.models import Sum

    from charges.models import CompanyHoldTotal, HoldChange

    total = CompanyHoldTotal.objects.filter(company_id=company_id).values_list("open_amount", flat=True).first()
    pending = HoldChange.objects.filter(company_id=company_id).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal("0.00")) + (pending or Decimal("0.00"))


def _open_holds(company_id: int) -> Decimal:
    from django.db.models import Sum

    return Hold.objects.filter(company_id=company_id, status="open").aggregate(total=Sum("amount"))["total"] or \
        Decimal("0.00")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("bulk", [False, True])
def test_the_kept_company_hold_total_follows_every_path_that_opens_or_closes_a_hold(
        network, bob_card, frozen_day, bulk, monkeypatch):
    """Approvals, the charge import's settlement (row by row and set-based), run_cycle's expiry, folds
    and a removed hold all keep CompanyHoldTotal + HoldChange equal to the sum of the open holds."""
    import charges.authorizations as decisions
    from charges.models import HoldChange

    monkeypatch.setattr(decisions, "FOLD_HOLD_CHANGES_AT", 3)
    company_id = bob_card.card.account.company_id
    for n in range(1, 8):
        assert authorize(network, bob_card.pan, f"{n}0.25", transaction_id=f"K-{n}").json()["approved"]
        assert _kept_company_holds(company_id) == _open_holds(company_id)
    assert HoldChange.objects.filter(company_id=company_id).count() <= 3  # folded as they piled up
    data = charge_file([charge_row("K-1", bob_card.pan, "10.25", transaction_date="2026-03-11",
                                   processing_date="2026-03-12"),
                        charge_row("K-2", bob_card.pan, "20.25", transaction_date="2026-03-11",
                                   processing_date="2026-03-12")])
    charge_file_import(source=io.BytesIO(data), filename="settle.csv", bulk=bulk)
    assert _open_holds(company_id) == Decimal("251.25")  # 30.25 + 40.25 + … + 70.25
    assert _kept_company_holds(company_id) == Decimal("251.25")
    decisions.hold_changes_fold(company_id=company_id)
    assert not HoldChange.objects.filter(company_id=company_id).exists()
    assert _kept_company_holds(company_id) == Decimal("251.25")
    Hold.objects.filter(transaction_id="K-3").delete()
    assert _kept_company_holds(company_id) == _open_holds(company_id) == Decimal("221.00")
    assert holds_expire(on=dt.date(2026, 3, 18)) == 4
    assert _kept_company_holds(company_id) == _open_holds(company_id) == Decimal("0.00")


@pytest.mark.postgres
@pytest.mark.django_db
def test_open_holds_past_their_expiry_stop_counting_before_run_cycle_closes_them(network, bob_card, frozen_day):
    card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, monthly_limit=Decimal("100000.00"))
    company = bob_card.card.account.company
    company.credit_limit = Money("1000.00", company.credit_limit.currency)
    company.save(update_fields=["credit_limit"])
    assert authorize(network, bob_card.pan, "900.00", transaction_id="E-1").json()["approved"]
    assert authorize(network, bob_card.pan, "200.00", transaction_id="E-2").json()["reason"] == \
        "company_credit_limit_exceeded"
    with time_machine.travel(dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC), tick=False):
        # E-1 expires on 18 March; run_cycle has not closed it yet, but it no longer holds spend.
        assert Hold.objects.get(transaction_id="E-1").status == "open"
        assert authorize(network, bob_card.pan, "200.00", transaction_id="E-3").json()["approved"]
