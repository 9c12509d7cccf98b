"""Response schemas that schemathesis found wrong (tests/api/test_schemathesis.py), pinned one by one."""

import pytest
import yaml

from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    from django.test import Client

    return yaml.safe_load(Client().get("/api/schema/").content)


def response_schema(schema, path: str, method: str, code: str) -> dict:
    content = schema["paths"][path][method]["responses"][code]["content"]
    found = next(iter(content.values()))["schema"]
    if "$ref" in found:
        found = schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[-1]]
    return found


def test_a_companys_administrators_are_a_cursor_page_as_sent(schema, tokens, alice, company_a):
    """Issue 18 item 6 replaced the plain array by the cursor envelope every list has: schema and body agree."""
    documented = response_schema(schema, "/api/v1/companies/{number}/administrators/", "get", "200")
    assert {"results", "has_more", "next_starting_after", "next"} <= set(documented["properties"])
    body = token_client(tokens.a).get(f"/api/v1/companies/{company_a.number}/administrators/").json()
    assert [row["email"] for row in body["results"]] == [alice.email] and body["has_more"] is False


def test_an_upload_without_a_file_answers_invalid_as_documented(schema, tokens):
    documented = response_schema(schema, "/api/v1/charge-files/", "post", "400")
    assert documented["required"] == ["code", "detail", "fields", "request_id"]  # the Error component
    response = token_client(tokens.ops).post("/api/v1/charge-files/", {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "file" in response.json()["fields"]
