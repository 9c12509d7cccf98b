"""Ops act on cards, accounts and companies in the admin through the same services (SPEC sections 1, 11):
every change has its audit entry naming the ops user."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import Account, AuditEntry, Card, Company
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_blocking_asks_for_a_reason_then_blocks_and_audits(ops, bob_card):
    url = reverse("admin:accounts_card_changelist")
    ask = ops.post(url, {"action": "block_cards", ACTION_CHECKBOX_NAME: [bob_card.card.pk]})
    assert ask.status_code == 200 and b'name="reason"' in ask.content
    assert Card.objects.get(pk=bob_card.card.pk).status == "active"
    done = ops.post(url, {"action": "block_cards", ACTION_CHECKBOX_NAME: [bob_card.card.pk], "apply": "1",
                          "reason": "Suspected skimming"})
    assert done.status_code == 302
    card = Card.objects.get(pk=bob_card.card.pk)
    assert (card.status, card.blocked_by, card.block_reason) == ("blocked", "issuer", "Suspected skimming")
    entry = AuditEntry.objects.get(card=card)
    assert (entry.action, entry.actor, entry.actor_role) == ("card_blocked", "admin:ops", "issuer")


def test_report_lost_in_the_admin_issues_a_replacement(ops, bob_card, settings, tmp_path):
    settings.EMBOSSING_DIR = tmp_path
    url = reverse("admin:accounts_card_changelist")
    ops.post(url, {"action": "report_lost", ACTION_CHECKBOX_NAME: [bob_card.card.pk], "apply": "1",
                   "reason": "Phoned in by the holder"})
    assert Card.objects.get(pk=bob_card.card.pk).status == "lost"
    assert Card.objects.filter(replaces=bob_card.card, status="active").exists()


def test_close_accounts_and_terminate_companies_from_the_admin(ops, bob_account, company_b, b_account):
    ops.post(reverse("admin:accounts_account_changelist"), {
        "action": "close_accounts", ACTION_CHECKBOX_NAME: [bob_account.pk], "apply": "1", "reason": "Fraud"})
    assert Account.objects.get(pk=bob_account.pk).status == "closing"
    ops.post(reverse("admin:accounts_company_changelist"), {
        "action": "terminate_companies", ACTION_CHECKBOX_NAME: [company_b.pk], "apply": "1", "reason": "Insolvent"})
    assert Company.objects.get(pk=company_b.pk).status == "terminated"
    assert Account.objects.get(pk=b_account.pk).status == "closing"


def test_the_card_page_shows_no_full_number(ops, bob_card):
    page = ops.get(reverse("admin:accounts_card_change", args=[bob_card.card.pk])).content.decode()
    assert bob_card.card.last4 in page and bob_card.pan not in page


def test_ops_renew_a_card_now_and_it_is_audited(ops, bob_card, settings, tmp_path):
    settings.EMBOSSING_DIR = tmp_path
    ops.post(reverse("admin:accounts_card_changelist"), {"action": "renew_cards",
                                                           ACTION_CHECKBOX_NAME: [bob_card.card.pk]})
    renewal = Card.objects.get(replaces=bob_card.card)
    assert AuditEntry.objects.get(card=renewal).action == "card_renewed"
    assert AuditEntry.objects.get(card=renewal).actor == "admin:ops"
