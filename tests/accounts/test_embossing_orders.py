"""Every card a PA or an API client orders reaches the embosser (SPEC section 11): its full number goes
to the embossing spool, the only place besides an `import_cards --report` file where it exists."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.embossing import spool_cards
from accounts.models import Card, EmbossingOrder
from accounts.pan import pan_hash
from tests.accounts.order_files import card_file, card_rows, full_pans_in
from tests.conftest import token_client
from tests.portal.test_orders import ORDER  # the portal form's valid order

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def spool(settings, tmp_path):
    settings.EMBOSSING_DIR = tmp_path / "embossing"
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """The spool line is written when the issuing transaction commits: run those callbacks."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def assert_embossed(cards: list[Card]) -> list[dict]:
    lines = spool_cards(TODAY)
    assert sorted(line["account_number"] for line in lines) == sorted(card.account.number for card in cards)
    for line in lines:
        card = Card.objects.get(pan_hash=pan_hash(line["card_number"]))  # the spool has the number issued
        assert line["reason"] == EmbossingOrder.Reason.NEW
        assert card.embossing_order.written_at is not None
    return lines


def test_a_card_ordered_on_the_portal_form_goes_to_the_embosser(client, alice, committed):
    client.force_login(alice)
    with committed():
        response = client.post(reverse("portal:order_new", args=["10001"]), ORDER, follow=True)
    [line] = assert_embossed(list(Card.objects.all()))
    assert line["employee_id"] == "E-77"
    assert full_pans_in(response.content.decode()) == []  # the PA still sees a masked number only


def test_cards_ordered_by_a_csv_upload_on_the_portal_go_to_the_embosser(client, alice, committed):
    client.force_login(alice)
    upload = SimpleUploadedFile("cards.csv", card_file(*card_rows(3)), content_type="text/csv")
    with committed():
        response = client.post(reverse("portal:order_upload", args=["10001"]), {"file": upload})
    assert response.status_code == 200
    assert len(assert_embossed(list(Card.objects.all()))) == 3
    assert full_pans_in(response.content.decode()) == []


def test_a_card_ordered_through_the_api_goes_to_the_embosser(tokens, company_a, committed):
    body = {"company_number": "10001", "employee_id": "E-900", "first_name": "Ida", "last_name": "Berg",
            "email": "ida@example.com", "cycle_day": 15}
    with committed():
        response = token_client(tokens.a).post("/api/v1/cards/orders/", body, format="json")
    assert response.status_code == 201
    assert_embossed(list(Card.objects.all()))
    assert full_pans_in(response.content.decode()) == []


def test_import_cards_without_a_report_sends_the_numbers_to_the_spool(company_a, tmp_path, capsys, committed):
    path = tmp_path / "cards.csv"
    path.write_bytes(card_file(*card_rows(2)))
    with committed():
        call_command("import_cards", str(path), "--date", TODAY.isoformat())
    assert len(assert_embossed(list(Card.objects.all()))) == 2
    out = capsys.readouterr()
    assert "embossing spool" in out.out
    assert full_pans_in(out.out + out.err) == []


def test_import_cards_with_a_report_does_not_emboss_twice(company_a, tmp_path, committed):
    path = tmp_path / "cards.csv"
    path.write_bytes(card_file(*card_rows(2)))
    with committed():
        call_command("import_cards", str(path), "--date", TODAY.isoformat(), "--report", str(tmp_path / "r.json"))
    assert Card.objects.count() == 2
    assert spool_cards(TODAY) == [] and not EmbossingOrder.objects.exists()
