"""The reports page of a company (SPEC section 14): downloads as CSV and JSON, ageing and billed
totals, spend by industry as an inline SVG chart; only for the company's PAs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from accounts.audit import Actor, Role
from liability.services import personal_charge_mark
from tests.statements.test_reports import EVIL, history  # noqa: F401  (the shared scenario fixture)

pytestmark = pytest.mark.django_db


def download(client, name: str, file_format: str, **params):
    response = client.get(reverse("portal:company_report_download", args=["10001", name, file_format]), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_the_pa_downloads_every_report(client, alice, history, bob_card):  # noqa: F811
    client.force_login(alice)
    rows = list(csv.DictReader(io.StringIO(download(client, "transactions", "csv", date="2026-01-20"))))
    assert [row["amount"] for row in rows] == ["250.00", "-12.50"]
    assert rows[0]["merchant_name"] == "'" + EVIL and bob_card.pan not in json.dumps(rows)
    billed = json.loads(download(client, "billed", "json", month="2026-01"))
    assert [row["kind"] for row in billed["rows"]] == ["purchase", "fee_annual"]
    assert billed["totals"]["DKK"]["billed"] == "1650.00"
    listing = list(csv.DictReader(io.StringIO(download(client, "cardmembers", "csv"))))
    assert listing[0]["card_number"].endswith(bob_card.card.last4)
    ageing = json.loads(download(client, "ageing", "json", date="2026-02-10"))
    assert ageing["totals"]["1_30"] == "1550.00"
    spend = list(csv.DictReader(io.StringIO(download(client, "spend", "csv", **{"from": "2026-01", "to": "2026-02"}))))
    assert [(row["month"], row["industry"], row["amount"]) for row in spend] == [
        ("2026-01", "lodging", "1000.00"), ("2026-01", "restaurants", "237.50")]


def test_a_bad_parameter_returns_to_the_page_with_the_reason(client, alice, company_a):
    client.force_login(alice)
    response = client.get(reverse("portal:company_report_download", args=["10001", "billed", "csv"]),
                          {"month": "soon"}, follow=True)
    assert "Give the month as YYYY-MM." in response.content.decode()


def test_the_page_shows_ageing_billed_totals_and_the_spend_chart(client, alice, history, bob):  # noqa: F811
    personal_charge_mark(posting=history, by=Actor(Role.HOLDER, "user:bob", bob.pk), on=dt.date(2026, 2, 6))
    client.force_login(alice)
    html = client.get(reverse("portal:company_reports", args=["10001"]), {"month": "2026-02"}).content.decode()
    assert re.search(r'<svg xmlns="http://www.w3.org/2000/svg"[^>]* role="img"', html)  # pygal (issue 19 item 9)
    assert "Hotels and lodging" in html and "Restaurants" in html
    assert "Declared personal by cardmembers (joint liability)" in html
    assert "250.00" in html  # the personal dinner in February's billed totals
    assert "Over 90 days" in html


def test_the_page_in_danish(client, alice, history):  # noqa: F811
    client.force_login(alice)
    client.cookies["django_language"] = "da"
    html = client.get(reverse("portal:company_reports", args=["10001"])).content.decode()
    assert "Rapporter og datafiler" in html and "Hoteller og overnatning" in html


def test_outsiders_get_404(client, carol, bob, company_a):
    for user in (carol, bob):
        client.force_login(user)
        assert client.get(reverse("portal:company_reports", args=["10001"])).status_code == 404
        assert client.get(reverse("portal:company_report_download",
                                  args=["10001", "cardmembers", "csv"])).status_code == 404


def test_the_company_statement_shows_what_is_personal(client, alice, carol, history, bob):  # noqa: F811
    from statements.models import CompanyStatement

    company_statement = CompanyStatement.objects.get(company__number="10001", statement_date=dt.date(2026, 2, 5))
    url = reverse("portal:company_statement_detail", args=[company_statement.pk])
    client.force_login(alice)
    assert 'id="personal-total"' not in client.get(url).content.decode()
    personal_charge_mark(posting=history, by=Actor(Role.HOLDER, "user:bob", bob.pk), on=dt.date(2026, 2, 6))
    html = client.get(url).content.decode().replace("\xa0", " ")
    assert "declared DKK 250.00 personal: the company is not liable for that amount" in html
    client.force_login(carol)
    assert client.get(url).status_code == 404
