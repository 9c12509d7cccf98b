"""Issue 15 item 7: no unkeyed hash of a PAN (SPEC section 17).

The idempotency record of an authorization and a loaded charge file were identified by a plain
SHA-256 of content holding a card number: for a one-row file or an authorization body the number
falls out of about 10^8 guesses. Both are HMAC-SHA256 with REQUEST_HMAC_KEY now, and idempotency
records are purged after their retention by a daily step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io

import pytest
import time_machine
from django.utils import timezone

from amexprog.common.cycle import cycle_run_day, registered_steps
from amexprog.common.errors import ApplicationError
from amexprog.common.idempotency import idempotency_records_purge
from amexprog.common.models import IdempotencyRecord
from charges.models import ChargeFile
from charges.services import charge_file_import
from tests.charges.conftest import charge_file, charge_row, spec_rates  # noqa: F401  (fixture)
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_issue15_item7_the_idempotency_record_of_an_authorization_holds_a_keyed_hash(tokens, bob_card, settings):
    """The same authorization body under two keys gives two different hashes: no one without the key can
    test guessed card numbers against a stored record."""
    network = token_client(tokens.network)
    settings.REQUEST_HMAC_KEY = "first-request-hmac-key-0123456789abcdef"
    network.credentials(HTTP_AUTHORIZATION=f"Token {tokens.network}", HTTP_IDEMPOTENCY_KEY="k-1")
    assert authorize(network, bob_card.pan).status_code == 200
    settings.REQUEST_HMAC_KEY = "second-request-hmac-key-0123456789abcdef"
    network.credentials(HTTP_AUTHORIZATION=f"Token {tokens.network}", HTTP_IDEMPOTENCY_KEY="k-2")
    authorize(network, bob_card.pan)
    first, second = (IdempotencyRecord.objects.get(key=key).request_hash for key in ("k-1", "k-2"))
    assert first and second and first != second
    # And a replay under the key in force is still recognised as the same request.
    network.credentials(HTTP_AUTHORIZATION=f"Token {tokens.network}", HTTP_IDEMPOTENCY_KEY="k-2")
    replay = authorize(network, bob_card.pan)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"


def test_issue15_item7_a_record_whose_unkeyed_hash_was_erased_is_replayed_not_run_again(tokens, bob_card):
    """Migration common/0003 blanks the old hashes: such a record keeps answering its retries."""
    network = token_client(tokens.network)
    network.credentials(HTTP_AUTHORIZATION=f"Token {tokens.network}", HTTP_IDEMPOTENCY_KEY="old")
    first = authorize(network, bob_card.pan)
    IdempotencyRecord.objects.update(request_hash="")
    replay = authorize(network, bob_card.pan)
    assert replay["Idempotent-Replayed"] == "true" and replay.content == first.content


@pytest.mark.usefixtures("spec_rates")
def test_issue15_item7_a_one_row_charge_file_is_known_by_a_keyed_hmac_not_its_sha256(bob_card, settings):
    content = charge_file([charge_row("ONE", bob_card.pan, "10.00")])
    loaded = charge_file_import(source=io.BytesIO(content), filename="net.csv")
    unkeyed = hashlib.sha256(content).hexdigest()
    keyed = hmac.new(settings.REQUEST_HMAC_KEY.encode(), content, hashlib.sha256).hexdigest()
    assert not ChargeFile.objects.filter(content_hmac=unkeyed).exists()
    assert loaded.content_hmac == keyed
    assert unkeyed not in {value for row in ChargeFile.objects.values() for value in map(str, row.values())}
    with pytest.raises(ApplicationError) as again:  # the same file is still refused a second time
        charge_file_import(source=io.BytesIO(content), filename="net-again.csv")
    assert again.value.code == "file_already_loaded"


def test_issue15_item7_idempotency_records_are_purged_after_their_retention_by_a_daily_step(settings):
    settings.IDEMPOTENCY_TTL_HOURS = 48
    for key, age in (("old", 49), ("fresh", 47)):
        record = IdempotencyRecord.objects.create(scope="user:1", key=key, request_hash="h", method_path="POST /x")
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(hours=age))
    assert idempotency_records_purge(now=timezone.now()) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert "idempotency_records_purge" in [step.name for step in registered_steps()]
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        cycle_run_day(on=dt.date(2026, 3, 11))
    assert not IdempotencyRecord.objects.exists()
