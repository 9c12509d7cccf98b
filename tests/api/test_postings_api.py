"""`GET /api/v1/accounts/{number}/postings/`: filters, pagination, FX details and fee explanations;
outsiders get 404; a cardmember sees three months back (terms §8b, SPEC section 15)."""

import datetime as dt

import pytest

from amexprog.common.models import BusinessDate
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.conftest import token_client
from tests.statements.scenarios import bill_on_opening_day, foreign_charges

pytestmark = pytest.mark.django_db


@pytest.fixture
def postings(bob_account, bob_card):
    """5 January: hotel 1,000.00 and the annual fee; 11 March: SPEC section 6's USD, SEK and EUR cash."""
    bill_on_opening_day(bob_account)
    foreign_charges(bob_card.pan)
    return bob_account


def url(account) -> str:
    return f"/api/v1/accounts/{account.number}/postings/"


def test_postings_newest_first_with_fx_details(tokens, postings):
    body = token_client(tokens.a).get(url(postings), {"language": "en"}).json()
    assert len(body["results"]) == 9
    rows = body["results"]
    assert [row["posting_date"] for row in rows] == ["2026-03-11"] * 7 + ["2026-01-05"] * 2
    sek = next(row for row in rows if row["source_key"] == "charge/T3")
    assert {key: sek[key] for key in ["kind", "amount", "currency", "original_amount", "original_currency",
                                      "usd_amount", "fx_rate_to_usd", "fx_rate", "fx_rate_date"]} == {
        "kind": "purchase", "amount": "835.84", "currency": "DKK", "original_amount": "1234.50",
        "original_currency": "SEK", "usd_amount": "121.55", "fx_rate_to_usd": "0.098457350272",
        "fx_rate": "6.876497695853", "fx_rate_date": "2026-03-10"}
    assert sek["card"].endswith(postings.cards.get().last4)
    fee = next(row for row in rows if row["source_key"] == "fee_fx/T3")
    assert fee["explanation"].startswith("Currency conversion fee: 2.50 % of DKK 835.84")
    assert fee["kind_label"] == "Currency conversion fee"


def test_filters_by_date_range_and_kind(tokens, postings):
    client = token_client(tokens.a)
    assert len(client.get(url(postings), {"kind": "fee_fx"}).json()["results"]) == 3
    assert len(client.get(url(postings), {"kind": ["fee_fx", "fee_cash"]}).json()["results"]) == 4
    assert len(client.get(url(postings), {"date_from": "2026-03-01"}).json()["results"]) == 7
    assert len(client.get(url(postings), {"date_to": "2026-01-31"}).json()["results"]) == 2
    assert len(client.get(url(postings), {"date_from": "2026-01-05", "date_to": "2026-01-05",
                                      "kind": "fee_annual"}).json()["results"]) == 1


def test_bad_filters_are_a_400_naming_the_field(tokens, postings):
    client = token_client(tokens.a)
    response = client.get(url(postings), {"kind": "lottery"})
    assert response.status_code == 400
    assert "kind" in response.json()["fields"]
    assert "date_from" in client.get(url(postings), {"date_from": "5 March"}).json()["fields"]


def test_pages(tokens, postings):
    """Cursor pages (issue 18 item 6): `limit` rows, then `starting_after` the last one."""
    client = token_client(tokens.a)
    first = client.get(url(postings), {"limit": 4}).json()
    assert (len(first["results"]), first["has_more"]) == (4, True)
    second = client.get(url(postings), {"limit": 4, "starting_after": first["next_starting_after"]}).json()
    last = client.get(url(postings), {"limit": 4, "starting_after": second["next_starting_after"]}).json()
    assert [row["source_key"] for row in last["results"]] == [f"charge/hotel-{postings.number}"]  # the oldest
    assert (last["has_more"], last["next"]) == (False, None)


def test_outsiders_get_404(api, tokens, carol, postings):
    response = token_client(tokens.b).get(url(postings))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    api.force_login(carol)
    assert api.get(url(postings)).status_code == 404


def test_a_cardmember_sees_their_own_postings_of_the_last_three_months(api, bob, tokens, postings, company_a):
    colleague = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    BusinessDate.objects.update_or_create(pk=1, defaults={"last_completed": dt.date(2026, 4, 20)})
    api.force_login(bob)
    own = api.get(url(postings)).json()
    assert len(own["results"]) == 7  # from 20 January 2026: the March charges and their fees
    assert api.get(url(colleague)).status_code == 404
    assert len(token_client(tokens.a).get(url(postings)).json()["results"]) == 9  # the company sees the whole history


def test_the_list_uses_a_fixed_number_of_queries(tokens, postings, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert token_client(tokens.a).get(url(postings), {"limit": 50}).status_code == 200
