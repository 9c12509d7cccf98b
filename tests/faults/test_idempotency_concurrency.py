"""One Idempotency-Key replayed 50 times at once (issue 9, item 7).

Fifty threads post the same payment file with the same key at the same moment to gunicorn (three
threaded workers, so all fifty are in flight together) on PostgreSQL: the file is loaded once (one
payment, one posting), and all fifty callers get the same status and the same body — the first
request's response, replayed to the others once it is stored (amexprog/common/idempotency.py). A
rejected file is not stored (issue 15 item 8): the others validate it again and get the same report.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from amexprog.common.models import IdempotencyRecord
from charges.payment_models import Payment, PaymentFile
from ledger.models import Posting
from ledger.verification import verify_ledger
from tests.api.errors import row_errors

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CALLERS = 50
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(django_db_setup):
    """gunicorn on a free port, serving the test database (each test's data is committed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "amexprog.settings.test",
           "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "amexprog.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "3", "--threads", "17", "--worker-class", "gthread", "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=20).close()
                break
            except OSError:  # not listening yet, or still importing Django
                assert process.poll() is None, "gunicorn exited"
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the arbiter and its workers: nothing here needs a clean stop
        process.wait(timeout=30)
HEADER = "payment_id,account_number,company_number,received_date,type,amount,currency,method,original_payment_id,cost\n"


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(url: str, body: bytes, content_type: str, headers: dict[str, str]) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def fire_at_once(url: str, body: bytes, content_type: str, headers: dict[str, str]) -> list:
    start = threading.Barrier(CALLERS)

    def one(_n: int):
        start.wait(timeout=30)
        return post(url, body, content_type, headers)

    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        return list(pool.map(one, range(CALLERS)))


def test_fifty_concurrent_replays_of_one_key_load_the_payment_file_once(server, tokens, bob_account):
    body, content_type = multipart("bank.csv", (
        HEADER + f"IDEM-1,{bob_account.number},,2026-03-11,payment,250.00,DKK,giro,,\n").encode())
    headers = {"Authorization": f"Token {tokens.ops}", "Idempotency-Key": "pay-file-2026-03-11"}

    results = fire_at_once(f"{server}/api/v1/payment-files/", body, content_type, headers)

    statuses = {status for status, _body, _headers in results}
    bodies = {raw for _status, raw, _headers in results}
    assert statuses == {201}, [(status, raw[:200]) for status, raw, _h in results if status != 201]
    assert len(bodies) == 1
    loaded = json.loads(bodies.pop())
    assert loaded["filename"] == "bank.csv" and loaded["payment_count"] == 1
    assert sum(h.get("Idempotent-Replayed") == "true" for _s, _b, h in results) == CALLERS - 1
    assert PaymentFile.objects.count() == 1 and Payment.objects.count() == 1
    assert Posting.objects.filter(kind="payment").count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_fifty_concurrent_replays_of_a_rejected_file_all_get_the_same_report(server, tokens, bob_account):
    """A refusal does not use the key up (issue 15 item 8): each waiting caller runs the validation
    itself once the first lets the key go, every caller gets the same report, nothing is loaded and
    no record is kept."""
    body, content_type = multipart("bad.csv", (
        HEADER + f"IDEM-2,{bob_account.number},,2026-02-30,payment,1.005,DKK,giro,,\n").encode())
    headers = {"Authorization": f"Token {tokens.ops}", "Idempotency-Key": "bad-file"}

    results = fire_at_once(f"{server}/api/v1/payment-files/", body, content_type, headers)

    assert {status for status, _b, _h in results} == {400}
    # The same refusal for each, but for its own request id (issue 18 item 4).
    assert len({json.dumps({**json.loads(raw), "request_id": ""}) for _s, raw, _h in results}) == 1
    report = json.loads(results[0][1])
    assert report["code"] == "file_rejected"
    assert {error["column"] for error in row_errors(report)} >= {"received_date", "amount"}
    assert not any(h.get("Idempotent-Replayed") for _s, _b, h in results)
    assert not PaymentFile.objects.exists() and not Posting.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_different_body_under_the_same_key_is_refused_while_the_first_is_replayed(server, tokens,
                                                                                    bob_account):
    url = f"{server}/api/v1/payment-files/"
    headers = {"Authorization": f"Token {tokens.ops}", "Idempotency-Key": "one-key"}
    first, content_type = multipart("a.csv", (
        HEADER + f"IDEM-3,{bob_account.number},,2026-03-11,payment,10.00,DKK,giro,,\n").encode())
    other, other_type = multipart("b.csv", (
        HEADER + f"IDEM-4,{bob_account.number},,2026-03-11,payment,20.00,DKK,giro,,\n").encode())
    assert post(url, first, content_type, headers)[0] == 201
    status, raw, _headers = post(url, other, other_type, headers)
    assert status == 409 and json.loads(raw)["code"] == "idempotency_key_reused"
    assert list(Payment.objects.values_list("payment_id", flat=True)) == ["IDEM-3"]
