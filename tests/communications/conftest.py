from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Notice
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.test_translations import compiled_locale  # noqa: F401  (the catalogues, compiled for the test)

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def dina_account(company_a):
    """A cardmember of A with individual billing: her notices go to her, not to the PAs (SPEC 15)."""
    cardmember = CardmemberFactory(company=company_a, first_name="Dina", last_name="Dahl", email="dina@example.com",
                                   language="da")
    return AccountFactory(cardmember=cardmember, billing_type="individual", liability="joint")


def make_notice(*, key: str, cardmember=None, company=None, on: dt.date = DAY, subject: str = "Card blocked",
                body: str = "Your card was blocked.", kind: str = Notice.Kind.BLOCK) -> Notice:
    return Notice.objects.create(kind=kind, cardmember=cardmember, company=company, subject=subject, body=body,
                                 created_on=on, source_key=key)
