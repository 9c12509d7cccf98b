"""Issue 18 item 5 (SPEC section 16): a schema clients can be generated from. It is valid OpenAPI 3,
every operation documents its errors in the one error shape, descriptions are for integrators, component
names are plain, and what the server answers matches what the schema says."""

import re

import pytest
import yaml
from django.test import Client
from openapi_spec_validator import validate

from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load(Client().get("/api/schema/").content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_issue18_item5_the_schema_is_valid_openapi(schema):
    validate(schema)  # raises on the first violation (before: CardOrderRequest.country default "" minLength 2)
    country = schema["components"]["schemas"]["CardOrderRequest"]["properties"]["country"]
    assert "minLength" not in str(country)


def test_issue18_item5_every_operation_documents_its_errors_in_the_one_shape(schema):
    undocumented = [f"{method.upper()} {path}" for path, method, operation in operations(schema)
                    if "400" not in operation["responses"]]
    assert undocumented == []
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert response["content"] == {"application/json": {"schema": ERROR_REF}}, (method, path, code)
        if "{" in path:
            assert "404" in operation["responses"], (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "detail", "fields", "request_id"]
    assert schema["components"]["schemas"]["FieldError"]["required"] == ["code", "message"]


def test_issue18_item5_descriptions_carry_no_internal_references(schema):
    text = yaml.safe_dump({"paths": schema["paths"], "components": schema["components"]}, allow_unicode=True)
    assert re.findall(r".{0,40}(?:SPEC section|issue \d+ item|is claimed after).{0,20}", text) == []


def test_issue18_item5_component_names_are_plain(schema):
    names = set(schema["components"]["schemas"])
    assert [name for name in names if name.endswith(("ListList", "RequestRequest"))] == []
    assert {"PaginatedDisputeList", "AuthorizationRequestBody"} <= names


def test_issue18_item5_only_json_bodies_are_documented_except_uploads(schema):
    for path, method, operation in operations(schema):
        media = set(operation.get("requestBody", {}).get("content", {}))
        assert media <= {"application/json", "multipart/form-data"}, (method, path, media)
        assert "application/x-www-form-urlencoded" not in media


def test_issue18_item5_an_approved_authorization_has_a_null_reason_in_the_list_as_in_the_decision(
        schema, tokens, bob_card):
    decision = authorize(token_client(tokens.network), bob_card.pan, "100.00", transaction_id="A-1").json()
    assert decision["approved"] is True and decision["reason"] is None
    listed = token_client(tokens.a).get("/api/v1/authorizations/").json()["results"]
    assert [(row["transaction_id"], row["reason"]) for row in listed] == [("A-1", None)]
    documented = schema["components"]["schemas"]["Authorization"]["properties"]["reason"]
    assert documented["nullable"] is True
