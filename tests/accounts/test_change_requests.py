"""Issue 15 item 5 (SPEC section 17): a company's bank details, a new PA and a higher spending limit
wait for a second person — another PA of the company, or ops holding `accounts.approve_change` — and
every PA (the company's contacts before the change) is told when the change is asked for and when it
is decided. A lower limit applies at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from accounts.audit import Actor, Role
from accounts.change_requests import (
    APPROVER_NOT_A_PERSON,
    SELF_APPROVAL,
    change_request_approve,
    change_request_reject,
)
from accounts.controls import card_controls_set, company_controls_set, effective_controls
from accounts.data_changes import company_pa_add, company_update
from accounts.models import AuditEntry, Card, ChangeRequest, Company, Notice, SpendingControls
from amexprog.common.errors import ApplicationError
from communications.services import notices_send
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory

ON = dt.date(2026, 3, 2)
IBAN = "DK5000400440116243"
NEW_IBAN = "DK3130003456789012"


def pa(user) -> Actor:
    return Actor(Role.COMPANY, f"user:{user.username}", user.pk)


@pytest.fixture
def anna(company_a):
    """A second PA of company A, in Danish."""
    return ProgrammeAdministratorFactory(user=UserFactory(username="anna"), companies=[company_a], language="da").user


@pytest.fixture
def with_iban(company_a):
    company_a.iban = IBAN
    company_a.save(update_fields=["iban"])
    return company_a


def ops(username: str, *, may_approve: bool) -> Actor:
    user = UserFactory(username=username, is_staff=True)
    if may_approve:
        user.user_permissions.add(Permission.objects.get(codename="approve_change"))
    return Actor(Role.ISSUER, f"admin:{username}", user.pk)


def test_issue15_item5_change_iban_nothing_changes_until_another_pa_approves(with_iban, alice, anna):
    company = company_update(company=with_iban, by=pa(alice), on=ON, iban=NEW_IBAN, city="Vejle")
    request = company.pending_change
    assert (request.kind, request.status) == ("bank_details", "pending")
    assert request.changes["iban"] == {"before": IBAN, "after": NEW_IBAN}
    stored = Company.objects.get(pk=with_iban.pk)
    assert (stored.iban, stored.city) == (IBAN, "Vejle")  # the city applies at once, the IBAN waits
    change_request_approve(change_request=request, by=pa(anna), on=ON)
    assert Company.objects.get(pk=with_iban.pk).iban == NEW_IBAN
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decided_on) == ("approved", "user:anna", ON)


def test_issue15_item5_self_approval_refused_and_only_a_permitted_person_approves(with_iban, alice, anna, tokens):
    request = company_update(company=with_iban, by=pa(alice), on=ON, iban=NEW_IBAN).pending_change
    refusals = [
        (pa(alice), "self_approval"),
        (Actor(Role.COMPANY, "api-token:abcd"), "approver_not_a_person"),  # the company's token
        (Actor(Role.ISSUER, "api-token:ops1"), "approver_not_a_person"),  # an ops token
        (ops("victor", may_approve=False), "not_allowed"),  # view-only ops
        (Actor(Role.HOLDER, "user:bob", 999), "not_allowed"),
    ]
    for by, code in refusals:
        with pytest.raises(ApplicationError) as refused:
            change_request_approve(change_request=request, by=by, on=ON)
        assert refused.value.code == code, by
    with pytest.raises(ApplicationError) as own:
        change_request_approve(change_request=request, by=pa(alice), on=ON)
    assert own.value.message == str(SELF_APPROVAL)
    with pytest.raises(ApplicationError) as token:
        change_request_approve(change_request=request, by=Actor(Role.COMPANY, "api-token:abcd"), on=ON)
    assert token.value.message == str(APPROVER_NOT_A_PERSON)
    assert Company.objects.get(pk=with_iban.pk).iban == IBAN
    # An ops user holding accounts.approve_change is a second person too.
    change_request_approve(change_request=request, by=ops("vera", may_approve=True), on=ON)
    assert Company.objects.get(pk=with_iban.pk).iban == NEW_IBAN
    with pytest.raises(ApplicationError) as again:
        change_request_approve(change_request=request, by=pa(anna), on=ON)
    assert again.value.code == "change_not_pending"


def test_issue15_item5_a_token_asks_and_a_pa_approves(with_iban, alice):
    token = Actor(Role.COMPANY, "api-token:abcd")
    request = company_update(company=with_iban, by=token, on=ON, iban=NEW_IBAN).pending_change
    change_request_approve(change_request=request, by=pa(alice), on=ON)
    assert Company.objects.get(pk=with_iban.pk).iban == NEW_IBAN


def test_issue15_item5_rejected_or_withdrawn_changes_nothing(with_iban, alice, anna):
    request = company_update(company=with_iban, by=pa(alice), on=ON, iban=NEW_IBAN).pending_change
    with pytest.raises(ApplicationError) as twice:
        company_update(company=with_iban, by=pa(anna), on=ON, iban="DK9520000123456789")
    assert twice.value.code == "change_already_pending"
    change_request_reject(change_request=request, by=pa(anna), on=ON, reason="Not our bank")
    assert Company.objects.get(pk=with_iban.pk).iban == IBAN
    own = company_update(company=with_iban, by=pa(alice), on=ON, iban=NEW_IBAN).pending_change
    change_request_reject(change_request=own, by=pa(alice), on=ON)  # the requester withdraws
    assert Company.objects.get(pk=with_iban.pk).iban == IBAN
    assert list(ChangeRequest.objects.order_by("pk").values_list("status", "decision_reason")) == [
        ("rejected", "Not our bank"), ("rejected", "")]


def test_issue15_item5_notices_sent_to_every_pa_and_the_old_contact(with_iban, alice, anna):
    """The company's contacts are its PAs: both are told when alice asks (with the old and the new
    IBAN's last four characters) and when anna decides; each reads it in their own language."""
    request = company_update(company=with_iban, by=pa(alice), on=ON, iban=NEW_IBAN).pending_change
    notices_send(on=ON)
    opened = Notice.objects.get(source_key=f"change-request/{request.pk}/opened")
    assert opened.company == with_iban and "…6243 → …9012" in opened.body
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.com", "anna@example.com"]
    mail.outbox.clear()
    change_request_approve(change_request=request, by=pa(anna), on=ON)
    notices_send(on=ON)
    approved = Notice.objects.get(source_key=f"change-request/{request.pk}/approved")
    # Credit balances are paid to the new IBAN from then (14 days), a date in words (issue 19 item 8).
    assert "16 March 2026" in approved.body or "16. marts 2026" in approved.body, approved.body
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.com", "anna@example.com"]


