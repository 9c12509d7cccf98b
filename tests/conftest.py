"""Named people with stated access (DESIGN "Tests"): alice is PA of company A, bob a cardmember of
A, carol PA of company B who must see nothing of A."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.accounts.factories import (
    AccountFactory,
    CardmemberFactory,
    CompanyFactory,
    ProgrammeAdministratorFactory,
    UserFactory,
    issue_card,
)

PASSWORD = "secret-pass-123"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` are skipped on the SQLite run and run in CI's PostgreSQL run."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def reference_rate(request):
    """Late interest needs a reference rate (SPEC section 8); every database test gets the SPEC's
    illustration, 1.60 % (+ 7 points = 8.60 %), in force from 1 July 2025."""
    if "django_db" not in request.keywords and not {"db", "transactional_db"} & set(request.fixturenames):
        return None
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    from fees.models import ReferenceRate

    return ReferenceRate.objects.get_or_create(effective_date=dt.date(2025, 7, 1),
                                               defaults={"rate_percent": Decimal("1.60")})[0]


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttling counters live in the cache (password-reset mail, issue 15 item 10): none carries over
    from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_otp(monkeypatch):
    """PAs and ops must pass a TOTP step (portal.otp); a force_login'd test client is verified too, so
    tests that are not about login need not care. tests/otp_helpers.py has the real flow."""
    from django.test import Client

    from tests.otp_helpers import force_login_verified

    monkeypatch.setattr(Client, "force_login", force_login_verified)


@pytest.fixture
def alice_client(alice):
    """A client logged in as alice through the real login form and TOTP step."""
    from django.test import Client

    from tests.otp_helpers import full_login

    client = Client()
    full_login(client, alice)
    return client


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def company_a(db):
    return CompanyFactory(number="10001", legal_name="Alpha A/S", billing_type="central")


@pytest.fixture
def company_b(db):
    return CompanyFactory(number="10002", legal_name="Beta ApS")


@pytest.fixture
def alice(company_a):
    pa = ProgrammeAdministratorFactory(user=UserFactory(username="alice", first_name="Alice"), companies=[company_a])
    return pa.user


@pytest.fixture
def carol(company_b):
    pa = ProgrammeAdministratorFactory(user=UserFactory(username="carol", first_name="Carol"), companies=[company_b])
    return pa.user


@pytest.fixture
def bob_account(company_a):
    user = UserFactory(username="bob", first_name="Bob")
    cardmember = CardmemberFactory(company=company_a, user=user, first_name="Bob", last_name="Jensen")
    return AccountFactory(cardmember=cardmember)


@pytest.fixture
def bob(bob_account):
    return bob_account.cardmember.user


@pytest.fixture
def bob_card(bob_account):
    return issue_card(bob_account)


@pytest.fixture
def b_account(company_b):
    return AccountFactory(cardmember=CardmemberFactory(company=company_b, first_name="Bjørn", last_name="Beta"))


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def tokens(company_a, company_b):
    """Keys of a company-A token, a company-B token, a network token and an ops token."""
    return SimpleNamespace(
        a=api_token_create(name="A", kind="company", company=company_a)[1],
        b=api_token_create(name="B", kind="company", company=company_b)[1],
        network=api_token_create(name="network", kind="network")[1],
        # An ops token acts as an ops user (issue 15 item 3): a full-powers one, like the matrix's ops.
        ops=api_token_create(name="ops", kind="ops", user=UserFactory(username="ops-robot", is_staff=True,
                                                                       is_superuser=True))[1],
    )


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def network(tokens):
    """An API client holding the card network's token (it sends authorizations, SPEC section 10)."""
    return token_client(tokens.network)
