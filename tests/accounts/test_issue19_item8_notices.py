"""Issue 19 item 8: notices a person reads (SPEC section 15: "Every notice is written in its reader's
language only, names the cardmember and card (last four digits) it is about, and links to the page where
the reader can act"; SPEC 18: dates in the reader's format, en-GB style for English, never ISO)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.audit import Actor, Role
from accounts.lifecycle import card_block
from accounts.models import Notice
from accounts.standing import account_standing_set
from tests.otp_helpers import current_code, force_login_verified, otp_submit, password_login, totp_device

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 11)
COMPANY = Actor(role=Role.COMPANY, label="user:alice")
OPS = Actor(role=Role.ISSUER, label="test-ops")


def test_issue19_item8_a_card_notice_names_the_cardmember_and_card_and_links_to_the_card(
        bob_card, alice, django_capture_on_commit_callbacks):
    """Company A bills centrally with corporate liability: the block notice goes to its PAs, in their
    language, and says whose card it is and where to act; so does its email."""
    card = bob_card.card
    with django_capture_on_commit_callbacks(execute=True):
        card_block(card=card, by=COMPANY, on=ON, reason="Rejse")
    notice = Notice.objects.get(kind=Notice.Kind.BLOCK)
    assert notice.company_id is not None
    assert "Bob Jensen" in notice.body and card.last4 in notice.body
    assert notice.body.startswith(f"About: Bob Jensen, card ending {card.last4}, account {card.account.number}.")
    assert notice.link == reverse("portal:card_detail", args=[card.pk])
    email = mail.outbox[-1]
    assert f"/cards/{card.pk}/" in email.body and "Bob Jensen" in email.body
    html = email.alternatives[0][0]
    assert f'/cards/{card.pk}/"' in html and "Open the page where you can act" in html


def test_issue19_item8_the_notice_page_links_to_where_the_reader_acts(bob_card, alice, client):
    card = bob_card.card
    card_block(card=card, by=COMPANY, on=ON, reason="Travel policy breach")
    notice = Notice.objects.get(kind=Notice.Kind.BLOCK)
    force_login_verified(client, alice)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:notice_detail", args=[notice.pk])).content.decode()
    assert f'href="{reverse("portal:card_detail", args=[card.pk])}"' in page
    assert "Open the page where you can act" in page


def test_issue19_item8_a_standing_notice_dates_in_words_not_iso(bob_account):
    """SPEC 18: the reason and the day of a standing change read as dates, not 2026-03-11."""
    bob_account.cardmember.language = "en"
    bob_account.cardmember.save()
    bob_account.company.billing_type = "individual"
    bob_account.company.save()
    bob_account.billing_type = "individual"
    bob_account.save()
    account_standing_set(account=bob_account, status="suspended", cause="insolvency", by=OPS, on=ON)
    notice = Notice.objects.get(kind=Notice.Kind.STANDING)
    assert "2026-03-11" not in notice.body
    assert "11 March 2026" in notice.body


def test_issue19_item8_the_second_factor_lock_says_when_in_en_gb(alice, settings):
    """An English reader sees "1 Sept 2026 11:15", never "Sept. 1, 2026, 11:30 a.m." (US style)."""
    device = totp_device(alice)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        for attempt in range(settings.OTP_FAILURE_LIMIT):
            other = Client(REMOTE_ADDR=f"10.0.3.{attempt + 1}")
            password_login(other, "alice")
            other.cookies["django_language"] = "en"
            response = otp_submit(other, wrong)
        assert response.status_code == 429
        page = response.content.decode()
        assert "locked until 1 Sept 2026 11:" in page
        assert "a.m." not in page and "Sept. 1" not in page


def test_issue19_item8_a_fee_change_notice_links_to_where_it_can_be_rejected():
    """Terms §25b, SPEC 15: the holder may reject a change until it applies: the notice links there."""
    from decimal import Decimal

    from fees.publishing import fee_schedule_publish
    from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory

    account = AccountFactory(cardmember=CardmemberFactory(company=CompanyFactory(number="70001")))
    fee_schedule_publish(market="DK", effective_from=dt.date(2026, 5, 15), published_on=dt.date(2026, 3, 15),
                         annual_fee_max=Decimal("650.00"), reminder_fee=Decimal("100.00"),
                         fx_fee_percent=Decimal("2.750"), cash_fee_percent=Decimal("4.000"),
                         cash_fee_minimum=Decimal("25.00"), eurobonus_fee=Decimal("250.00"),
                         late_interest_margin_percent=Decimal("7.000"))
    notice = Notice.objects.get(kind=Notice.Kind.FEE_CHANGE)
    assert notice.link == reverse("portal:account_changes", args=[account.number])
