"""Issue 15 item 12: uploads are limited while they stream, not after they are spooled, for the
API (which had no limit at all) and the portal alike (SPEC section 17)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from amexprog.common.uploads import LimitedUploadHandler, UploadTooLarge
from charges.models import Payment
from disputes.models import Dispute, Evidence
from tests.conftest import token_client
from tests.disputes.conftest import charge

pytestmark = pytest.mark.django_db
LIMIT = 64 * 1024
HEADER = (b"payment_id,account_number,company_number,received_date,type,amount,currency,method,"
          b"original_payment_id,cost\n")


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = LIMIT
    settings.MEDIA_ROOT = str(tmp_path / "media")


def big_csv() -> bytes:
    return HEADER + b"".join(b"P%06d,600000000001,,2026-02-01,payment,1.00,DKK,transfer,,\n" % i for i in range(2000))


def test_issue15_item12_an_api_upload_over_the_limit_is_a_413_and_nothing_is_loaded(tokens):
    response = token_client(tokens.ops).post("/api/v1/payment-files/",
                                             {"file": SimpleUploadedFile("p.csv", big_csv())}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert "nothing was stored" in response.json()["detail"]
    assert not Payment.objects.exists()


class Recorder(TemporaryFileUploadHandler):
    """The handler that would spool to disk: records what reaches it."""

    received = 0

    def receive_data_chunk(self, raw_data, start):
        Recorder.received += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def test_issue15_item12_a_stream_past_the_limit_is_stopped_before_the_limit_reaches_the_disk(monkeypatch):
    """Whatever length a request declares (a proxy may pass a chunked body on), the handler counts the
    chunks and stops at the one that crosses the limit, before the spooling handler receives it."""
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("p.csv", big_csv())})
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    monkeypatch.setattr(LimitedUploadHandler, "handle_raw_input", lambda self, *args, **kwargs: None)
    Recorder.received = 0
    handlers = [LimitedUploadHandler(), Recorder()]
    with pytest.raises(UploadTooLarge):
        MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    assert 0 < Recorder.received <= LIMIT


def test_issue15_item12_a_portal_upload_over_the_limit_is_refused_before_the_form_sees_it(client, bob, bob_account,
                                                                                         bob_card):
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        hotel = charge(bob_account, "400.00", dt.date(2026, 3, 12), "H1", card=bob_card.card)
        client.force_login(bob)
        client.raise_request_exception = False
        response = client.post(reverse("portal:dispute_new", args=[hotel.pk]), {
            "reason": "duplicate", "note": "twice",
            "file": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (LIMIT * 2))})
    assert response.status_code == 400
    assert not Dispute.objects.exists() and not Evidence.objects.exists()
