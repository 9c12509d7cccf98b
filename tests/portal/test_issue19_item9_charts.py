"""Issue 19 item 9 (SPEC 18): charts that read — axes, labels, the value of each bar on hover (an SVG
<title>), a table beside each chart — drawn by a maintained library (pygal, portal/charts.py), with no
script in the page for the Content-Security-Policy to block."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from moneyed import Money

from ledger.services import posting_create
from tests.statements.test_reports import history  # noqa: F401  (the shared scenario fixture)

CURRENT_TIME = dt.datetime(2026, 6, 20, 10, 0, tzinfo=dt.UTC)
DASHBOARD = reverse("portal:company_detail", args=["10001"])


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def hover_titles(svg: str) -> list[str]:
    return re.findall(r"<g class=\"bar\"><title>([^<]*)</title>", svg)


@pytest.fixture
def spent(bob_account):
    for day, amount, key in ((dt.date(2026, 4, 10), "1234.50", "c/apr"), (dt.date(2026, 6, 3), "850.00", "c/jun")):
        posting_create(account=bob_account, kind="purchase", amount=Money(Decimal(amount), "DKK"), posting_date=day,
                       source_key=key, merchant_name="Shop")


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item9_dashboard_charts_have_axes_hover_values_and_a_table(client, alice, spent):
    client.force_login(alice)
    page = client.get(DASHBOARD).content.decode()
    charts = svgs(page)
    assert len(charts) == 2
    months = next(svg for svg in charts if 'aria-labelledby="months-chart-title"' in svg)
    assert 'role="img"' in months and '<title id="months-chart-title">Spend per month, last 12 months</title>' in months
    assert "Apr 2026: DKK\xa01,234.50" in hover_titles(months) and "Jun 2026: DKK\xa0850.00" in hover_titles(months)
    assert len(hover_titles(months)) == 12
    assert re.search(r'class="title"[^>]*>Month</text>', months)  # the x axis title
    assert re.search(r'class="title"[^>]*>DKK</text>', months)  # the y axis title
    assert 'class="axis y' in months and 'class="axis x' in months
    assert ">1,200<" in months  # money ticks on the y axis, grouped the English way
    table = page[page.index('id="months-figure"'):page.index("</figure>", page.index('id="months-figure"'))]
    assert "<table" in table and "Apr 2026" in table and "DKK\xa01,234.50" in table
    assert not any("<script" in svg for svg in charts)  # nothing for the CSP to block


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item9_chart_values_in_the_readers_language(client, alice, spent):
    client.force_login(alice)
    client.cookies["django_language"] = "da"
    months = next(svg for svg in svgs(client.get(DASHBOARD).content.decode()) if "months-chart-title" in svg)
    assert "apr. 2026: 1.234,50\xa0kr." in hover_titles(months)
    assert re.search(r'class="title"[^>]*>Måned</text>', months)


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item9_a_chart_without_spend_says_so_instead_of_an_empty_box(client, alice, company_a):
    client.force_login(alice)
    page = client.get(DASHBOARD).content.decode()
    assert svgs(page) == []  # no frame of empty axes (the "empty box" of issue 19 item 2)
    figure = page[page.index('id="period-figure"'):page.index("</figure>", page.index('id="period-figure"'))]
    assert "No spend yet." in figure


def test_issue19_item9_reports_chart_is_stacked_by_industry_with_hover_values(client, alice, history):  # noqa: F811
    client.force_login(alice)
    page = client.get(reverse("portal:company_reports", args=["10001"])).content.decode()
    chart = next(svg for svg in svgs(page) if "spend-chart-title" in svg)
    titles = hover_titles(chart)
    assert "Jan 2026 · Hotels and lodging: DKK\xa01,000.00" in titles
    assert "Jan 2026 · Restaurants: DKK\xa0237.50" in titles
    assert 'class="legend' in chart and "Hotels and lodging" in chart  # the legend names each industry
    assert not any("<script" in svg for svg in svgs(page))
    assert re.search(r'<th scope="col" class="num nowrap">Jan 2026</th>', page)  # the table beside, en-GB months
