"""Cardmember terms and fee schedules (terms §1, §25; SPEC sections 7, 15): version 1 is in force
on a fresh database, a cardmember accepts the version in force, a PA sees who accepted what, both
read the fee schedule in their locale and download terms and fees as PDF."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from amexprog.common.errors import ApplicationError
from documents.models import TermsAcceptance, TermsText, TermsVersion
from documents.selectors import terms_in_force
from documents.services import terms_accept
from tests.accounts.factories import CardmemberFactory

pytestmark = pytest.mark.django_db
CURRENT_TIME = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


def test_a_fresh_database_has_version_1_in_every_language():
    terms = terms_in_force(on=dt.date(2026, 3, 2))
    assert terms is not None and terms.version == 1
    assert set(terms.texts.values_list("language", flat=True)) == {"en", "da", "nl", "fr"}
    assert "§25" in terms.texts.get(language="da").body


def test_cardmember_reads_the_terms_in_their_language_and_accepts(client, bob, compiled_locale):
    client.force_login(bob)
    page = client.get(reverse("portal:terms"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Vilkår for Corporate Card" in page
    assert "Jeg accepterer vilkårene" in page
    assert "650,00" in page  # the DK fee schedule in force, Babel-formatted for a Danish reader

    response = client.post(reverse("portal:terms_accept"), {"version": 1}, follow=True)

    acceptance = TermsAcceptance.objects.get(cardmember__user=bob)
    assert acceptance.terms.version == 1
    assert acceptance.accepted_at == CURRENT_TIME
    assert "Jeg accepterer vilkårene" not in response.content.decode()


def test_accepting_again_keeps_the_first_time(bob_account):
    terms = TermsVersion.objects.get(version=1)
    first = terms_accept(cardmember=bob_account.cardmember, terms=terms, at=CURRENT_TIME)
    again = terms_accept(cardmember=bob_account.cardmember, terms=terms, at=CURRENT_TIME + dt.timedelta(days=3))
    assert again.pk == first.pk and again.accepted_at == CURRENT_TIME


def test_a_version_not_yet_in_force_cannot_be_accepted(bob_account):
    future = TermsVersion.objects.create(version=2, effective_from=dt.date(2026, 6, 1),
                                         published_on=dt.date(2026, 3, 1))
    with pytest.raises(ApplicationError) as exc:
        terms_accept(cardmember=bob_account.cardmember, terms=future, at=CURRENT_TIME)
    assert exc.value.code == "terms_not_in_force"


def test_a_new_version_in_force_asks_for_acceptance_again(client, bob, bob_account):
    terms_accept(cardmember=bob_account.cardmember, terms=TermsVersion.objects.get(version=1), at=CURRENT_TIME)
    v2 = TermsVersion.objects.create(version=2, effective_from=dt.date(2026, 3, 1), published_on=dt.date(2026, 1, 1))
    TermsText.objects.create(terms=v2, language="en", title="Terms v2", body="New text.")
    client.force_login(bob)
    page = client.get(reverse("portal:terms"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Terms v2" in page and "I accept the terms" in page
    assert 'name="version" value="2"' in page


def test_a_pa_cannot_accept_for_themselves(client, alice):
    client.force_login(alice)
    assert client.post(reverse("portal:terms_accept"), {"version": 1}).status_code == 404


def test_pa_sees_who_accepted_which_version_and_when(client, alice, carol, bob_account, b_account):
    CardmemberFactory(company=bob_account.company, first_name="Nina", last_name="Notyet")
    terms_accept(cardmember=bob_account.cardmember, terms=TermsVersion.objects.get(version=1), at=CURRENT_TIME)
    client.force_login(alice)

    page = client.get(reverse("portal:company_terms", args=["10001"]), HTTP_ACCEPT_LANGUAGE="en")

    rows = {cardmember.full_name: cardmember for cardmember in page.context["page"]}
    assert rows["Bob Jensen"].accepted_version == 1 and rows["Bob Jensen"].accepted_at == CURRENT_TIME
    assert rows["Nina Notyet"].accepted_version is None
    assert b_account.cardmember.full_name not in page.content.decode()


def test_outsider_pa_gets_404_on_another_companys_acceptances(client, alice, carol, bob_account):
    client.force_login(carol)
    assert client.get(reverse("portal:company_terms", args=["10001"])).status_code == 404
    client.force_login(bob_account.cardmember.user)
    assert client.get(reverse("portal:company_terms", args=["10001"])).status_code == 404


def test_acceptance_page_query_count_is_fixed(client, alice, company_a, django_assert_max_num_queries):
    terms = TermsVersion.objects.get(version=1)
    for index in range(30):
        cardmember = CardmemberFactory(company=company_a)
        if index % 2:
            terms_accept(cardmember=cardmember, terms=terms, at=CURRENT_TIME)
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:company_terms", args=["10001"]))
    assert len(response.context["page"]) == 30


def test_terms_and_fee_schedule_download_as_pdf(client, bob):
    client.force_login(bob)
    terms = client.get(reverse("portal:terms_pdf", args=[1]), {"language": "fr"})
    assert terms.status_code == 200 and terms["Content-Type"] == "application/pdf"
    assert terms.content.startswith(b"%PDF")
    assert 'filename="terms-v1-fr.pdf"' in terms["Content-Disposition"]
    fees = client.get(reverse("portal:fee_schedule_pdf", args=["DK"]))
    assert fees.status_code == 200 and fees.content.startswith(b"%PDF")


def test_fee_schedule_of_another_market_is_404(client, bob):
    client.force_login(bob)  # a cardmember of a DK company
    assert client.get(reverse("portal:fee_schedule_pdf", args=["BE"])).status_code == 404


def test_fee_schedule_in_the_viewers_locale(compiled_locale):
    from documents.rendering import fee_lines
    from fees.models import FeeSchedule

    schedule = FeeSchedule.objects.get(market="DK", effective_from=dt.date(2000, 1, 1))
    danish = {line.label: line.value for line in fee_lines(schedule, "da")}
    english = {line.label: line.value for line in fee_lines(schedule, "en")}
    assert "650,00\xa0kr." in danish.values()
    assert "DKK\xa0650.00" in english["annual card fee, maximum"]
    assert english["currency conversion fee (%)"] == "2.5\xa0%"


def test_top_bar_asks_a_cardmember_to_accept_until_they_do(client, bob, bob_account):
    client.force_login(bob)
    home = reverse("portal:cardmember_home")
    assert 'title="Please accept the terms"' in client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    terms_accept(cardmember=bob_account.cardmember, terms=TermsVersion.objects.get(version=1), at=CURRENT_TIME)
    assert "Please accept the terms" not in client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_demo_has_bob_and_dina_accepting_and_lotte_asked_to():
    from accounts.demo import demo_seed

    demo_seed(on=dt.date(2026, 3, 2))
    demo_seed(on=dt.date(2026, 3, 2))  # idempotent
    accepted = set(TermsAcceptance.objects.values_list("cardmember__user__username", flat=True))
    assert accepted == {"bob", "dina"}


def test_pa_terms_page_shows_the_terms_the_fees_of_their_markets_and_their_companies(client, alice, carol):
    client.force_login(alice)
    page = client.get(reverse("portal:terms"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Terms for the Corporate Card" in page
    assert "DKK\xa0650.00" in page  # company A is Danish: the DK schedule
    assert "EUR" not in page  # no Belgian company: no BE schedule
    assert reverse("portal:company_terms", args=["10001"]) in page
    assert reverse("portal:company_terms", args=["10002"]) not in page
    assert "I accept the terms" not in page  # a PA is not a cardmember
