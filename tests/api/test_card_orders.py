import pytest

from accounts.models import Card, Cardmember
from amexprog.common.idempotency import KEY_REUSED
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

ORDER = {"company_number": "10001", "employee_id": "E-900", "first_name": "Ida", "last_name": "Berg",
         "email": "ida@example.com", "cycle_day": 15, "monthly_limit": "20000.00"}


def test_a_pa_token_orders_a_card_and_sees_it_masked(tokens, company_a):
    response = token_client(tokens.a).post("/api/v1/cards/orders/", ORDER, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["account"]["cycle_day"] == 15
    assert body["card"]["status"] == "active"
    assert body["card"]["monthly_limit"] == "20000.00"
    assert len(body["card"]["last4"]) == 4
    assert "card_number" not in str(body) and "pan" not in body["card"]


def test_a_malformed_order_is_a_400_naming_the_field(tokens, company_a):
    response = token_client(tokens.a).post("/api/v1/cards/orders/", {**ORDER, "cycle_day": 30, "email": "x"},
                                           format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"cycle_day", "email"}
    assert not Cardmember.objects.filter(employee_id="E-900").exists()


def test_a_domain_error_is_a_400_with_its_code(tokens, company_a):
    client = token_client(tokens.a)
    client.post("/api/v1/cards/orders/", ORDER, format="json")
    response = client.post("/api/v1/cards/orders/", ORDER, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "cardmember_exists"


def test_an_outsider_cannot_order_for_company_a(tokens, company_a, company_b):
    response = token_client(tokens.b).post("/api/v1/cards/orders/", ORDER, format="json")
    assert response.status_code == 404
    assert not Card.objects.exists()


def test_idempotency_key_replays_the_first_response_and_orders_once(tokens, company_a):
    client = token_client(tokens.a)
    first = client.post("/api/v1/cards/orders/", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    again = client.post("/api/v1/cards/orders/", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Card.objects.count() == 1


def test_the_same_key_with_another_body_is_a_409(tokens, company_a):
    client = token_client(tokens.a)
    client.post("/api/v1/cards/orders/", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="order-2")
    response = client.post("/api/v1/cards/orders/", {**ORDER, "employee_id": "E-901"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="order-2")
    assert response.status_code == 409
    assert response.json() == {"code": "idempotency_key_reused", "detail": KEY_REUSED, "fields": {},
                               "request_id": response["X-Request-ID"]}
    assert Card.objects.count() == 1


def test_keys_are_per_caller(tokens, company_a, alice):
    """Another caller using the same key string gets its own response, never the first caller's."""
    token_client(tokens.a).post("/api/v1/cards/orders/", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    ops = token_client(tokens.ops)
    response = ops.post("/api/v1/cards/orders/", {**ORDER, "employee_id": "E-902"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert Card.objects.count() == 2


def test_a_client_error_is_not_stored_and_the_same_key_runs_again(tokens, company_a):
    """Issue 15 item 8 changed this: a request refused by validation does not use the key up
    (tests/api/test_idempotency_after_auth.py)."""
    client = token_client(tokens.a)
    bad = client.post("/api/v1/cards/orders/", {**ORDER, "email": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert bad.status_code == 400
    again = client.post("/api/v1/cards/orders/", {**ORDER, "email": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert again.status_code == 400 and "Idempotent-Replayed" not in again
