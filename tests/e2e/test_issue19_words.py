"""Issue 19 item 8 on the demo, in a browser: no page shows a source key ("dispute/1/credit"), a reference as
words ("Payment DEMO-CPAY-10"), an enum value ("open", "not_received"), an ISO date or an English catalogue
string whose translation exists (SPEC 18). tests/portal/test_issue19_item8_words.py renders the authorization
matrix's pages; this crawls the demo's, with its real payments, disputes and history, as Alice (Nordlys) in
Danish and French, Bob in Danish and Emma (the Belgian PA) in Dutch; it reads what the browser shows
(innerText), so hidden markup and attribute values do not count."""

from __future__ import annotations

import re

import pytest

from accounts.demo import DEMO_PASSWORD
from tests.e2e.test_issue19_accessibility import crawl, shape
from tests.portal.test_issue19_item8_words import problems

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


OWN_LANGUAGE_TEXT = """() => { const body = document.body.cloneNode(true);
  const page = document.documentElement.lang;
  for (const e of body.querySelectorAll('[lang]')) { if (e.lang && e.lang !== page) e.remove(); }
  for (const e of body.querySelectorAll('script, style, template')) e.remove();
  const holder = document.createElement('div'); holder.style.position = 'absolute'; holder.style.left = '-99999px';
  holder.appendChild(body); document.documentElement.appendChild(holder);
  const text = holder.innerText; holder.remove(); return text; }"""


@pytest.mark.parametrize(("username", "languages"), [("alice", ("da", "fr")), ("bob", ("da",)), ("emma", ("nl",))])
def test_issue19_item8_no_demo_page_shows_a_key_an_enum_value_or_an_untranslated_string(visit, demo, username,
                                                                                        languages):
    person = visit()
    person.login(username, DEMO_PASSWORD)
    page = person.page
    pages = crawl(page, "/")
    assert len(pages) >= 5, f"{username} reached only {pages}"
    report = {}
    for language in languages:
        page.goto("/")
        if page.locator("html").get_attribute("lang") != language:
            person.choose_language(language, f"language-{language}")
        for path in pages:
            page.goto(path)
            # A document in another person's language (a statement is in its holder's, SPEC 9) is marked
            # with its own lang and read in that language, not the reader's: leave it out.
            text = page.evaluate(OWN_LANGUAGE_TEXT)
            found = problems(text, language, [cell.strip() for cell in re.split(r"[\n\t]", text) if cell.strip()])
            if found:
                person.shot(f"{language}-{shape(path).strip('/').replace('/', '-') or 'home'}")
                report[f"{language} {path}"] = found
    assert not report, "\n".join(f"{where}: {'; '.join(found)}" for where, found in report.items())
