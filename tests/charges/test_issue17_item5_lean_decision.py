"""Issue 17 item 5: a decision's fixed costs. The network's call is answered without DRF's request, negotiation,
parsers and renderers (the same checks, the same bytes); on PostgreSQL an approval adds its hold to the
company's kept total itself instead of leaving a HoldChange row for every later decision to sum, and a
transaction id seen before is found by the unique insert (or by an error answer) rather than looked up first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from charges.models import Authorization, CompanyHoldTotal, FxRate, Hold, HoldChange
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def network(tokens):
    return token_client(tokens.network)


def test_issue17_item5_the_network_call_is_answered_without_drf_request_parsing(network, bob_card, monkeypatch):
    from rest_framework.views import APIView

    import charges.authorization_apis as apis

    def refuse(*args, **kwargs):
        raise AssertionError("DRF's request machinery ran for the network's decision")

    with monkeypatch.context() as patched:
        patched.setattr(APIView, "initialize_request", refuse)
        lean = authorize(network, bob_card.pan, "120.00")
    assert lean.status_code == 200
    assert lean.json()["approved"] is True and lean.json()["hold_amount"] == "120.00"
    # The same body again, now through DRF's path: the first decision, in the same bytes and headers.
    monkeypatch.setattr(apis.AuthorizationView, "decide_directly", lambda self, request: None)
    through_drf = authorize(network, bob_card.pan, "120.00")
    assert through_drf.status_code == 200 and through_drf.content == lean.content
    for header in ("Content-Type", "Allow", "Vary"):
        assert through_drf.get(header) == lean.get(header), header
    assert Hold.objects.count() == 1 and Authorization.objects.count() == 1


def test_issue17_item5_an_error_answer_is_worded_as_drf_words_it(network, bob_card, monkeypatch):
    import charges.authorization_apis as apis

    authorize(network, bob_card.pan, "100.00")
    lean = authorize(network, bob_card.pan, "100.01")  # the transaction id again with another body
    monkeypatch.setattr(apis.AuthorizationView, "decide_directly", lambda self, request: None)
    through_drf = authorize(network, bob_card.pan, "100.01")
    assert lean.status_code == through_drf.status_code == 409
    assert {**lean.json(), "request_id": ""} == {**through_drf.json(), "request_id": ""}
    assert lean.json()["code"] == "transaction_id_reused"
    assert lean.get("Content-Type") == through_drf.get("Content-Type")


def _open_holds_kept(company_id: int) -> Decimal:
    total = CompanyHoldTotal.objects.filter(company_id=company_id).values_list("open_amount", flat=True).first()
    pending = HoldChange.objects.filter(company_id=company_id).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal("0.00")) + (pending or Decimal("0.00"))


@pytest.mark.postgres
def test_issue17_item5_an_approval_adds_its_hold_to_the_company_total_itself(network, bob_card, company_a):
    from charges.authorizations import hold_expire

    assert authorize(network, bob_card.pan, "100.00", transaction_id="T-1").json()["approved"] is True
    assert authorize(network, bob_card.pan, "50.00", transaction_id="T-2").json()["approved"] is True
    assert not HoldChange.objects.filter(company_id=company_a.pk).exists()
    assert CompanyHoldTotal.objects.get(company_id=company_a.pk).open_amount == Decimal("150.00")
    # Any other writer of holds still leaves its change for the next decision to fold.
    hold_expire(hold=Hold.objects.get(transaction_id="T-1"), on=dt.date(2026, 3, 11))
    assert list(HoldChange.objects.filter(company_id=company_a.pk).values_list("amount", flat=True)) == [
        Decimal("-100.00")]
    open_sum = Hold.objects.filter(company_id=company_a.pk, status="open").aggregate(total=Sum("amount"))["total"]
    assert _open_holds_kept(company_a.pk) == open_sum == Decimal("50.00")
    # A direct write (the admin, a fixture) is counted by the trigger as before.
    Hold.objects.filter(transaction_id="T-2").delete()
    assert _open_holds_kept(company_a.pk) == Decimal("0.00")


@pytest.mark.postgres
def test_issue17_item5_a_replay_is_answered_even_when_the_request_could_no_longer_be_decided(network, bob_card):
    from accounts.pan import generate_pan
    from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, store_rates

    store_rates(RATE_DATE, RATES_2026_03_10)
    first = authorize(network, bob_card.pan, "200.00", currency="EUR", transaction_id="F-1")
    assert first.status_code == 200 and first.json()["approved"] is True
    FxRate.objects.all().delete()  # no rates now: a new EUR request could not be decided (503)
    assert authorize(network, bob_card.pan, "10.00", currency="EUR", transaction_id="F-2").status_code == 503
    again = authorize(network, bob_card.pan, "200.00", currency="EUR", transaction_id="F-1")
    assert again.status_code == 200 and again.json() == first.json()
    other = authorize(network, bob_card.pan, "200.01", currency="EUR", transaction_id="F-1")
    assert other.status_code == 409 and other.json()["code"] == "transaction_id_reused"
    unknown_card = authorize(network, generate_pan(), "200.00", currency="EUR", transaction_id="F-1")
    assert unknown_card.status_code == 409 and unknown_card.json()["code"] == "transaction_id_reused"
    assert Hold.objects.count() == 1 and Authorization.objects.count() == 1
