"""Shared set-up for disputes: charges as the charge import posts them, ops, frozen time, media."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from disputes.audit import Actor, actor_of
from ledger.models import PostingKind
from ledger.services import posting_create
from ledger.verification import verify_ledger
from tests.accounts.factories import UserFactory
from tests.statements.conftest import no_fee_company, overdue_account  # noqa: F401  (fixtures used here)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Evidence files land in a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def ops_user(db):
    return UserFactory(username="olga", first_name="Olga", last_name="Ops", is_staff=True, is_superuser=True)


@pytest.fixture
def ops(ops_user) -> Actor:
    return actor_of(ops_user)


@pytest.fixture
def holder(bob) -> Actor:
    return actor_of(bob)


def charge(account, amount: str, on: dt.date, key: str, *, card=None, transaction_date: dt.date | None = None,
           merchant: str = "Hotel Alpha", city: str = "København", country: str = "DK", kind: str = "purchase"):
    """A charge as charges.services posts it: source key `charge/<id>`, merchant and card details."""
    return posting_create(
        account=account, kind=kind, amount=Money(Decimal(amount), account.currency), posting_date=on,
        source_key=f"charge/{key}", description=f"{merchant}, {city}", card=card,
        transaction_date=transaction_date or on, merchant_name=merchant, merchant_city=city,
        merchant_country=country, mcc="7011",
    )[0]


def fee(charge_posting, amount: str, kind: str = PostingKind.FEE_FX):
    return posting_create(
        account=charge_posting.account, kind=kind, amount=Money(Decimal(amount), charge_posting.account.currency),
        posting_date=charge_posting.posting_date, source_key=f"{kind}/{charge_posting.source_key}",
        related=charge_posting, card=charge_posting.card, transaction_date=charge_posting.transaction_date,
    )[0]


def assert_ledger_clean() -> None:
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def dkk(amount: str) -> Money:
    return Money(Decimal(amount), "DKK")
