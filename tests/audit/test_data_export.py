"""A cardmember's data as JSON (SPEC section 15: access and portability): the service, the portal
download, the API, the admin action and the command; outsiders get nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from moneyed import Money

from accounts.models import Notice
from audit.data_export import EXPORT_FORMAT, cardmember_data_export
from ledger.services import posting_create
from tests.accounts.factories import UserFactory
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_history(bob_card):
    account = bob_card.card.account
    posting_create(account=account, kind="purchase", amount=Money("1234.50", "DKK"), posting_date=dt.date(2026, 3, 11),
                   source_key="charge/export-1", description="Hotel Fjord", card=bob_card.card)
    Notice.objects.create(kind="other", cardmember=account.cardmember, subject="Welcome", body="Hello Bob",
                          created_on=dt.date(2026, 3, 1), source_key="export/notice-1")
    return bob_card


def test_the_export_holds_profile_account_masked_cards_postings_and_notices(bob_history):
    cardmember = bob_history.card.account.cardmember

    data = cardmember_data_export(cardmember=cardmember)

    assert data["format"] == EXPORT_FORMAT
    assert data["cardmember"]["first_name"] == "Bob"
    assert data["cardmember"]["last_name"] == "Jensen"
    assert data["cardmember"]["company_number"] == "10001"
    assert data["cardmember"]["portal_username"] == "bob"
    (account,) = data["accounts"]
    assert account["number"] == bob_history.card.account.number
    assert account["balance"] == "1234.50"
    (card,) = account["cards"]
    assert card["last4"] == bob_history.pan[-4:]
    assert card["card_number"].endswith(bob_history.pan[-4:]) and "•" in card["card_number"]
    (posting,) = account["postings"]
    assert posting["amount"] == {"amount": "1234.50", "currency": "DKK"}
    assert posting["description"] == "Hotel Fjord"
    assert posting["card"].endswith(bob_history.pan[-4:])
    assert [notice["subject"] for notice in data["notices"]] == ["Welcome"]
    text = json.dumps(data)
    assert bob_history.pan not in text  # never the full card number
    assert bob_history.card.pan_hash not in text


def test_the_cardmember_and_their_pa_download_it_in_the_portal_and_outsiders_get_404(bob_history, alice, carol,
                                                                                    b_account):
    cardmember = bob_history.card.account.cardmember
    url = f"/cardmembers/{cardmember.pk}/data-export.json"
    for user in (cardmember.user, alice):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="cardmember-{cardmember.pk}-data.json"'
        assert json.loads(response.content)["cardmember"]["employee_id"] == cardmember.employee_id
    outsider = Client()
    outsider.force_login(carol)
    assert outsider.get(url).status_code == 404
    bob = Client()
    bob.force_login(cardmember.user)
    assert bob.get(f"/cardmembers/{b_account.cardmember.pk}/data-export.json").status_code == 404
    assert Client().get(url).status_code == 302  # signed out: to the login page


def test_the_portal_pages_link_to_the_download(bob_history, alice):
    cardmember = bob_history.card.account.cardmember
    url = f"/cardmembers/{cardmember.pk}/data-export.json"
    bob = Client()
    bob.force_login(cardmember.user)
    assert url in bob.get("/me/").content.decode()
    pa = Client()
    pa.force_login(alice)
    assert url in pa.get(f"/pa/companies/10001/cardmembers/{cardmember.pk}/").content.decode()


def test_the_api_export_is_scoped_to_the_tokens_company(bob_history, tokens):
    cardmember = bob_history.card.account.cardmember
    url = f"/api/v1/cardmembers/{cardmember.pk}/export/"

    response = token_client(tokens.a).get(url)

    assert response.status_code == 200
    assert response.json()["accounts"][0]["postings"][0]["description"] == "Hotel Fjord"
    assert token_client(tokens.ops).get(url).status_code == 200
    assert token_client(tokens.b).get(url).status_code == 404
    assert token_client(tokens.network).get(url).status_code == 403
    assert token_client(tokens.a).get("/api/v1/cardmembers/999999/export/").status_code == 404


def test_ops_export_from_the_admin(bob_history, b_account):
    cardmember = bob_history.card.account.cardmember
    client = Client()
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))

    one = client.post("/admin/accounts/cardmember/", {"action": "export_personal_data", "_selected_action": [
        cardmember.pk]})
    both = client.post("/admin/accounts/cardmember/", {"action": "export_personal_data", "_selected_action": [
        cardmember.pk, b_account.cardmember.pk]})

    assert one.status_code == 200
    assert json.loads(one.content)["cardmember"]["id"] == cardmember.pk
    assert [entry["cardmember"]["id"] for entry in json.loads(both.content)] == sorted(
        [cardmember.pk, b_account.cardmember.pk])


def test_the_command_writes_a_private_file_and_refuses_an_unknown_id(bob_history, tmp_path):
    cardmember = bob_history.card.account.cardmember
    out = tmp_path / "bob.json"

    call_command("export_cardmember_data", str(cardmember.pk), "--out", str(out), stdout=io.StringIO())

    assert json.loads(out.read_text())["cardmember"]["last_name"] == "Jensen"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(CommandError, match="No cardmember with id 999999"):
        call_command("export_cardmember_data", "999999", "--out", str(tmp_path / "x.json"))
