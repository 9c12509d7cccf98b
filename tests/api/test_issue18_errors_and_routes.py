"""Issue 18 items 3 and 4 (SPEC section 16): every answer under /api/ is JSON, a missing trailing slash
is a 308 (never a 301 a client follows as a GET, nor a 500), and every error has one shape:
{"code", "detail", "fields": {name: [{"code", "message"}]}, "request_id"}."""

import pytest
from django.test import override_settings

from accounts.models import Card
from amexprog.common.idempotency import KEY_REUSED
from disputes.models import Dispute
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

SHAPE = {"code", "detail", "fields", "request_id"}
ORDER = {"company_number": "10001", "employee_id": "E-900", "first_name": "Ida", "last_name": "Berg",
         "email": "ida@example.com", "cycle_day": 15, "monthly_limit": "20000.00"}


@pytest.mark.parametrize("debug", [True, False])
def test_issue18_item3_a_post_without_the_trailing_slash_is_a_json_308_and_creates_nothing(tokens, company_a, debug):
    with override_settings(DEBUG=debug):
        response = token_client(tokens.a).post("/api/v1/disputes?x=1", {"charge_id": 1, "reason": "not_received"},
                                               format="json", HTTP_X_REQUEST_ID="req-308")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/disputes/?x=1"
    assert response.json() == {"code": "use_other_path", "fields": {}, "request_id": "req-308",
                               "detail": "This path has no route; the same operation is at /api/v1/disputes/ "
                                         "(repeat the request there)."}
    assert not Dispute.objects.exists()


def test_issue18_item3_a_path_with_a_slash_too_many_points_to_the_one_without(tokens):
    response = token_client(tokens.a).get("/api/v1/whoami/")
    assert response.status_code == 308 and response["Location"] == "/api/v1/whoami"


@pytest.mark.parametrize("debug", [True, False])
def test_issue18_item3_an_unknown_route_is_a_json_404(tokens, debug):
    with override_settings(DEBUG=debug):
        response = token_client(tokens.a).get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="req-404")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "No API route has this path.", "fields": {},
                               "request_id": "req-404"}


def test_issue18_item3_a_wrong_method_is_a_json_405_in_the_one_shape(tokens):
    response = token_client(tokens.a).delete("/api/v1/cards/", HTTP_X_REQUEST_ID="req-405")
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "detail": 'Method "DELETE" not allowed.',
                               "fields": {}, "request_id": "req-405"}


def test_issue18_item4_a_validation_error_names_each_field_with_a_code(tokens, company_a):
    response = token_client(tokens.a).post("/api/v1/cards/orders/", {**ORDER, "cycle_day": 30, "email": "x"},
                                           format="json", HTTP_X_REQUEST_ID="req-400")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid", "detail": "The request has invalid fields.", "request_id": "req-400",
        "fields": {"cycle_day": [{"code": "invalid", "message": "Use 1–28, or 31 for the last day of the month."}],
                   "email": [{"code": "invalid", "message": "Enter a valid email address."}]},
    }


def test_issue18_item4_a_domain_error_naming_its_field_has_the_same_shape(tokens, bob_card):
    """Before: `{"code": "reason_required", "detail": ..., "extra": {"field": "reason"}}`."""
    response = token_client(tokens.a).post(f"/api/v1/cards/{bob_card.card.pk}/report/", {"status": "bogus"},
                                           format="json", HTTP_X_REQUEST_ID="req-dom")
    body = response.json()
    assert response.status_code == 400 and set(body) == SHAPE and "extra" not in body
    assert body["request_id"] == "req-dom"
    for errors in body["fields"].values():
        assert all(set(error) >= {"code", "message"} for error in errors)


def test_issue18_item4_idempotency_and_auth_errors_have_the_one_shape(tokens, company_a):
    client = token_client(tokens.a)
    client.post("/api/v1/cards/orders/", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="k")
    reused = client.post("/api/v1/cards/orders/", {**ORDER, "employee_id": "E-901"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="k", HTTP_X_REQUEST_ID="req-409")
    assert reused.status_code == 409
    assert reused.json() == {"code": "idempotency_key_reused", "detail": KEY_REUSED, "fields": {},
                             "request_id": "req-409"}
    assert Card.objects.count() == 1
    anonymous = token_client("no-such-key").get("/api/v1/cards/")
    assert anonymous.status_code == 401 and set(anonymous.json()) == SHAPE
    assert anonymous.json()["request_id"] == anonymous["X-Request-ID"]
