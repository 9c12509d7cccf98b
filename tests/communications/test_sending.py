"""Emailing notices (SPEC section 15): once per recipient, in the recipient's language, to the PAs
for a corporate-liability centrally billed account, never to a returned contact."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail

from accounts.models import Notice
from amexprog.common.cycle import registered_steps
from communications.models import NoticeDelivery
from communications.services import notice_send, notices_send
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory
from tests.communications.conftest import DAY, make_notice

pytestmark = pytest.mark.django_db


def test_cardmember_notice_is_emailed_once_in_danish(dina_account, compiled_locale):
    notice = make_notice(key="n/1", cardmember=dina_account.cardmember)

    assert notices_send(on=DAY) == 1
    assert notices_send(on=DAY) == 0  # safe to run twice

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dina@example.com"]
    assert message.subject == "Card blocked"
    assert "Kære Dina Dahl" in message.body
    assert "Your card was blocked." in message.body
    assert f"/notices/{notice.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'lang="da"' in html
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert NoticeDelivery.objects.get(notice=notice).email == "dina@example.com"


def test_notice_to_corporate_central_account_goes_to_every_pa_of_the_company(alice, carol, bob_account,
                                                                           compiled_locale):
    ProgrammeAdministratorFactory(user=UserFactory(username="anton", email="anton@example.com", first_name="Anton"),
                                  companies=[bob_account.company], language="nl")
    make_notice(key="n/2", cardmember=bob_account.cardmember)  # company A: central billing, corporate liability

    assert notices_send(on=DAY) == 2

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"alice@example.com", "anton@example.com"}
    assert bob_account.cardmember.email not in by_address
    assert "Beste Anton" in by_address["anton@example.com"].body
    assert "Dear Alice" in by_address["alice@example.com"].body


def test_company_notice_goes_to_its_pas_only(alice, carol, company_a):
    make_notice(key="n/3", company=company_a, kind=Notice.Kind.FEE_CHANGE, subject="Fee change")
    notices_send(on=DAY)
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def test_a_notice_of_a_later_day_waits_for_that_day(dina_account):
    make_notice(key="n/4", cardmember=dina_account.cardmember, on=DAY + dt.timedelta(days=1))
    assert notices_send(on=DAY) == 0
    assert notices_send(on=DAY + dt.timedelta(days=1)) == 1


def test_invalid_contact_gets_no_email_but_keeps_the_notice(dina_account):
    cardmember = dina_account.cardmember
    cardmember.contact_valid = False
    cardmember.save()
    notice = make_notice(key="n/5", cardmember=cardmember)

    assert notices_send(on=DAY) == 0
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.sent_at is None  # goes out once the contact is corrected


def test_a_failed_recipient_is_retried_without_emailing_the_others_twice(alice, bob_account, monkeypatch):
    ProgrammeAdministratorFactory(user=UserFactory(username="anton", email="anton@example.com"),
                                  companies=[bob_account.company])
    notice = make_notice(key="n/6", cardmember=bob_account.cardmember)
    from django.core.mail import EmailMultiAlternatives

    original = EmailMultiAlternatives.send

    def flaky(message, fail_silently=False):
        if message.to == ["anton@example.com"]:
            raise smtplib.SMTPRecipientsRefused({"anton@example.com": (450, b"try later")})
        return original(message, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    assert notice_send(notice_id=notice.pk) == 1
    notice.refresh_from_db()
    assert notice.sent_at is None
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)

    assert notice_send(notice_id=notice.pk) == 1
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.com", "anton@example.com"]
    notice.refresh_from_db()
    assert notice.sent_at is not None


def test_a_run_killed_before_commit_sends_again_rather_than_never(dina_account, monkeypatch):
    """The documented side we err on: at least once. The email left, the run died before commit."""
    notice = make_notice(key="n/7", cardmember=dina_account.cardmember)
    monkeypatch.setattr(NoticeDelivery.objects, "create", _die)
    with pytest.raises(KeyboardInterrupt):
        notices_send(on=DAY)
    notice.refresh_from_db()
    assert notice.sent_at is None
    monkeypatch.undo()

    assert notices_send(on=DAY) == 1
    assert len(mail.outbox) == 2


def _die(**kwargs):
    raise KeyboardInterrupt


def test_sending_is_a_daily_cycle_step_after_the_steps_that_create_notices():
    order = {step.name: step.order for step in registered_steps()}
    creators = ("reminders", "delinquency", "closures", "card_lifecycle", "refund_requests_overdue")
    assert all(order["notices_send"] > order[name] for name in creators)


def test_run_cycle_emails_the_days_notices(dina_account):
    from amexprog.common.cycle import cycle_run_day

    make_notice(key="n/8", cardmember=dina_account.cardmember)
    counts = cycle_run_day(on=DAY)
    assert counts["notices_send"] == 1
    assert [message.to for message in mail.outbox] == [["dina@example.com"]]


def test_a_blocked_card_is_emailed_right_after_commit(dina_account, django_capture_on_commit_callbacks):
    """Time-sensitive notices do not wait for the nightly step: sent once the block commits."""
    from accounts.audit import SYSTEM
    from accounts.lifecycle import card_block
    from tests.accounts.factories import issue_card

    issued = issue_card(dina_account)
    issued.card.status = "active"
    issued.card.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        card_block(card=issued.card, by=SYSTEM, on=DAY, reason="fraud suspected")

    assert [message.to for message in mail.outbox] == [["dina@example.com"]]
    assert issued.pan not in mail.outbox[0].body
    notice = Notice.objects.get(cardmember=dina_account.cardmember, kind=Notice.Kind.BLOCK)
    assert notice.sent_at is not None
    assert notices_send(on=DAY) == 0  # the daily step finds nothing left


def test_a_mail_server_that_is_down_does_not_stop_the_cycle(dina_account, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self):
        raise ConnectionRefusedError("mail server down")

    notice = make_notice(key="n/9", cardmember=dina_account.cardmember)
    monkeypatch.setattr(EmailBackend, "open", refuse, raising=False)
    assert notices_send(on=DAY) == 0
    notice.refresh_from_db()
    assert notice.sent_at is None
    monkeypatch.undo()
    assert notices_send(on=DAY) == 1
