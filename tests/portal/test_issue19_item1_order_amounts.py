"""Issue 19 item 1: an order file's `10.000` is ambiguous and refused unless the file's number format is
known; uploads read both spreadsheet conventions (`,` + 1,234.56 and `;` + 1.234,56) and say which
(SPEC 18)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moneyed import Money

from accounts.imports import CARD_COLUMNS
from accounts.models import Card
from amexprog.common.number_formats import NumberConvention, parse_spreadsheet_amount
from tests.accounts.order_files import CARD_ROW

pytestmark = pytest.mark.django_db


def order_file(limits: list[str], *, delimiter: str = ",") -> dict[str, SimpleUploadedFile]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CARD_COLUMNS, lineterminator="\n", delimiter=delimiter)
    writer.writeheader()
    for index, limit in enumerate(limits, start=1):
        writer.writerow({**CARD_ROW, "employee_id": f"E{index}", "email": f"p{index}@example.com",
                         "monthly_limit": limit})
    return {"file": SimpleUploadedFile("cards.csv", out.getvalue().encode("utf-8-sig"), content_type="text/csv")}


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def upload(client, limits, *, delimiter=",", number_format=""):
    return client.post(reverse("portal:order_upload", args=["10001"]),
                       {**order_file(limits, delimiter=delimiter), "number_format": number_format})


def limits() -> list[Money]:
    return sorted((card.monthly_limit for card in Card.objects.all()), key=lambda money: money.amount)


def test_issue19_item1_ten_point_zero_zero_zero_alone_is_refused_not_a_ten_kroner_limit(alice_client):
    response = upload(alice_client, ["10.000"])
    assert response.status_code == 400
    assert Card.objects.count() == 0
    page = response.content.decode()
    assert "can be read two ways" in page and "10000" in page and "monthly_limit" in page


def test_issue19_item1_a_danish_file_reads_ten_thousand_and_says_so(alice_client):
    response = upload(alice_client, ["10.000", "2.500,50"], delimiter=";")
    assert response.status_code == 200, response.content.decode()[:3000]
    assert limits() == [Money("2500.50", "DKK"), Money("10000.00", "DKK")]
    page = response.content.decode()
    assert 'Read with columns separated by ";"' in page and "Amounts read as 1.234,56 (decimal comma)." in page


def test_issue19_item1_an_english_file_reads_grouped_amounts_and_refuses_three_decimals(alice_client):
    response = upload(alice_client, ["1,234.56", "750"])
    assert response.status_code == 200
    assert limits() == [Money("750.00", "DKK"), Money("1234.56", "DKK")]
    assert "Amounts read as 1,234.56 (decimal point)." in response.content.decode()

    response = upload(alice_client, ["12.50", "10.000"])  # known: decimal point, so 10.000 has 3 decimals
    assert response.status_code == 400 and Card.objects.count() == 2
    assert "10.000 has more decimals than DKK allows" in response.content.decode()


def test_issue19_item1_the_stated_format_decides_and_contradictions_are_reported(alice_client):
    response = upload(alice_client, ["10.000"], number_format="comma")
    assert response.status_code == 200
    assert limits() == [Money("10000.00", "DKK")]
    assert "(as chosen on upload)" in response.content.decode()

    response = upload(alice_client, ["12.50"], delimiter=";", number_format="comma")
    assert response.status_code == 400
    assert "is written with a decimal point, but this file&#x27;s amounts use a decimal comma" in \
        response.content.decode()


@pytest.mark.parametrize(("value", "convention", "expected"), [
    ("1.234,56", None, "1234.56"), ("1,234.56", None, "1234.56"), ("1 234,56", None, "1234.56"),
    ("10000", None, "10000"), ("10.000", NumberConvention.COMMA, "10000"), ("1,234", NumberConvention.POINT, "1234"),
    ("1.234.567", None, "1234567"), ("0,5", None, "0.5"),
])
def test_issue19_item1_both_conventions_parse(value, convention, expected):
    assert parse_spreadsheet_amount(value, "DKK", convention) == Decimal(expected)


@pytest.mark.parametrize("value", ["10.000", "1,234", "999.999"])
def test_issue19_item1_amounts_that_read_two_ways_are_errors_while_the_format_is_unknown(value):
    with pytest.raises(ValueError, match="can be read two ways"):
        parse_spreadsheet_amount(value, "DKK", None)
