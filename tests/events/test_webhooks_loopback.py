"""Webhook deliveries against a real receiver on loopback (SPEC section 16, issue 18 item 7 acceptance): a
receiver answering 500 for a while, a worker killed after the receiver answered but before the attempt was
recorded, and a restart deliver every event exactly in order, at least once, with valid signatures; a
tampered body fails verification. Also: the 3-day give-up, and rotation with overlap."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from events import delivery
from events.delivery import RETRY_FOR, webhook_endpoint_deliver
from events.models import WebhookAttempt
from events.services import event_record
from events.signing import SIGNATURE_HEADER, signature_verify
from events.tasks import webhooks_dispatch
from events.webhooks import webhook_endpoint_create, webhook_endpoint_rotate_secret

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread: records each request and answers `answers` in turn
    (then 200)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k: v for k, v in self.headers.items()}, body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def ids(self) -> list[int]:
        return [json.loads(body)["id"] for _headers, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside the task: nothing after it runs, the transaction is lost."""


def test_issue18_item7_a_killed_worker_a_failing_receiver_and_a_restart_deliver_every_event_in_order(
        receiver, clock, company_a, company_b, monkeypatch):
    endpoint = webhook_endpoint_create(company=company_a, url=receiver.url, by="test", at=START)
    for n in range(1, 7):
        event_record(company_id=company_a.pk, type="notice.created", data={"object": "notice", "n": n})
    event_record(company_id=company_b.pk, type="notice.created", data={"object": "notice", "n": "B"})

    # The receiver answers 500 for a while: each failure waits longer before the same event is tried again.
    receiver.answers = [500, 500, 500]
    waits = []
    for _try in range(3):
        assert webhook_endpoint_deliver(endpoint_id=endpoint.pk) == 0
        endpoint.refresh_from_db()
        waits.append(endpoint.next_attempt_at - dt.datetime.now(dt.UTC))
        assert webhook_endpoint_deliver(endpoint_id=endpoint.pk) == 0  # not due yet: nothing is sent
        clock.shift(endpoint.next_attempt_at - dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert receiver.ids() == [1, 1, 1]
    assert waits[0] < waits[1] < waits[2]  # exponential back-off

    # The worker is killed after the receiver got event 3 but before the attempt was recorded.
    real_after_send = delivery._after_send

    def die_on_event_3(endpoint, event, outcome):
        if event.seq == 3:
            raise WorkerKilled
        real_after_send(endpoint, event, outcome)

    monkeypatch.setattr(delivery, "_after_send", die_on_event_3)
    with pytest.raises(WorkerKilled):
        webhook_endpoint_deliver(endpoint_id=endpoint.pk)
    assert receiver.ids() == [1, 1, 1, 1, 2, 3]
    endpoint.refresh_from_db()
    assert endpoint.delivered_through == 2  # event 3's delivery was never recorded

    # The restart: the dispatcher runs again and sends event 3 again, then the rest.
    monkeypatch.setattr(delivery, "_after_send", real_after_send)
    assert webhooks_dispatch(company_id=company_a.pk) == 1
    assert receiver.ids() == [1, 1, 1, 1, 2, 3, 3, 4, 5, 6]
    endpoint.refresh_from_db()
    assert endpoint.delivered_through == 6 and endpoint.failures == 0

    # Every event at least once, in order (never an earlier one after a later one), only company A's.
    ids = receiver.ids()
    assert sorted(set(ids)) == [1, 2, 3, 4, 5, 6]
    assert ids == sorted(ids)
    assert all(json.loads(body)["company_number"] == company_a.number for _h, body in receiver.received)
    # Every signature checks with the endpoint's secret; a tampered body does not.
    for headers, body in receiver.received:
        header = headers[SIGNATURE_HEADER]
        now = int(time.time())
        assert signature_verify(header=header, body=body, secret=endpoint.secret, now=now)
        assert not signature_verify(header=header, body=body.replace(b'"n":', b'"n":9'), secret=endpoint.secret,
                                    now=now)
        assert not signature_verify(header=header, body=body, secret="whsec_someone-else", now=now)
    # The attempts are stored: three 500s, then a 200 for each event (event 3's lost attempt is not there).
    attempts = list(WebhookAttempt.objects.filter(endpoint=endpoint).order_by("pk")
                    .values_list("event__seq", "status_code", "succeeded"))
    assert attempts == [(1, 500, False)] * 3 + [(n, 200, True) for n in (1, 2, 3, 4, 5, 6)]


def test_issue18_item7_an_event_is_given_up_after_3_days_and_the_next_one_goes(receiver, clock, company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=receiver.url, by="test", at=START)
    event_record(company_id=company_a.pk, type="notice.created", data={"n": 1})
    event_record(company_id=company_a.pk, type="notice.created", data={"n": 2})
    receiver.answers = [503] * 1000
    started = dt.datetime.now(dt.UTC)
    tries = 0
    while dt.datetime.now(dt.UTC) - started < RETRY_FOR + dt.timedelta(hours=7):
        webhook_endpoint_deliver(endpoint_id=endpoint.pk)
        endpoint.refresh_from_db()
        tries += 1
        if endpoint.delivered_through == 1:
            break
        clock.shift(endpoint.next_attempt_at - dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    given_up = WebhookAttempt.objects.get(endpoint=endpoint, gave_up=True)
    assert given_up.event.seq == 1 and given_up.status_code == 503
    assert given_up.attempted_at - started >= RETRY_FOR
    assert 10 <= tries <= 30  # retried with back-off for 3 days, not hammered
    # Event 2 was tried right after event 1 was given up; it goes once the receiver answers.
    assert receiver.ids()[-1] == 2
    receiver.answers = []
    clock.shift(endpoint.next_attempt_at - dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert webhook_endpoint_deliver(endpoint_id=endpoint.pk) == 1
    assert receiver.ids()[-1] == 2
    endpoint.refresh_from_db()
    assert endpoint.delivered_through == 2


def test_issue18_item7_a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends(receiver, clock, company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=receiver.url, by="test", at=START)
    old = endpoint.secret
    endpoint = webhook_endpoint_rotate_secret(endpoint=endpoint, at=dt.datetime.now(dt.UTC), overlap_hours=24)
    assert endpoint.secret != old
    event_record(company_id=company_a.pk, type="notice.created", data={"n": 1})
    webhook_endpoint_deliver(endpoint_id=endpoint.pk)
    headers, body = receiver.received[-1]
    now = int(time.time())
    assert headers[SIGNATURE_HEADER].count("v1=") == 2
    assert signature_verify(header=headers[SIGNATURE_HEADER], body=body, secret=old, now=now)
    assert signature_verify(header=headers[SIGNATURE_HEADER], body=body, secret=endpoint.secret, now=now)
    clock.shift(dt.timedelta(hours=25))
    event_record(company_id=company_a.pk, type="notice.created", data={"n": 2})
    webhook_endpoint_deliver(endpoint_id=endpoint.pk)
    headers, body = receiver.received[-1]
    now = int(time.time())
    assert headers[SIGNATURE_HEADER].count("v1=") == 1
    assert not signature_verify(header=headers[SIGNATURE_HEADER], body=body, secret=old, now=now)
    assert signature_verify(header=headers[SIGNATURE_HEADER], body=body, secret=endpoint.secret, now=now)
    # A signature older than the tolerance is refused (a replayed capture).
    assert not signature_verify(header=headers[SIGNATURE_HEADER], body=body, secret=endpoint.secret, now=now + 3600)
