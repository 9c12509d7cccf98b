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
def translated_sentences(language: str) -> tuple[str, ...]:
    """English catalogue sentences (no placeholders, 3 words or more) that have a different translation."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    return tuple(message.id for message in catalogue
                 if isinstance(message.id, str) and message.id and isinstance(message.string, str)
                 and message.string and message.string != message.id and not message.fuzzy
                 and len(message.id.split()) >= 3 and not re.search(r"[%{]", message.id) and "\n" not in message.id)


def problems(text: str, language: str) -> list[str]:
    found = [f"source key {key!r}" for key in SOURCE_KEY.findall(text)]
    found += [f"ISO date {day!r}" for day in ISO_DATE.findall(text)]
    words = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text))
    found += [f"enum value {value!r}" for value in sorted(words & enum_values())]
    found += [f"untranslated {sentence!r}" for sentence in translated_sentences(language)
              if re.search(rf"(?<![\w']){re.escape(sentence)}(?![\w'])", text)]
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
            found = problems(visible_text(response.content.decode()), language)
            if found:
                report[f"{actor} {url}"] = found
    assert not report, "\n".join(f"{page}: {'; '.join(found)}" for page, found in report.items())
