"""Error pages are portal pages in the viewer's language, and a 404 says nothing about what exists."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_outsider_gets_the_portal_404_page_without_company_as_data(client, carol, company_a):
    client.force_login(carol)
    response = client.get(reverse("portal:company_detail", args=[company_a.number]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Back to the start page" in html
    assert company_a.legal_name not in html  # (its number is only in the address the outsider typed)


def test_the_404_page_is_in_danish_for_a_danish_viewer(client, carol, company_a):
    client.force_login(carol)
    client.cookies["django_language"] = "da"
    response = client.get(reverse("portal:company_detail", args=[company_a.number]))
    assert response.status_code == 404
    assert "Siden blev ikke fundet" in response.content.decode()


def test_a_server_error_shows_the_500_page_not_a_traceback(settings, alice):
    def boom(request):
        raise RuntimeError("secret internals")

    settings.ROOT_URLCONF = __name__
    urlpatterns.append(_boom_path(boom))
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "secret internals" not in html


def _boom_path(view):
    from django.urls import path

    return path("boom/", view)


urlpatterns: list = []
