"""`GET /api/v1/dispute-rules/`, `GET /api/v1/eurobonus/points-rules/` and `GET /api/v1/programme-rules/`:
the versioned numbers of SPEC sections 9–13, published terms every admitted caller reads; read-only
over the API (the programme rules' own listing is tested in tests/accounts/test_programme_rules.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import ProgrammeRules
from disputes.models import DisputeRules
from rewards.models import PointsRule
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

DISPUTE_RULES = "/api/v1/dispute-rules/"
POINTS_RULES = "/api/v1/eurobonus/points-rules/"
PROGRAMME_RULES = "/api/v1/programme-rules/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def versions(db):
    DisputeRules.objects.create(market="DK", effective_from=dt.date(2027, 1, 1), currency="DKK",
                                unauthorized_holder_cap=Decimal("1200.00"))
    PointsRule.objects.create(market="DK", currency="DKK", effective_from=dt.date(2027, 1, 1), label="DK 2027",
                              spend_per_point=Decimal("12.50"))


def test_dispute_rule_versions_per_market_newest_first_with_filters(versions, tokens):
    client = token_client(tokens.a)
    rows = client.get(DISPUTE_RULES, {"market": "DK"}).json()["results"]
    assert [(row["effective_from"], row["unauthorized_holder_cap"]) for row in rows][0] == ("2027-01-01", "1200.00")
    assert len(rows) == DisputeRules.objects.filter(market="DK").count() >= 2
    assert {row["market"] for row in client.get(DISPUTE_RULES).json()["results"]} == {"DK", "BE"}
    later = client.get(DISPUTE_RULES, {"effective_from_from": "2026-06-01"}).json()["results"]
    assert [(row["market"], row["effective_from"]) for row in later] == [("DK", "2027-01-01")]


def test_points_rule_versions_per_market_newest_first_with_filters(versions, tokens):
    client = token_client(tokens.a)
    rows = client.get(POINTS_RULES, {"market": "DK"}).json()["results"]
    assert [(row["effective_from"], row["spend_per_point"]) for row in rows] == [
        ("2027-01-01", "12.50"), ("2000-01-01", "10.00")]
    assert {row["market"] for row in client.get(POINTS_RULES).json()["results"]} == {"DK", "BE"}
    before = client.get(POINTS_RULES, {"effective_from_to": "2026-01-01"}).json()["results"]
    assert {row["effective_from"] for row in before} == {"2000-01-01"}


@pytest.mark.parametrize("url", [DISPUTE_RULES, POINTS_RULES, PROGRAMME_RULES])
def test_every_admitted_caller_reads_the_published_rules_but_nobody_writes_them_here(versions, tokens, carol, bob,
                                                                                     url):
    expected = token_client(tokens.ops).get(url).json()
    for client in (token_client(tokens.b), session(carol), session(bob)):
        assert client.get(url).json() == expected
    assert token_client(tokens.network).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
    before = (DisputeRules.objects.count(), PointsRule.objects.count(), ProgrammeRules.objects.count())
    assert token_client(tokens.ops).post(url, {"market": "DK"}, format="json").status_code == 405
    assert (DisputeRules.objects.count(), PointsRule.objects.count(), ProgrammeRules.objects.count()) == before
