"""The PA guide (issue #8): every page renders in en, da, nl and fr from the catalogues."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.views.documents import HELP_PAGES

pytestmark = pytest.mark.django_db

TITLES = {
    "en": "Guide for programme administrators",
    "da": "Vejledning for programadministratorer",
    "nl": "Handleiding voor programmabeheerders",
    "fr": "Guide pour les administrateurs de programme",
}
ORDERING = {
    "en": "Many cards with a CSV file",
    "da": "Mange kort med en CSV-fil",
    "nl": "Veel kaarten met een CSV-bestand",
    "fr": "Plusieurs cartes avec un fichier CSV",
}


@pytest.mark.parametrize("language", ["en", "da", "nl", "fr"])
def test_every_help_page_renders_in_the_viewers_language(client, alice, compiled_locale, language):
    client.force_login(alice)
    index = client.get(reverse("portal:help_index"), HTTP_ACCEPT_LANGUAGE=language)
    assert index.status_code == 200
    assert TITLES[language] in index.content.decode()
    for slug in HELP_PAGES:
        page = client.get(reverse("portal:help_page", args=[slug]), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        assert f'<html lang="{language}">' in page.content.decode()
    ordering = client.get(reverse("portal:help_page", args=["ordering"]), HTTP_ACCEPT_LANGUAGE=language)
    assert ORDERING[language] in ordering.content.decode()
    assert "company_number, employee_id" in ordering.content.decode()


def test_paragraphs_with_apostrophes_are_translated_too(client, alice, compiled_locale):
    client.force_login(alice)
    page = client.get(reverse("portal:help_page", args=["ordering"]), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Åbn virksomhedens side, og vælg <em>Bestil et kort</em>" in page


def test_unknown_help_page_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("portal:help_page", args=["nope"])).status_code == 404


def test_help_needs_a_login(client):
    response = client.get(reverse("portal:help_index"))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
