"""POST /api/v1/charge-files/: ops tokens and ops staff only; 201 summary, 400 row report, 409 twice."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from charges.validation import BAD_AMOUNT, UNKNOWN_CARD
from ledger.models import Posting
from tests.accounts.factories import UserFactory
from tests.api.errors import row_errors
from tests.charges.conftest import charge_file, charge_row
from tests.conftest import token_client

URL = "/api/v1/charge-files/"


def upload(client, rows, name="net-2026-03-11.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, charge_file(rows), content_type="text/csv")},
                       format="multipart")


@pytest.fixture
def ops(tokens):
    return token_client(tokens.ops)


def test_ops_token_loads_a_file_and_gets_the_summary(spec_rates, bob_card, ops):
    response = upload(ops, [charge_row("A1", bob_card.pan, "100.00", "USD"),
                            charge_row("A2", bob_card.pan, "300.00", "DKK", type="cash")])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filename"] == "net-2026-03-11.csv"
    assert (body["row_count"], body["posting_count"], body["flagged_count"]) == (2, 4, 0)
    assert body["totals"]["purchase"] == {"count": 1, "amounts": {"DKK": "687.65"}}
    assert body["totals"]["fee_cash"] == {"count": 1, "amounts": {"DKK": "25.00"}}
    assert Posting.objects.count() == 4
    assert ops.get(URL).json()["results"][0]["content_hmac"] == body["content_hmac"]


def test_a_bad_row_is_a_400_with_the_row_report_and_posts_nothing(spec_rates, bob_card, ops):
    other_pan = "378282246310005"  # Luhn-valid, not ours
    response = upload(ops, [charge_row("B1", bob_card.pan, "1.00"), charge_row("B2", other_pan, "1,00")])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "file_rejected"
    assert body["detail"] == "The file was rejected: 2 error(s); nothing was loaded."
    assert row_errors(body) == [
        {"row": 3, "column": "card_number", "reason": UNKNOWN_CARD.format(last4="0005")},
        {"row": 3, "column": "amount", "reason": BAD_AMOUNT},
    ]
    assert other_pan not in response.content.decode() and bob_card.pan not in response.content.decode()
    assert not Posting.objects.exists()


def test_the_same_file_twice_is_a_409(spec_rates, bob_card, ops):
    rows = [charge_row("C1", bob_card.pan, "5.00")]
    assert upload(ops, rows).status_code == 201
    response = upload(ops, rows, name="again.csv")
    assert response.status_code == 409
    assert response.json()["code"] == "file_already_loaded"
    assert Posting.objects.count() == 1


@pytest.mark.parametrize("who", ["a", "network"])
def test_company_and_network_tokens_are_forbidden(spec_rates, bob_card, tokens, who):
    response = upload(token_client(getattr(tokens, who)), [charge_row("D1", bob_card.pan, "5.00")])
    assert response.status_code == 403
    assert not Posting.objects.exists()


def test_a_pa_is_forbidden_and_anonymous_is_401(spec_rates, bob_card, alice, api):
    assert upload(api, [charge_row("D1", bob_card.pan, "5.00")]).status_code == 401
    api.force_login(alice)
    assert upload(api, [charge_row("D1", bob_card.pan, "5.00")]).status_code == 403


def test_ops_staff_with_the_permission_may_upload(spec_rates, bob_card, api):
    staff = UserFactory(username="olga", is_staff=True)
    api.force_login(staff)
    assert upload(api, [charge_row("E1", bob_card.pan, "5.00")]).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="add_chargefile"))
    api.force_login(staff)
    assert upload(api, [charge_row("E1", bob_card.pan, "5.00")]).status_code == 201


def test_the_upload_is_documented(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/charge-files/"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "400", "403", "409"} <= set(post["responses"])
