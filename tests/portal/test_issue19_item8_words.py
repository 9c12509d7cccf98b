"""Issue 19 item 8: words a person reads (SPEC 18: "no internal key (source keys, enum values) or
untranslated word shown to a person"). Every portal page of the authorization matrix's world that Bob
(cardmember) or Alice (PA) may open is rendered in da, nl and fr; its visible text must hold no source
key ("dispute/1/credit"), no snake_case enum value ("not_received") and no English catalogue sentence
whose translation exists."""

from __future__ import annotations

import html as html_lib
import re
from functools import cache
from pathlib import Path

import pytest
import time_machine
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from tests.test_authorization_matrix import NOW, OK, ROUTES, login, world  # noqa: F401 — the shared world

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SOURCE_KEY = re.compile(r"\b[a-z][a-z_]*/\d+(?:/[a-z_]+)+\b")
# A payment's or file's own reference shown as if it were words ("Payment DEMO-CPAY-10").
REFERENCE_KEY = re.compile(r"\b[A-Z]{2,}-[A-Z]{2,}-\d+\b")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
LOCALE = Path(settings.BASE_DIR) / "locale"


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html_lib.unescape(page))


@cache
def enum_values() -> frozenset[str]:
    """snake_case values of our models' choices: internal keys a page must show by their label."""
    found = set()
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {"accounts", "charges", "disputes", "statements", "fees", "ledger",
                                                  "liability", "communications", "complaints", "rewards"}:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "choices", None) or ():
                if isinstance(value, str) and "_" in value:
                    found.add(value)
    return frozenset(found)


@cache
def translated_words(language: str) -> frozenset[str]:
    """Every word of the language's translations: an English value that is also a word of the language
    ("open" in Dutch, "charge" in French) cannot be told from a translated one."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    words = set()
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        for string in strings:
            words.update(word.lower() for word in re.findall(r"\w+", string or ""))
    return frozenset(words)


@cache
def single_word_enum_values(language: str) -> frozenset[str]:
    """One-word values of our models' choices ("open", "blocked", "charge") whose label is a translated
    word and that are no word of `language` itself: shown raw, they are an untranslated key."""
    found = set()
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {"accounts", "charges", "disputes", "statements", "fees", "ledger",
                                                  "liability", "communications", "complaints", "rewards"}:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "choices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z]{3,}", value):
                    found.add(value)
    return frozenset(found - translated_words(language))


@cache
def translated_phrases(language: str) -> tuple[str, ...]:
    """English catalogue labels of two words ("Log out", "Card blocked") with a different translation."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    words = translated_words(language)
    return tuple(message.id for message in catalogue
                 if isinstance(message.id, str) and isinstance(message.string, str) and message.string
                 and message.string != message.id and not message.fuzzy and len(message.id.split()) == 2
                 and re.fullmatch(r"[A-Z][a-z]+ [a-z]+", message.id)
                 and not {word.lower() for word in message.id.split()} <= words)


@cache
def translated_sentences(language: str) -> tuple[str, ...]:
    """English catalogue sentences (no placeholders, 3 words or more) that have a different translation."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    return tuple(message.id for message in catalogue
                 if isinstance(message.id, str) and message.id and isinstance(message.string, str)
                 and message.string and message.string != message.id and not message.fuzzy
                 and len(message.id.split()) >= 3 and not re.search(r"[%{]", message.id) and "\n" not in message.id)


def cells_of(page: str) -> list[str]:
    """The page's text pieces between tags (a table cell, a label, a list item), stripped."""
    page = re.sub(r"<(script|style|pre|code)\b.*?</\1>", "<x>", page, flags=re.S | re.I)
    return [piece for piece in (re.sub(r"\s+", " ", html_lib.unescape(raw)).strip()
                                for raw in re.split(r"<[^>]+>", page)) if piece]


def raw_values(cells: list[str], language: str) -> set[str]:
    """One-word enum values shown as a value of their own: a whole cell ("holder"), or beside an arrow or
    a middle dot like a label would be ("Åbnet → open"). A value inside a sentence someone typed ("The
    phone line was closed.") is their words, not a key."""
    values = single_word_enum_values(language)
    found = set()
    for cell in cells:
        if cell in values:
            found.add(cell)
        for value in re.findall(r"(?:^|[→·] )([a-z]+)(?= [→·]|$)", cell):
            if value in values:
                found.add(value)
    return found


def problems(text: str, language: str, cells: list[str] | None = None) -> list[str]:
    found = [f"source key {key!r}" for key in SOURCE_KEY.findall(text)]
    found += [f"ISO date {day!r}" for day in ISO_DATE.findall(text)]
    words = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text))
    found += [f"enum value {value!r}" for value in sorted(words & enum_values())]
    found += [f"untranslated {sentence!r}" for sentence in translated_sentences(language)
              if re.search(rf"(?<![\w']){re.escape(sentence)}(?![\w'])", text)]
    # Issue 19 item 8 (extended): a reference used as words, a raw one-word enum value, a two-word label.
    found += [f"reference key {key!r}" for key in REFERENCE_KEY.findall(text)]
    found += [f"enum value {value!r}" for value in sorted(raw_values(cells or [], language))]
    found += [f"untranslated {phrase!r}" for phrase in translated_phrases(language)
              if re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", text)]
    return found


def pages(w) -> list[tuple[str, str]]:
    shown = []
    for name, route in ROUTES.items():
        if route.api or not name.startswith("portal:") or route.get is None:
            continue
        for actor in ("alice", "bob"):
            if route.get.get(actor) == OK:
                shown.append((actor, reverse(name, kwargs=route.kwargs(w))))
    return shown


@pytest.mark.parametrize("language", ["da", "nl", "fr"])
def test_issue19_item8_no_page_shows_a_key_an_enum_value_or_an_untranslated_sentence(world, client, language):  # noqa: F811
    report = {}
    with time_machine.travel(NOW, tick=False):
        for actor, url in pages(world):
            login(client, getattr(world, actor))
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            page = response.content.decode()
            found = problems(visible_text(page), language, cells_of(page))
            if found:
                report[f"{actor} {url}"] = found
    assert not report, "\n".join(f"{page}: {'; '.join(found)}" for page, found in report.items())
