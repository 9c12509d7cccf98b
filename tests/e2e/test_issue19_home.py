"""Issue 19 items 2 and 9 in a browser (SPEC 18), at desktop and phone width (390 px), in English and
Danish, and Dutch for the Belgian PA: every figure on the PA's home is a link that leads to a page
showing it; the company page's charts carry axes, a title per bar and a table beside them."""

import re

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Company, ProgrammeAdministrator
from tests.e2e.conftest import plain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIGURES = ("credit", "due", "unbilled", "held", "declines", "past-due", "suspended", "expiring", "disputes",
           "complaints", "changes", "enrolments")
# Figures whose link leads to a section of the company page that repeats the figure in its heading.
SECTIONS = {"unbilled": "period", "expiring": "expiring"}
# Figures whose link opens the company's transactions filtered to them (issue 19 item 3).
TRANSACTIONS = {"held": "status=pending", "declines": "status=declined"}
WORDS = {
    "en": ("Your companies", "Across your companies", "Credit used"),
    "da": ("Dine virksomheder", "På tværs af dine virksomheder", "Brugt kredit"),
}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.querySelector('main').scrollWidth <= document.querySelector('main').clientWidth")


def test_issue19_item2_every_home_figure_leads_to_a_page_showing_it(visit, demo):
    # Alice administers a second company for this test, so the home also adds up across companies.
    ProgrammeAdministrator.objects.get(user__username="alice").companies.add(Company.objects.get(number="10002"))
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    home = reverse("portal:pa_home")
    for language in ("en", "da"):
        alice.goto(home, f"home-{language}")
        alice.choose_language(language, f"language-{language}")
        title, across, credit = WORDS[language]
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            alice.goto(home, f"home-{language}-{width}")
            assert page.locator("h1").inner_text().startswith(title)
            assert across in page.locator("#across").inner_text()
            assert credit in page.locator("#glance-10001-credit").inner_text()
            assert no_sideways_scroll(page), f"the home scrolls sideways at {width} px"
            for number in ("10001", "10002"):
                assert page.locator(f"#company-{number} a.tile").count() == len(FIGURES)
        # Every figure of Nordlys is a link; each leads to a page (200) that shows it.
        page.set_viewport_size({"width": 1280, "height": 900})
        for name in FIGURES:
            alice.goto(home, f"home-{language}-before-{name}")
            tile = page.locator(f"#glance-10001-{name}")
            figure = plain(tile.locator(".tile-figure").inner_text())
            href = tile.get_attribute("href")
            response = alice.click(f"#glance-10001-{name}", f"{language}-{name}")
            assert response.status == 200, (name, href)
            if name in SECTIONS:
                section = page.locator(f"#{SECTIONS[name]}")
                assert section.count() == 1 and section.is_visible(), name
                shown = plain(section.inner_text())
                assert figure in shown, (name, figure, shown)
            elif name in TRANSACTIONS:
                assert reverse("portal:company_transactions", args=["10001"]) in page.url
                assert TRANSACTIONS[name] in page.url
            elif name == "credit":
                assert "sort=-balance" in page.url
            elif name == "due":
                assert page.url.endswith(reverse("portal:company_statements", args=["10001"]))
            assert page.locator("main").count() == 1


def test_issue19_item2_belgian_pa_reads_her_home_in_dutch_on_a_phone(visit, demo):
    emma = visit()
    page = emma.page
    emma.login("emma", DEMO_PASSWORD)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        emma.goto(reverse("portal:pa_home"), f"home-nl-{width}")
        assert page.locator("html").get_attribute("lang") == "nl"
        credit = plain(page.locator("#glance-20001-credit").inner_text())
        assert "Gebruikt krediet" in credit and "€" in credit
        assert page.locator("#across").count() == 0  # one company: no totals across companies
        assert no_sideways_scroll(page)


def test_issue19_item9_company_charts_show_values_on_hover_and_a_table(visit, demo):
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    alice.choose_language("en", "english")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        alice.goto(reverse("portal:company_detail", args=["10001"]), f"company-{width}")
        chart = page.locator("#months-figure svg")
        assert chart.get_attribute("role") == "img"
        assert chart.bounding_box()["width"] <= width
        titles = chart.locator("g.bar > title").evaluate_all("nodes => nodes.map(node => node.textContent)")
        assert len(titles) == 12 and any(re.search(r"Aug 2026: DKK \d", plain(text)) for text in titles)
        assert page.locator("#months-figure table tbody tr").count() == 12
        bar = chart.locator("g.bar rect").last
        bar.hover()
        alice.shot(f"company-chart-hover-{width}")
    alice.goto(reverse("portal:company_reports", args=["10001"]), "reports")
    assert page.locator("#spend-figure svg g.bar > title").count() > 0
    assert page.locator("#spend-figure table").count() == 1
