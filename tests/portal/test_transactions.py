"""An account's transactions page: filters, pages, FX details, fee explanations; scoped like every
portal page, and a cardmember sees three months back (terms §8b, SPEC section 15)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amexprog.common.models import BusinessDate
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.statements.scenarios import bill_on_opening_day, foreign_charges, purchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def postings(bob_account, bob_card):
    """5 January: hotel 1,000.00 and the annual fee; 11 March: SPEC section 6's USD, SEK and EUR cash."""
    bill_on_opening_day(bob_account)
    foreign_charges(bob_card.pan)
    return bob_account


def page_of(client, account, **params) -> str:
    response = client.get(reverse("portal:account_transactions", args=[account.number]), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> int:
    return len(re.findall(r'<tr class="kind-', html))


def test_pa_sees_every_posting_with_fx_details_and_explanations(client, alice, postings, bob_card):
    client.force_login(alice)
    html = page_of(client, postings)
    assert rows(html) == 9
    assert "SEK\xa01,234.50" in html
    assert "1 SEK = 0.098457 USD" in html and "1 USD = 6.876498 DKK" in html
    assert "ECB rates of 10 Mar 2026" in html
    assert "Currency conversion fee: 2.50\xa0% of DKK\xa0835.84" in html
    assert "Cash withdrawal fee: 4.00\xa0% of DKK\xa0746.10, at least DKK\xa025.00" in html
    assert "Annual card fee for membership year 1" in html
    assert bob_card.pan[-4:] in html and bob_card.pan not in html


def test_filters_by_date_range_and_kind(client, alice, postings):
    client.force_login(alice)
    assert rows(page_of(client, postings, kind="fee_fx")) == 3
    assert rows(page_of(client, postings, date_from="2026-03-01")) == 7
    assert rows(page_of(client, postings, date_to="2026-01-31")) == 2
    html = page_of(client, postings, date_from="2026-03-31", date_to="2026-03-01")
    assert "The start date is after the end date." in html
    assert rows(html) == 9  # an invalid filter shows everything, with the error


def test_pages_keep_the_filter(client, alice, bob_account):
    for day in range(1, 61):
        purchase(bob_account, "10.00", dt.date(2026, 1, 5) + dt.timedelta(days=day), f"charge/coffee-{day}")
    client.force_login(alice)
    first = page_of(client, bob_account, kind="purchase")
    assert rows(first) == 50
    assert "?kind=purchase&amp;page=2" in first
    assert rows(page_of(client, bob_account, kind="purchase", page=2)) == 10


def test_a_cardmember_sees_three_months_back(client, bob, postings):
    BusinessDate.objects.update_or_create(pk=1, defaults={"last_completed": dt.date(2026, 4, 20)})
    client.force_login(bob)
    html = page_of(client, postings)
    assert rows(html) == 7  # from 20 January: the March charges and fees; January's are on the statement
    assert "older ones are on your statements" in html


def test_outsiders_get_404(client, carol, bob, postings, company_a):
    url = reverse("portal:account_transactions", args=[postings.number])
    client.force_login(carol)
    assert client.get(url).status_code == 404
    colleague = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    client.force_login(bob)
    assert client.get(reverse("portal:account_transactions", args=[colleague.number])).status_code == 404


def test_the_page_uses_a_fixed_number_of_queries(client, alice, postings):
    """The same queries for a few postings as for many more: session, user and OTP device, the top bar's
    notices, the account, its page of postings and their personal flags — never one per row."""
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        before = rows(page_of(client, postings))
    for day in range(1, 21):
        purchase(postings, "10.00", dt.date(2026, 3, day), f"charge/many-{day}")
    with CaptureQueriesContext(connection) as many:
        assert rows(page_of(client, postings)) > before
    assert len(many) == len(few) <= 10, [query["sql"] for query in many.captured_queries]
