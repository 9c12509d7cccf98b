"""An authorization does not wait for a charge import that touches the same card (found by bench/load.py).

A charge import inserts postings that reference the card and its account, so until it commits its
transaction holds FOR KEY SHARE row locks on them (PostgreSQL's foreign-key checks). The decision
locks the card and its company with FOR NO KEY UPDATE, which does not conflict with those, so it
answers at once; with FOR UPDATE it queued behind the whole import (seconds, under load).
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_decision_is_not_blocked_by_an_open_import_transaction_on_the_same_card(tokens, bob_card):
    importing = connection.get_new_connection(connection.get_connection_params())
    try:
        with importing.cursor() as cursor:  # psycopg2 opens a transaction, as the import's atomic block does
            cursor.execute("SELECT id FROM accounts_card WHERE id = %s FOR KEY SHARE", [bob_card.card.pk])
            cursor.execute("SELECT id FROM accounts_account WHERE id = %s FOR KEY SHARE", [bob_card.card.account_id])
            cursor.execute("SELECT id FROM accounts_company WHERE id = %s FOR KEY SHARE",
                           [bob_card.card.account.company_id])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        try:
            response = token_client(tokens.network).post("/api/v1/authorizations", {
                "transaction_id": "DURING-IMPORT-1", "card_number": bob_card.pan, "type": "purchase",
                "amount": "100.00", "currency": "DKK", "merchant_name": "Netto", "merchant_city": "København",
                "merchant_country": "DK", "mcc": "5411", "entry_mode": "chip", "pin_verified": True,
            }, format="json")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        assert response.status_code == 200, response.content
        assert response.json()["approved"] is True
    finally:
        importing.rollback()
        importing.close()
