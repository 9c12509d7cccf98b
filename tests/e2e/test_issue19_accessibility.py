"""Issue 19 item 10 in a browser: a phone works and the portal is accessible (SPEC 18: "Works on a phone
(390 px wide) as well as a desktop; accessible (labels, contrast, keyboard)").

Alice (PA of Nordlys, 10001) and Bob (cardmember of Nordlys) each crawl every portal page they can reach
by following links from their home page, as a person would. Every page is checked in English and Danish,
at desktop width (1280 px) and phone width (390 px):

- axe-core (the `axe-playwright-python` package, which ships axe.min.js; nothing is served to users)
  finds no serious or critical violation;
- at 390 px the document is no wider than the viewport (tables scroll inside their own wrapper);
- a keyboard user's first Tab lands on the skip link, which leads to the main landmark.

Screenshots of every page at both widths go to test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from accounts.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ("en", "da")
# Links that are not pages: files, sign-out, the ops console, the API, the language switch.
NOT_A_PAGE = re.compile(r"(/logout/|/pdf/?$|\.(csv|json|xlsx|pdf|xml)$|^/admin/|^/api/|/evidence/\d+/|/i18n/|"
                        r"/reports/[\w-]+\.\w+$|/download)")
# Many links differ only in an id (one card page per card): two of each shape are enough.
SAME_SHAPE_LIMIT = 2
PAGE_LIMIT = 60


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(page, start: str) -> list[str]:
    """Every portal page reachable by following links from `start`, breadth first."""
    seen: list[str] = []
    shapes: dict[str, int] = {}
    queue = deque([start])
    queued = {start}
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.popleft()
        response = page.goto(path)
        if response is None or response.status != 200 or "html" not in (response.headers.get("content-type") or ""):
            continue
        seen.append(path)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))")
        for href in hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or NOT_A_PAGE.search(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link in queued or parts.query:
                continue  # filters, sorting and paging are the same page with other rows
            queued.add(link)
            if shapes.get(shape(parts.path), 0) >= SAME_SHAPE_LIMIT:
                continue
            shapes[shape(parts.path)] = shapes.get(shape(parts.path), 0) + 1
            queue.append(link)
    return seen


# What sticks out of a phone's width, outside any box that scrolls or clips it: named in the failure.
WIDE_ELEMENTS = """() => { const out = []; for (const e of document.querySelectorAll('body *')) {
  let a = e.parentElement, clipped = false;
  while (a) { if (['auto', 'hidden', 'scroll'].includes(getComputedStyle(a).overflowX)) { clipped = true; break; }
              a = a.parentElement; }
  const r = e.getBoundingClientRect();
  if (!clipped && r.right > window.innerWidth + 1) out.push(`${e.tagName}.${e.className} ${Math.round(r.right)}px`); }
  return out.slice(0, 8).join(', '); }"""


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in ("serious", "critical"):
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def check_every_page(visit_, username: str) -> dict[str, list[str]]:
    visit_.login(username, DEMO_PASSWORD)
    page = visit_.page
    pages = crawl(page, "/")
    assert len(pages) >= 5, f"{username} reached only {pages}"
    report: dict[str, list[str]] = {}
    for language in LANGUAGES:
        page.set_viewport_size(DESKTOP)
        page.goto("/")
        if page.locator("html").get_attribute("lang") != language:
            visit_.choose_language(language, f"language-{language}")
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            for path in pages:
                page.goto(path)
                assert page.locator("html").get_attribute("lang") == language, path
                where = f"{language} {viewport['width']}px {path}"
                visit_.shot(f"{language}-{viewport['width']}-{shape(path).strip('/').replace('/', '-') or 'home'}")
                problems = serious_violations(page)
                if viewport is PHONE:
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > PHONE["width"]:
                        problems.append(f"the page is {width} px wide: {page.evaluate(WIDE_ELEMENTS)}")
                if problems:
                    report[where] = problems
    return report


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_issue19_item10_every_page_is_accessible_and_fits_a_phone(visit, demo, username):
    report = check_every_page(visit(), username)
    assert not report, "\n".join(f"{where}: {'; '.join(found)}" for where, found in report.items())


def test_issue19_item10_the_first_tab_reaches_a_skip_link_to_the_main_content(visit, demo):
    bob = visit()
    bob.login("bob", DEMO_PASSWORD)
    page = bob.page
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.getAttribute('href')]")
    assert focused == ["A", "#main"]
    assert page.locator("a.skip-link").is_visible(), "the focused skip link must be visible"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "keyboard focus must be visible"
    bob.shot("skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.locator("main#main").count() == 1
