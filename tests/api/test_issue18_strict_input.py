"""Issue 18 item 1 (SPEC section 16): the API is a strict contract. An unknown body field or query
parameter is a 400 naming it; JSON bodies only (files excepted); `null` means null."""

import pytest

from accounts.models import Card, Cardmember
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

ORDER = {"company_number": "10001", "employee_id": "E-900", "first_name": "Ida", "last_name": "Berg",
         "email": "ida@example.com", "cycle_day": 15, "monthly_limit": "20000.00"}


def test_issue18_item1_a_misspelt_order_field_is_a_400_naming_it_and_orders_nothing(tokens, company_a):
    body = {**ORDER}
    body["montly_limit"] = body.pop("monthly_limit")
    response = token_client(tokens.a).post("/api/v1/cards/orders/", body, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["code"] == "invalid"
    assert error["fields"] == {"montly_limit": [{"code": "unknown_field",
                                                 "message": "Unknown field: this operation does not accept it."}]}
    assert not Cardmember.objects.filter(employee_id="E-900").exists()


def test_issue18_item1_a_misspelt_patch_field_is_a_400_and_changes_nothing(tokens, bob_card):
    card = bob_card.card
    response = token_client(tokens.a).patch(f"/api/v1/cards/{card.pk}/controls/", {"cash_enabeld": True},
                                            format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["cash_enabeld"]
    assert response.json()["fields"]["cash_enabeld"][0]["code"] == "unknown_field"


def test_issue18_item1_a_read_only_field_in_a_body_is_refused(tokens, company_a):
    response = token_client(tokens.a).post("/api/v1/cards/orders/", {**ORDER, "id": 7}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"id": [{"code": "unknown_field",
                                                 "message": "Unknown field: this operation does not accept it."}]}


def test_issue18_item1_a_misspelt_filter_is_a_400_not_every_card(tokens, bob_card):
    client = token_client(tokens.a)
    response = client.get("/api/v1/cards/?stauts=blocked")
    assert response.status_code == 400
    assert response.json()["fields"] == {"stauts": [{"code": "unknown_parameter",
                                                     "message": "Unknown query parameter: this operation does "
                                                                "not accept it."}]}
    # The documented filters and pagination still work.
    assert len(client.get("/api/v1/cards/?status=blocked").json()["results"]) == 0
    assert len(client.get("/api/v1/cards/?status=active&limit=10").json()["results"]) == 1
    # A detail operation documents no filter: a parameter there is unknown too.
    detail = client.get(f"/api/v1/cards/{bob_card.card.pk}/?status=active")
    assert detail.status_code == 400 and list(detail.json()["fields"]) == ["status"]


def test_issue18_item1_an_outsider_still_gets_its_refusal_before_the_parameter_check(tokens, bob_card):
    assert token_client(tokens.network).get("/api/v1/cards/?bogus=1").status_code == 403
    assert token_client("no-such-key").get("/api/v1/cards/?bogus=1").status_code == 401


def test_issue18_item1_a_form_body_is_refused_as_unsupported(tokens, company_a):
    response = token_client(tokens.a).post("/api/v1/cards/orders/", ORDER, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Card.objects.exists()


def test_issue18_item1_null_means_null_and_a_non_nullable_null_is_refused(tokens, company_a):
    client = token_client(tokens.a)
    ordered = client.post("/api/v1/cards/orders/", {**ORDER, "monthly_limit": None}, format="json")
    assert ordered.status_code == 201, ordered.json()
    assert ordered.json()["card"]["monthly_limit"] is None
    refused = client.post("/api/v1/cards/orders/", {**ORDER, "employee_id": "E-901", "cycle_day": None},
                          format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["cycle_day"][0]["code"] == "null"


def test_issue18_item1_every_documented_operation_refuses_an_unknown_query_parameter(tokens):
    """Strictness is automatic: every operation the schema documents, whatever view serves it, answers an
    undocumented query parameter with a 400 naming it (ids in paths need not exist: the check comes first)."""
    import re

    import yaml
    from django.test import Client

    schema = yaml.safe_load(Client().get("/api/schema/").content)
    ops, company = token_client(tokens.ops), token_client(tokens.a)
    problems = []
    for path, methods in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        # The sandbox is a company read-write token's (ops are refused before any check).
        client = company if path.startswith("/api/v1/sandbox/") else ops
        for method in methods:
            if (method, path) == ("post", "/api/v1/authorizations"):
                continue  # the network's call: an ops token is refused before any check
            response = getattr(client, method)(f"{url}?zz_unknown=1", format="json")
            if response.status_code != 400 or list(response.json()["fields"]) != ["zz_unknown"]:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
    assert problems == []
