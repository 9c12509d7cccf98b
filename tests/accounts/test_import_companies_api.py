"""`POST /api/v1/company-files/`: what `import_companies` does, for ops only (SPEC sections 3, 11, 16)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moneyed import Money
from rest_framework.test import APIClient

from accounts.models import Company
from accounts.roles import CREDIT
from accounts.services import ANNUAL_FEE_TOO_HIGH
from tests.accounts.factories import ops_user
from tests.accounts.order_files import company_file
from tests.api.errors import row_errors
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/company-files/"
NEW = {"company_number": "30003"}


def upload(content: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("companies.csv", content, content_type="text/csv")}


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_an_ops_token_onboards_the_companies_of_a_good_file(tokens):
    response = token_client(tokens.ops).post(URL, upload(company_file(NEW, {"company_number": "30004"})),
                                             format="multipart")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 2
    assert [company["number"] for company in body["companies"]] == ["30003", "30004"]
    company = Company.objects.get(number="30003")
    assert company.credit_limit == Money("500000.00", "DKK")
    assert body["companies"][0]["credit_limit"] == "500000.00"


def test_ops_staff_may_onboard_too(company_a):
    staff = ops_user("ops-staff", CREDIT)  # onboarding is credit's (issue 15 item 3)
    assert session(staff).post(URL, upload(company_file(NEW)), format="multipart").status_code == 201
    assert Company.objects.filter(number="30003").exists()


def test_one_bad_row_creates_nothing_and_answers_the_row_by_row_report(tokens):
    rows = [{"company_number": f"3{index:04d}"} for index in range(1, 6)]
    rows[3]["annual_fee"] = "650.01"  # row 5: above the DKK cap

    response = token_client(tokens.ops).post(URL, upload(company_file(*rows)), format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "file_rejected"
    assert body["detail"] == "The file was rejected: 1 error(s); nothing was loaded."
    assert row_errors(body) == [{"row": 5, "column": "annual_fee", "reason": str(ANNUAL_FEE_TOO_HIGH)}]
    assert not Company.objects.filter(number__startswith="3").exists()


def test_a_missing_file_is_a_400_invalid(tokens):
    response = token_client(tokens.ops).post(URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_nobody_but_ops_may_onboard_companies(tokens, alice, carol, bob):
    before = Company.objects.count()
    for client in (token_client(tokens.a), token_client(tokens.b), token_client(tokens.network),
                   session(alice), session(carol), session(bob)):
        assert client.post(URL, upload(company_file(NEW)), format="multipart").status_code == 403
    assert APIClient().post(URL, upload(company_file(NEW)), format="multipart").status_code == 401
    assert Company.objects.count() == before


def test_an_idempotency_key_replays_the_first_answer(tokens):
    client = token_client(tokens.ops)
    first = client.post(URL, upload(company_file(NEW)), format="multipart", HTTP_IDEMPOTENCY_KEY="companies-1")
    again = client.post(URL, upload(company_file(NEW)), format="multipart", HTTP_IDEMPOTENCY_KEY="companies-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Company.objects.filter(number="30003").count() == 1
