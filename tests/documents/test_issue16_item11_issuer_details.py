"""Issue 16 item 11 (SPEC section 15; PA sheet; terms §13, §16, §22): the issuer's details per market are
data with an effective date, added by ops in the admin (audited, never edited once saved), read by the
reminder letters, statements and the PA guide — no setting."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse

from amexprog.common.errors import ApplicationError
from documents.issuer import issuer_details
from documents.models import IssuerDetails
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_IBAN = "DK3130003456789012"


@pytest.fixture
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def ops(client):
    client.user = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(client.user)
    return client


def version_fields(effective_from: str, **changes) -> dict[str, str]:
    fields = {
        "market": "DK", "effective_from": effective_from, "source_note": "Danish terms, 2026 edition",
        "legal_name": "Kortudsteder A/S", "registration": "CVR 11223344", "address": "Havnegade 1\n1058 København K",
        "complaint_address": "Kortudsteder A/S, Klager, Havnegade 1, 1058 København K",
        "payee_name": "Kortudsteder A/S", "iban": "DK31 3000 3456 7890 12", "bic": "DABADKKK",
        "reference_rule": "mod10",
        "phone_lines-TOTAL_FORMS": "2", "phone_lines-INITIAL_FORMS": "0", "phone_lines-MIN_NUM_FORMS": "0",
        "phone_lines-MAX_NUM_FORMS": "5",
        "phone_lines-0-line": "credit", "phone_lines-0-phone": "+45 33 11 22 33", "phone_lines-0-days": "weekdays",
        "phone_lines-0-opens": "09:00", "phone_lines-0-closes": "15:00",
        "phone_lines-1-line": "lost_stolen", "phone_lines-1-phone": "+45 33 11 22 44",
        "phone_lines-1-days": "every_day", "phone_lines-1-opens": "", "phone_lines-1-closes": "",
    }
    return {**fields, **changes}


def test_issue16_item11_no_setting_holds_the_issuers_account():
    assert not hasattr(settings, "ISSUER_PAYMENT_ACCOUNTS")


def test_issue16_item11_both_markets_start_with_labelled_example_details():
    for market, iban in (("DK", "DK5000400440116243"), ("BE", "BE68539007547034")):
        issuer = issuer_details(market=market, on=dt.date(2026, 3, 11))
        assert issuer.iban == iban and "Example" in issuer.legal_name and "Example values" in issuer.source_note
        assert sorted(issuer.phone_lines.values_list("line", flat=True)) == [
            "cards", "credit", "fraud", "lost_stolen", "pa_service"]


def test_issue16_item11_ops_add_a_version_in_the_admin_audited_and_never_edited(ops, frozen_day):
    add = reverse("admin:documents_issuerdetails_add")
    refused = ops.post(add, version_fields("2026-03-10", iban="DK50 0040 0440 1162 44"))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "takes effect from today at the earliest" in page and "This is not a valid IBAN" in page
    bad_hours = ops.post(add, version_fields("2026-03-12", **{"phone_lines-0-closes": ""}))
    assert "Give both opening and closing time" in bad_hours.content.decode()
    assert not IssuerDetails.objects.filter(effective_from__gt=dt.date(2000, 1, 1)).exists()

    assert ops.post(add, version_fields("2026-04-01")).status_code == 302
    added = IssuerDetails.objects.get(market="DK", effective_from=dt.date(2026, 4, 1))
    assert (added.iban, added.legal_name) == (NEW_IBAN, "Kortudsteder A/S")  # the IBAN saved compact
    assert issuer_details(market="DK", on=dt.date(2026, 3, 31)).iban == "DK5000400440116243"
    assert issuer_details(market="DK", on=dt.date(2026, 4, 1)) == added

    change = reverse("admin:documents_issuerdetails_change", args=[added.pk])
    assert b'name="_save"' not in ops.get(change).content
    assert ops.post(change, version_fields("2026-04-01", iban="DK5000400440116243")).status_code == 403
    assert ops.post(reverse("admin:documents_issuerdetails_delete", args=[added.pk]), {"post": "yes"}
                    ).status_code == 403
    assert IssuerDetails.objects.get(pk=added.pk).iban == NEW_IBAN
    if connection.vendor == "postgresql":
        from audit.models import IssuerDetailsEvent, IssuerPhoneLineEvent

        event = IssuerDetailsEvent.objects.get(pgh_obj_id=added.pk)
        assert (event.pgh_label, event.iban, event.pgh_context.metadata["user"]) == ("insert", NEW_IBAN, ops.user.pk)
        assert IssuerPhoneLineEvent.objects.filter(issuer_id=added.pk).count() == 2


def test_issue16_item11_a_market_without_details_is_a_configuration_fault():
    IssuerDetails.objects.filter(market="BE").update(effective_from=dt.date(2030, 1, 1))
    with pytest.raises(ApplicationError) as error:
        issuer_details(market="BE", on=dt.date(2026, 3, 11))
    assert (error.value.code, error.value.status) == ("no_issuer_details", 503)


@pytest.mark.parametrize(("language", "heading", "hours"), [
    ("en", "How to pay and whom to call: Example Card Issuer Denmark A/S", "Monday to Friday, 09:00–16:00"),
    ("da", "Sådan betaler du, og hvem du kan ringe til: Example Card Issuer Denmark A/S",
     "mandag til fredag kl. 09:00–16:00"),
])
def test_issue16_item11_the_pa_guide_shows_how_to_pay_and_whom_to_call(client, alice, compiled_locale, language,
                                                                         heading, hours):
    client.force_login(alice)
    for url in (reverse("portal:help_index"), reverse("portal:help_page", args=["statements"])):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert heading in page and "DK50 0040 0440 1162 43" in page and "DABADKKK" in page
        assert "+45 70 00 00 03" in page and hours in page and 'href="tel:+4570000004"' in page
        assert "Example Card Issuer Belgium" not in page  # alice's companies are Danish
