"""The da, nl and fr catalogues are complete and current (SPEC section 2: "Every user-visible string is
translatable; `locale/` carries da, nl, fr catalogues kept complete").

Three checks:

1. Every message in each catalogue is translated, none is fuzzy, the headers name the language, UTF-8
   and the right plural rule, and each translation keeps its msgid's placeholders (``%(name)s``,
   ``%s``/``%d``, ``{name}``, ``{name!r}``) and HTML tags.
2. Every msgid in the source is in each catalogue, so a string added without running
   ``make makemessages`` fails here, not in front of a Danish cardmember. The msgids are collected
   without GNU gettext, the way ``makemessages`` finds them:
   - Python files are parsed with ``ast``; calls to ``_``, ``gettext``, ``gettext_lazy``,
     ``gettext_noop``, ``ngettext``, ``ngettext_lazy``, ``pgettext``, ``pgettext_lazy``, ``npgettext``
     and ``npgettext_lazy`` (also as ``translation.gettext(...)``) whose message arguments are string
     literals (adjacent literals concatenated, as xgettext does) are taken.
   - Templates (``.html``, ``.txt``) go through Django's own ``templatize``, which is what
     ``makemessages`` feeds xgettext: ``{% translate %}``/``{% trans %}``, ``{% blocktranslate %}``/
     ``{% blocktrans %}`` with ``count``/``{% plural %}``, ``context`` and ``trimmed`` come out exactly
     as in the catalogue (``{{ var }}`` as ``%(var)s``).
   Limits: a msgid built at run time (``_(variable)``, an f-string, ``"a" + "b"``) is invisible here,
   as it is to xgettext, so such strings must be marked where they are literal. Only the ``django``
   domain is checked (there is no ``djangojs`` catalogue). Folders ``makemessages`` is told to skip
   (``.venv``, ``bench``, ``tests``, hidden folders, ``locale``, ``static``, ``staticfiles``, ``media``)
   are skipped here too. It checks that the catalogues are not missing anything, not that they carry
   no obsolete entries (``makemessages`` comments those out as ``#~``, which nothing reads).
3. A page renders in Danish, Dutch and French from these catalogues (compiled here with Babel, so the
   test does not depend on a stale ``.mo`` in the work tree).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.urls import reverse
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("da", "nl", "fr")
PLURAL_FORMS = {
    "da": "nplurals=2; plural=(n != 1);",
    "nl": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
}
SKIPPED_FOLDERS = {".venv", "venv", "bench", "tests", "locale", "static", "staticfiles", "media", "node_modules",
                   "test-artifacts", "__pycache__"}

# Keyword → (msgid argument, plural argument, context argument), as makemessages passes them to xgettext.
KEYWORDS: dict[str, tuple[int, int | None, int | None]] = {
    "_": (0, None, None),
    "gettext": (0, None, None),
    "gettext_lazy": (0, None, None),
    "gettext_noop": (0, None, None),
    "ngettext": (0, 1, None),
    "ngettext_lazy": (0, 1, None),
    "pgettext": (1, None, 0),
    "pgettext_lazy": (1, None, 0),
    "npgettext": (1, 2, 0),
    "npgettext_lazy": (1, 2, 0),
}
# What templatize writes for a template's translatable strings: gettext(u'…'), ngettext(u'…', u'…', count),
# pgettext(u'ctx', u'…'), npgettext(u'ctx', u'…', u'…', count); a string holding an apostrophe comes out
# double-quoted: gettext(u"It's").
_TEMPLATIZED_LITERAL = r"u'(?:[^'\\]|\\.)*'" + "|" + r'u"(?:[^"\\]|\\.)*"'
TEMPLATIZED_CALL = re.compile(rf"\b(n?p?gettext)\(((?:(?:{_TEMPLATIZED_LITERAL})(?:, )?)+)(?:count)?\)")
TEMPLATIZED_STRING = re.compile(_TEMPLATIZED_LITERAL)

PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{[^{}]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

Key = tuple[str | None, str]  # (msgctxt, msgid)


def catalogue(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language, abort_invalid=True)


def messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def singular(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def tokens(pattern: re.Pattern[str], text: str) -> list[str]:
    return sorted(pattern.findall(text))


def translation_problems(message: Message) -> list[str]:
    """What is wrong with one entry: untranslated, fuzzy, or a translation that lost or invented a
    placeholder or an HTML tag."""
    problems = []
    if message.fuzzy:
        problems.append("fuzzy")
    if isinstance(message.id, tuple):
        forms = list(message.string) if isinstance(message.string, tuple | list) else [message.string]
        if not forms or not all(forms):
            problems.append("untranslated plural form")
            return problems
        # The singular form may leave out the count ("Correct the row below"); every form must use only
        # placeholders the msgids have, and the last (the general plural) exactly the plural msgid's.
        allowed = set(tokens(PLACEHOLDER, message.id[0])) | set(tokens(PLACEHOLDER, message.id[1]))
        for form in forms:
            if not set(tokens(PLACEHOLDER, form)) <= allowed:
                problems.append(f"unknown placeholder in {form!r}")
        if tokens(PLACEHOLDER, forms[-1]) != tokens(PLACEHOLDER, message.id[1]):
            problems.append(f"placeholders differ in {forms[-1]!r}")
        for form, source in zip(forms, (message.id[0], *[message.id[1]] * (len(forms) - 1)), strict=True):
            if tokens(HTML_TAG, form) != tokens(HTML_TAG, source):
                problems.append(f"HTML tags differ in {form!r}")
    else:
        if not message.string:
            problems.append("untranslated")
            return problems
        if tokens(PLACEHOLDER, message.string) != tokens(PLACEHOLDER, message.id):
            problems.append(f"placeholders differ in {message.string!r}")
        if tokens(HTML_TAG, message.string) != tokens(HTML_TAG, message.id):
            problems.append(f"HTML tags differ in {message.string!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_headers_name_the_language_and_its_plural_rule(language):
    catalog = catalogue(language)
    assert not catalog.fuzzy, "the header is marked fuzzy: pybabel compile would skip the whole catalogue"
    assert str(catalog.locale) == language
    assert catalog.mime_headers and dict(catalog.mime_headers)["Language"] == language
    assert dict(catalog.mime_headers)["Content-Type"].lower() == "text/plain; charset=utf-8"
    assert dict(catalog.mime_headers)["Plural-Forms"] == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalog = catalogue(language)
    problems = {singular(message): found for message in messages(catalog) if (found := translation_problems(message))}
    assert not problems, f"{len(problems)} {language} messages need a translator: {problems}"
    checker_errors = {singular(message): [str(error) for error in errors] for message, errors in catalog.check()}
    assert not checker_errors, f"Babel's format checks fail in {language}: {checker_errors}"


def python_msgids(path: Path) -> Iterator[tuple[Key, str | None]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in KEYWORDS:
            continue
        msgid_at, plural_at, context_at = KEYWORDS[name]
        needed = [index for index in (msgid_at, plural_at, context_at) if index is not None]
        if len(node.args) <= max(needed):
            continue
        literals = {index: node.args[index] for index in needed}
        if not all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in literals.values()):
            continue  # built at run time: xgettext cannot see it either
        context = literals[context_at].value if context_at is not None else None
        plural = literals[plural_at].value if plural_at is not None else None
        yield (context, literals[msgid_at].value), plural


def template_msgids(path: Path) -> Iterator[tuple[Key, str | None]]:
    text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in TEMPLATIZED_CALL.finditer(text):
        keyword = match.group(1)
        strings = [ast.literal_eval(literal[1:]) for literal in TEMPLATIZED_STRING.findall(match.group(2))]
        context = strings.pop(0) if "p" in keyword else None
        plural = strings[1] if keyword.startswith("n") else None
        yield (context, strings[0]), plural


def source_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        folders = relative.parts[:-1]
        if any(part in SKIPPED_FOLDERS or part.startswith(".") or part.endswith(".egg-info") for part in folders):
            continue
        if path.is_file() and path.suffix in {".py", ".html", ".txt"}:
            yield path


def source_msgids() -> dict[Key, tuple[str | None, str]]:
    """Every (context, msgid) the source marks for translation → (its plural, where it was found)."""
    found: dict[Key, tuple[str | None, str]] = {}
    for path in source_files():
        extract = python_msgids if path.suffix == ".py" else template_msgids
        for key, plural in extract(path):
            found.setdefault(key, (plural, str(path.relative_to(ROOT))))
    return found


def test_the_extractor_finds_python_template_plural_and_concatenated_msgids():
    """The checker itself: a few msgids of each shape that the catalogues are known to carry."""
    found = source_msgids()
    assert (None, "Companies, cardmembers and cards") in found  # gettext_lazy in an AppConfig
    assert (None, "Log in") in found  # {% translate %}
    assert found[(None, "%(counter)s card issued")][0] == "%(counter)s cards issued"  # blocktranslate count
    assert (None, "Page %(number)s of %(total)s") in found  # blocktranslate with
    assert found[(None, "%(days)d day on %(unpaid)s at %(rate)s")][0] == "%(days)d days on %(unpaid)s at %(rate)s"
    assert (None, "Annual card fee refunded pro rata: %(fee)s × %(days_left)s days to %(anniversary)s "
                  "÷ %(days_in_year)s days = %(refund)s") in found  # adjacent literals
    assert not any(path.startswith(("tests/", "bench/", ".venv/")) for _, path in found.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_every_msgid_of_the_source(language):
    catalog = catalogue(language)
    in_catalogue = {(message.context, singular(message)): message for message in messages(catalog)}
    missing = {}
    for key, (plural, path) in source_msgids().items():
        message = in_catalogue.get(key)
        if message is None:
            missing[key[1]] = path
        elif plural is not None and (not isinstance(message.id, tuple) or message.id[1] != plural):
            missing[key[1]] = f"{path} (plural form changed)"
    assert not missing, (
        f"{len(missing)} msgids are not in locale/{language}: run `make makemessages` and translate them: {missing}"
    )


@pytest.fixture
def compiled_locale(tmp_path, settings):
    """The catalogues compiled to .mo into a temporary LOCALE_PATHS (changing the setting resets
    Django's translation caches)."""
    for language in LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "django.mo").open("wb") as mo:
            write_mo(mo, catalogue(language))
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [
    ("da", ["Log ind", "Brugernavn", "Adgangskode", "Programadministratorer og kortholdere logger ind her."]),
    ("nl", ["Aanmelden", "Gebruikersnaam", "Wachtwoord", "Programmabeheerders en kaarthouders"]),
    ("fr", ["Se connecter", "Nom d'utilisateur", "Mot de passe", "administrateurs de programme"]),
])
def test_the_login_page_speaks_the_browsers_language(client, compiled_locale, language, expected):
    page = client.get(reverse("portal:login"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in page
    for text in expected:
        assert text in page
    assert "Username" not in page and "Password" not in page


def raw_keys(language: str) -> list[Key]:
    """Every (msgctxt, msgid) as written in the .po file, repeats included (read_po keeps only one of two
    entries with the same msgid, so it cannot see them)."""
    keys: list[Key] = []
    context: str | None = None
    current: list[str] | None = None
    for line in (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").splitlines():
        if line.startswith("msgctxt "):
            context = ast.literal_eval(line[len("msgctxt "):])
        elif line.startswith("msgid "):
            current = [ast.literal_eval(line[len("msgid "):])]
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif current is not None:
            keys.append((context, "".join(current)))
            context, current = None, None
    return keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_msgid_is_defined_twice_in_a_catalogue(language):
    """GNU msgfmt, which Django's compilemessages runs, refuses a catalogue that defines a msgid twice (nl
    had "Open disputes" twice, with two translations, after a merge); pybabel compile silently took one."""
    keys = raw_keys(language)
    repeated = sorted({key for key in keys if keys.count(key) > 1}, key=str)
    assert len(keys) > 2000 and not repeated, repeated
