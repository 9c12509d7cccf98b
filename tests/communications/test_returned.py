"""Returned mail (SPEC section 15): the recipient's contact becomes invalid, sending stops, the
notice stays in the inbox, and correcting the contact data resumes sending."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Notice
from amexprog.common.errors import ApplicationError
from communications.models import AdministratorContact, NoticeDelivery
from communications.services import WHICH_RECIPIENT, contact_corrected, notice_mark_returned, notices_send
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory
from tests.communications.conftest import DAY, make_notice
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


def test_returned_notice_invalidates_the_cardmember_and_stops_sending(dina_account):
    cardmember = dina_account.cardmember
    first = make_notice(key="r/1", cardmember=cardmember)
    notices_send(on=DAY)

    notice_mark_returned(notice=first, by="ops")

    cardmember.refresh_from_db()
    assert cardmember.contact_valid is False
    assert NoticeDelivery.objects.get(notice=first).returned_at is not None
    second = make_notice(key="r/2", cardmember=cardmember, subject="Reminder")
    notices_send(on=DAY)
    assert len(mail.outbox) == 1  # only the first one
    second.refresh_from_db()
    assert second.sent_at is None


def test_correcting_the_email_makes_it_valid_and_sends_what_waited(dina_account):
    cardmember = dina_account.cardmember
    notice = make_notice(key="r/3", cardmember=cardmember)
    notices_send(on=DAY)
    notice_mark_returned(notice=notice, by="ops")
    waiting = make_notice(key="r/4", cardmember=cardmember, subject="Reminder")
    notices_send(on=DAY)

    contact_corrected(cardmember=cardmember, email="dina.dahl@example.com")

    cardmember.refresh_from_db()
    assert cardmember.contact_valid is True
    assert notices_send(on=DAY) == 1
    assert mail.outbox[-1].to == ["dina.dahl@example.com"]
    assert mail.outbox[-1].subject == "Reminder"
    waiting.refresh_from_db()
    assert waiting.sent_at is not None


def test_an_email_changed_by_another_service_counts_as_corrected(dina_account):
    cardmember = dina_account.cardmember
    notice = make_notice(key="r/5", cardmember=cardmember)
    notices_send(on=DAY)
    notice_mark_returned(notice=notice, by="ops")
    type(cardmember).objects.filter(pk=cardmember.pk).update(email="new@example.com")  # flag left as it was
    make_notice(key="r/6", cardmember=cardmember)

    assert notices_send(on=DAY) == 1
    assert mail.outbox[-1].to == ["new@example.com"]
    cardmember.refresh_from_db()
    assert cardmember.contact_valid is True


def test_returned_email_of_one_pa_stops_only_that_pa(alice, bob_account):
    anton = ProgrammeAdministratorFactory(user=UserFactory(username="anton", email="anton@example.com"),
                                          companies=[bob_account.company])
    notice = make_notice(key="r/7", cardmember=bob_account.cardmember)
    notices_send(on=DAY)
    with pytest.raises(ApplicationError) as exc:
        notice_mark_returned(notice=notice, by="ops")
    assert exc.value.message == WHICH_RECIPIENT

    notice_mark_returned(notice=notice, email="anton@example.com", by="ops")

    assert AdministratorContact.objects.get(administrator=anton).contact_valid is False
    make_notice(key="r/8", company=bob_account.company)
    mail.outbox.clear()
    notices_send(on=DAY)
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]

    contact_corrected(administrator=anton, email="anton.new@example.com")
    make_notice(key="r/9", company=bob_account.company)
    mail.outbox.clear()
    notices_send(on=DAY)
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.com", "anton.new@example.com"]


def test_a_notice_never_emailed_cannot_be_returned(dina_account):
    notice = make_notice(key="r/10", cardmember=dina_account.cardmember)
    with pytest.raises(ApplicationError) as exc:
        notice_mark_returned(notice=notice, by="ops")
    assert exc.value.code == "notice_not_emailed"


def test_returned_notice_stays_in_the_inbox(client, company_b):
    from tests.accounts.factories import AccountFactory, CardmemberFactory

    user = UserFactory(username="bea")
    account = AccountFactory(cardmember=CardmemberFactory(company=company_b, user=user, email="bea@example.com"))
    notice = make_notice(key="r/11", cardmember=account.cardmember)
    notices_send(on=DAY)
    notice_mark_returned(notice=notice, by="ops")
    client.force_login(user)
    assert "Card blocked" in client.get(reverse("portal:inbox")).content.decode()


def test_ops_admin_action_marks_returned(admin_client, dina_account):
    notice = make_notice(key="r/12", cardmember=dina_account.cardmember)
    notices_send(on=DAY)
    response = admin_client.post(reverse("admin:accounts_notice_changelist"),
                                 {"action": "notices_returned", "_selected_action": [notice.pk]}, follow=True)
    assert response.status_code == 200
    dina_account.cardmember.refresh_from_db()
    assert dina_account.cardmember.contact_valid is False


def test_ops_admin_action_on_one_delivery(admin_client, alice, bob_account):
    anton = ProgrammeAdministratorFactory(user=UserFactory(username="anton", email="anton@example.com"),
                                          companies=[bob_account.company])
    notice = make_notice(key="r/13", cardmember=bob_account.cardmember)
    notices_send(on=DAY)
    delivery = NoticeDelivery.objects.get(notice=notice, administrator=anton)
    admin_client.post(reverse("admin:communications_noticedelivery_changelist"),
                      {"action": "deliveries_returned", "_selected_action": [delivery.pk]}, follow=True)
    assert AdministratorContact.objects.get(administrator=anton).contact_valid is False
    assert not AdministratorContact.objects.filter(administrator__user__username="alice").exists()


def test_api_ops_token_marks_returned(tokens, dina_account):
    notice = make_notice(key="r/14", cardmember=dina_account.cardmember)
    notices_send(on=DAY)
    url = reverse("notice-returned", args=[notice.pk])

    assert token_client(tokens.a).post(url, {}, format="json").status_code == 403
    response = token_client(tokens.ops).post(url, {"email": "dina@example.com"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["deliveries"][0]["returned_at"] is not None
    dina_account.cardmember.refresh_from_db()
    assert dina_account.cardmember.contact_valid is False
    again = token_client(tokens.ops).post(url, {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "notice_already_returned"


def test_api_returned_with_an_address_it_was_not_sent_to(tokens, dina_account):
    notice = make_notice(key="r/15", cardmember=dina_account.cardmember, kind=Notice.Kind.OTHER)
    notices_send(on=DAY)
    response = token_client(tokens.ops).post(reverse("notice-returned", args=[notice.pk]),
                                             {"email": "someone@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "notice_not_emailed_to"