def test_issue15_item5_adding_a_pa_is_pending_and_the_existing_pas_are_told_first(company_a, alice, anna):
    request = company_pa_add(company=company_a, email="New.PA@alpha.dk", by=pa(alice), on=ON)
    assert (request.kind, request.changes) == ("pa_add", {"email": {"before": None, "after": "new.pa@alpha.dk"}})
    assert not company_a.administrators.filter(user__email="new.pa@alpha.dk").exists()
    notices_send(on=ON)
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.com", "anna@example.com"]
    mail.outbox.clear()
    change_request_approve(change_request=request, by=pa(anna), on=ON)
    assert company_a.administrators.filter(user__email="new.pa@alpha.dk").exists()
    notices_send(on=ON)
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.com", "anna@example.com",
                                                                "new.pa@alpha.dk"]
    assert AuditEntry.objects.get(action=AuditEntry.Action.PA_ADDED).actor == "user:anna"


def test_issue15_item5_raising_a_credit_limit_is_pending(company_a, alice, anna, bob_card):
    company_controls_set(company=company_a, by=pa(alice), on=ON, daily_limit=Decimal("2000.00"))  # none → lower
    row = company_controls_set(company=company_a, by=pa(alice), on=ON, daily_limit=Decimal("5000.00"),
                               blocked_countries=["KP"])
    assert row.pending_change.changes == {"daily_limit": {"before": "2000.00", "after": "5000.00"}}
    stored = SpendingControls.objects.get(company=company_a)
    assert (stored.daily_limit, stored.blocked_countries) == (Decimal("2000.00"), ["KP"])
    change_request_approve(change_request=row.pending_change, by=pa(anna), on=ON)
    assert SpendingControls.objects.get(company=company_a).daily_limit == Decimal("5000.00")

    card = bob_card.card
    card_controls_set(card=card, by=pa(alice), on=ON, monthly_limit=Decimal("9000.00"))
    card = card_controls_set(card=card, by=pa(alice), on=ON, monthly_limit=None)  # removing a limit raises it
    assert card.pending_change.kind == "card_limits" and card.pending_change.card_id == card.pk
    assert effective_controls(card=Card.objects.get(pk=card.pk), on=ON).monthly_limit == Decimal("9000.00")
    change_request_approve(change_request=card.pending_change, by=pa(anna), on=ON)
    assert effective_controls(card=Card.objects.get(pk=card.pk), on=ON).monthly_limit is None


def test_issue15_item5_lowering_a_limit_is_immediate(company_a, alice, bob_card):
    company_controls_set(company=company_a, by=pa(alice), on=ON, daily_limit=Decimal("2000.00"))
    row = company_controls_set(company=company_a, by=pa(alice), on=ON, daily_limit=Decimal("1500.00"))
    assert row.pending_change is None
    card = card_controls_set(card=bob_card.card, by=pa(alice), on=ON, monthly_limit=Decimal("100.00"),
                             cash_transaction_limit=Decimal("50.00"))
    assert card.pending_change is None
    assert SpendingControls.objects.get(company=company_a).daily_limit == Decimal("1500.00")
    assert Card.objects.get(pk=card.pk).monthly_limit.amount == Decimal("100.00")
    assert not ChangeRequest.objects.exists()
