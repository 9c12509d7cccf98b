"""`POST /api/v1/cards/order-files/`: the Central Order Card over the API (SPEC sections 1, 11, 16)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.imports import NOT_YOUR_COMPANY
from accounts.models import Card, Cardmember
from tests.accounts.order_files import card_file, card_rows, full_pans_in
from tests.api.errors import row_errors
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/cards/order-files/"


def upload(content: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("cards.csv", content, content_type="text/csv")}


def test_a_company_token_orders_its_cards_and_sees_them_masked(tokens):
    response = token_client(tokens.a).post(URL, upload(card_file(*card_rows(3))), format="multipart")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 3
    assert [card["employee_id"] for card in body["cards"]] == ["E001", "E002", "E003"]
    card = Card.objects.get(account__number=body["cards"][0]["account_number"])
    assert body["cards"][0]["last4"] == card.last4
    assert body["cards"][0]["masked_number"].endswith(card.last4)
    assert full_pans_in(response.content.decode()) == []


def test_a_bad_row_is_a_400_with_the_row_by_row_report_and_nothing_issued(tokens):
    rows = card_rows(4)
    rows[2]["cycle_day"] = "30"  # row 4

    response = token_client(tokens.a).post(URL, upload(card_file(*rows)), format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "file_rejected"
    assert body["detail"] == "The file was rejected: 1 error(s); nothing was loaded."
    assert row_errors(body) == [{"row": 4, "column": "cycle_day", "reason": (
        "The statement cycle day must be 1–28, or 31 for the last day of the month.")}]
    assert Card.objects.count() == 0


def test_another_companys_rows_are_row_errors_for_a_token(tokens):
    response = token_client(tokens.b).post(URL, upload(card_file(*card_rows(2))), format="multipart")

    assert response.status_code == 400
    errors = row_errors(response.json())
    assert errors[0] == {"row": 2, "column": "company_number", "reason": NOT_YOUR_COMPANY.format(number="10001")}
    assert Cardmember.objects.count() == 0


def test_carol_cannot_order_for_company_a_and_learns_nothing_about_it(api, carol, company_a):
    api.force_login(carol)
    unknown = api.post(URL, upload(card_file({"company_number": "77777"})), format="multipart")
    response = api.post(URL, upload(card_file(*card_rows(1))), format="multipart")

    assert response.status_code == 400
    reason = row_errors(response.json())[0]["reason"]
    assert reason == NOT_YOUR_COMPANY.format(number="10001")
    # Same answer as for a company that does not exist.
    assert row_errors(unknown.json())[0]["reason"] == NOT_YOUR_COMPANY.format(number="77777")
    assert Card.objects.count() == 0


def test_alice_orders_for_her_company_over_the_api(api, alice):
    api.force_login(alice)
    response = api.post(URL, upload(card_file(*card_rows(1))), format="multipart")
    assert response.status_code == 201
    assert Card.objects.filter(account__company__number="10001").count() == 1


def test_no_file_is_a_field_error_and_a_network_token_is_refused(tokens):
    response = token_client(tokens.a).post(URL, {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]
    assert token_client(tokens.network).post(URL, upload(card_file({})), format="multipart").status_code == 403


def test_an_idempotent_replay_issues_nothing_twice(tokens):
    client = token_client(tokens.a)
    content = card_file(*card_rows(2))
    first = client.post(URL, upload(content), format="multipart", HTTP_IDEMPOTENCY_KEY="order-file-1")
    replay = client.post(URL, upload(content), format="multipart", HTTP_IDEMPOTENCY_KEY="order-file-1")

    assert first.status_code == replay.status_code == 201
    assert json.loads(replay.content) == first.json()
    assert Card.objects.count() == 2
