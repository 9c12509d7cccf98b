"""The SAS batch over the API (SPEC sections 13, 16): ops export a month and load SAS's confirmation,
what `export_eurobonus` and `import_eurobonus_confirmation` do; nobody else may."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.roles import FINANCE, VIEWER
from rewards.exports import MISMATCH, MONTH_NOT_COMPLETE
from rewards.models import ExportBatch, PointsPosting
from rewards.services import enrolment_enrol_by_card_order
from tests.accounts.factories import ops_user
from tests.api.errors import row_errors
from tests.conftest import token_client
from tests.rewards.conftest import JAN_5, MEMBER, purchase, refund
from tests.rewards.test_export_eurobonus import OTHER_MEMBER, confirmation
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/eurobonus/batches/export/"
CONFIRM = "/api/v1/eurobonus/batches/confirmation/"
FEB_2 = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)
FEB_20 = dt.datetime(2026, 2, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def january(enrolled, bob_account, other_account):
    """Bob earns 123 points in January; Ditte 40 points less a 10-point refund in February."""
    enrolment_enrol_by_card_order(account=other_account, member_number=OTHER_MEMBER, on=JAN_5)
    purchase(bob_account, "1234.56", dt.date(2026, 1, 10), "charge/bob")
    shoes = purchase(other_account, "400.00", dt.date(2026, 1, 12), "charge/ditte")
    run_through(dt.date(2026, 1, 31), start=JAN_5)
    refund(other_account, "100.00", dt.date(2026, 2, 3), "charge/ditte-refund", of=shoes)
    return bob_account, other_account


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def upload(content: bytes) -> dict:
    return {"file": SimpleUploadedFile("confirmation.csv", content, content_type="text/csv")}


@time_machine.travel(FEB_2, tick=False)
def test_ops_export_a_complete_month_and_get_the_batch_and_the_file(january, tokens):
    ops = token_client(tokens.ops)
    too_early = ops.post(EXPORT, {"month": "2026-02"}, format="json")
    assert too_early.status_code == 400
    assert too_early.json()["code"] == "month_not_complete"
    assert too_early.json()["detail"] == MONTH_NOT_COMPLETE.format(
        through=dt.date(2026, 1, 31), month=dt.date(2026, 2, 1), last=dt.date(2026, 2, 28))

    response = ops.post(EXPORT, {"month": "2026-01"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["first_export"] is True
    assert (body["batch"]["reference"], body["batch"]["status"], body["batch"]["line_count"],
            body["batch"]["control_total"], body["batch"]["exported_on"]) == (
        "AMEXPROG-EB-2026-01", "exported", 2, 163, "2026-02-02")
    assert body["content"].startswith("record_type,batch_reference,")
    assert body["content"].endswith("T,AMEXPROG-EB-2026-01,,,163,,,2\n")
    again = ops.post(EXPORT, {"month": "2026-01"}, format="json").json()
    assert again["first_export"] is False and again["content"] == body["content"]
    assert ExportBatch.objects.get(month=dt.date(2026, 1, 1)).control_total == 163


def test_a_malformed_month_is_a_400_naming_the_field(january, tokens):
    for month in ("2026-13", "0000-01", "2026-1", ""):
        response = token_client(tokens.ops).post(EXPORT, {"month": month}, format="json")
        assert response.status_code == 400, month
        assert "month" in response.json()["fields"]
    assert not ExportBatch.objects.filter(status="exported").exists()


@time_machine.travel(FEB_2, tick=False)
def test_only_ops_export_and_confirm(january, tokens, alice, carol, bob):
    for client in (token_client(tokens.a), token_client(tokens.b), token_client(tokens.network),
                   session(alice), session(carol), session(bob)):
        assert client.post(EXPORT, {"month": "2026-01"}, format="json").status_code == 403
        assert client.post(CONFIRM, upload(confirmation([])), format="multipart").status_code == 403
    assert APIClient().post(EXPORT, {"month": "2026-01"}, format="json").status_code == 401
    assert not ExportBatch.objects.filter(status="exported").exists()
    assert session(ops_user("ops-viewer", VIEWER)).post(EXPORT, {"month": "2026-01"}, format="json").status_code == 403
    staff = ops_user("ops-staff", FINANCE)  # the SAS batches are finance's (issue 15 item 3)
    assert session(staff).post(EXPORT, {"month": "2026-01"}, format="json").status_code == 200


def test_ops_load_sas_confirmation_and_the_batch_is_confirmed(january, tokens):
    bob, ditte = january
    ops = token_client(tokens.ops)
    with time_machine.travel(FEB_2, tick=False):
        assert ops.post(EXPORT, {"month": "2026-01"}, format="json").status_code == 200
    bob_line = PointsPosting.objects.get(account=bob)
    ditte_line = PointsPosting.objects.get(account=ditte)
    wrong = confirmation([("AMEXPROG-EB-2026-01", bob_line.line_reference, MEMBER, 124, "accepted", "")])
    good = confirmation([
        ("AMEXPROG-EB-2026-01", bob_line.line_reference, MEMBER, 123, "accepted", ""),
        ("AMEXPROG-EB-2026-01", ditte_line.line_reference, OTHER_MEMBER, 40, "rejected", "unknown member"),
    ])
    with time_machine.travel(FEB_20, tick=False):
        rejected = ops.post(CONFIRM, upload(wrong), format="multipart")
        assert rejected.status_code == 400
        assert rejected.json()["code"] == "file_rejected"
        assert {"row": 2, "column": "points", "reason": MISMATCH.format(given=124, expected=123)} in (
            row_errors(rejected.json()))
        assert ExportBatch.objects.get().status == "exported"

        response = ops.post(CONFIRM, upload(good), format="multipart")

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["accepted"], body["rejected"]) == (1, 1)
        assert (body["batch"]["status"], body["batch"]["confirmed_on"], body["batch"]["accepted_points"],
                body["batch"]["rejected_points"]) == ("confirmed", "2026-02-20", 123, 40)
        again = ops.post(CONFIRM, upload(good), format="multipart")
        assert (again.status_code, again.json()["code"]) == (400, "batch_already_confirmed")
    ditte_line.refresh_from_db()
    assert (ditte_line.sas_status, ditte_line.sas_reason) == ("rejected", "unknown member")
