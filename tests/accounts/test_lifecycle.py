"""The card lifecycle (SPEC section 11; terms §14–§16, §26, §30–§32): each service's effect, its audit
entry and its notice to the holder, and who may do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.controls import card_controls_set
from accounts.embossing import spool_cards
from accounts.lifecycle import (
    BLOCK_NOT_YOURS,
    REISSUE_TOO_LATE,
    account_close,
    card_activate,
    card_block,
    card_cancel,
    card_reissue,
    card_report,
    card_unblock,
    cards_lifecycle_run,
    company_terminate,
    reissue_deadline,
)
from accounts.models import Account, AuditEntry, Card, EmbossingOrder, Notice
from accounts.services import card_issue
from amexprog.common.errors import ApplicationError
from ledger.services import posting_create
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 11)
HOLDER = Actor(role=Role.HOLDER, label="user:bob")
COMPANY = Actor(role=Role.COMPANY, label="user:alice")
ISSUER = Actor(role=Role.ISSUER, label="user:ops")


@pytest.fixture(autouse=True)
def spool(settings, tmp_path):
    settings.EMBOSSING_DIR = tmp_path / "embossing"
    return settings.EMBOSSING_DIR


def notices_of(account: Account) -> list[str]:
    """Why each of the holder's notices exists (company A bills centrally with corporate liability, so they
    go to its PAs: SPEC section 15). Their text is in the recipient's language."""
    keys = Notice.objects.filter(company=account.company).order_by("id").values_list("source_key", flat=True)
    return [key.split("/")[0] for key in keys]


def actions_on(card: Card) -> list[str]:
    return list(AuditEntry.objects.filter(card=card).order_by("id").values_list("action", flat=True))


def test_an_ordered_card_is_activated_by_its_holder(company_a, bob_account):
    company_a.requires_activation = True
    company_a.save()
    card = card_issue(account=bob_account, issued_on=ON).card
    assert card.status == "ordered"
    card_activate(card=card, by=HOLDER, on=ON)
    card.refresh_from_db()
    assert (card.status, card.status_changed_on) == ("active", ON)
    assert actions_on(card) == ["card_activated"]
    assert notices_of(bob_account) == ["card-activated"]
    assert card.last4 in Notice.objects.get().subject
    with pytest.raises(ApplicationError) as error:
        card_activate(card=card, by=HOLDER, on=ON)
    assert error.value.code == "card_not_ordered"


def test_a_block_names_its_reason_and_only_its_author_or_above_lifts_it(bob_card, bob_account):
    card = bob_card.card
    card_block(card=card, by=COMPANY, on=ON, reason="Travel policy breach")
    card.refresh_from_db()
    assert (card.status, card.blocked_by, card.block_reason) == ("blocked", "company", "Travel policy breach")
    notice = Notice.objects.get(kind="block")
    assert "Travel policy breach" in notice.body
    with pytest.raises(ApplicationError) as error:
        card_unblock(card=card, by=HOLDER, on=ON, reason="I want it back")
    assert error.value.message == BLOCK_NOT_YOURS.format(last4=card.last4, blocked_by="The company")
    card_unblock(card=card, by=COMPANY, on=ON, reason="Cleared with finance")
    card.refresh_from_db()
    assert (card.status, card.blocked_by, card.block_reason) == ("active", "", "")
    assert actions_on(card) == ["card_blocked", "card_unblocked"]
    assert AuditEntry.objects.filter(card=card).first().reason == "Cleared with finance"


def test_a_holder_lifts_their_own_block(bob_card):
    card_block(card=bob_card.card, by=HOLDER, on=ON, reason="Mislaid at home")
    card_unblock(card=bob_card.card, by=HOLDER, on=ON, reason="Found it")
    assert Card.objects.get(pk=bob_card.card.pk).status == "active"


def test_a_block_needs_a_reason(bob_card):
    with pytest.raises(ApplicationError) as error:
        card_block(card=bob_card.card, by=COMPANY, on=ON, reason="  ")
    assert error.value.code == "reason_required"


@pytest.mark.parametrize("status", ["lost", "stolen", "damaged"])
def test_a_report_cancels_the_card_and_issues_a_replacement_for_the_embosser(
        bob_card, bob_account, django_capture_on_commit_callbacks, status):
    card = bob_card.card
    card_controls_set(card=card, by=COMPANY, on=ON, daily_limit=Decimal("2000.00"), monthly_limit=Decimal("9000.00"),
                      blocked_countries=["RU"])
    with django_capture_on_commit_callbacks(execute=True):
        issued = card_report(card=card, by=HOLDER, on=ON, status=status)
    card.refresh_from_db()
    new = issued.card
    assert (card.status, card.status_changed_on) == (status, ON)
    assert (new.status, new.replaces, new.account) == ("active", card, bob_account)
    assert issued.pan != bob_card.pan and new.expiry == dt.date(2030, 3, 31)
    # The replacement keeps the card's controls.
    assert new.monthly_limit == Money("9000.00", "DKK")
    assert (new.controls.daily_limit, new.controls.blocked_countries) == (Decimal("2000.00"), ["RU"])
    # The number goes to the embosser's spool only.
    [line] = spool_cards(ON)
    assert (line["card_number"], line["replaces_last4"], line["reason"]) == (issued.pan, card.last4, "replacement")
    assert EmbossingOrder.objects.get(card=new).written_at is not None
    assert actions_on(card) == ["controls_changed", "card_reported"] and actions_on(new) == ["card_replaced"]
    assert notices_of(bob_account) == ["card-reported"]
    notice = Notice.objects.get()
    assert card.last4 in notice.subject and new.last4 in notice.body and issued.pan not in notice.body


def test_a_reported_card_cannot_be_reported_again(bob_card):
    card_report(card=bob_card.card, by=HOLDER, on=ON, status="lost")
    with pytest.raises(ApplicationError) as error:
        card_report(card=bob_card.card, by=HOLDER, on=ON, status="stolen")
    assert error.value.code == "card_not_reportable"


def test_cancel_is_for_the_company_or_the_issuer(bob_card):
    with pytest.raises(ApplicationError) as error:
        card_cancel(card=bob_card.card, by=HOLDER, on=ON, reason="Do not need it")
    assert (error.value.code, error.value.status) == ("not_allowed", 403)
    card_cancel(card=bob_card.card, by=COMPANY, on=ON, reason="Left the sales team")
    assert Card.objects.get(pk=bob_card.card.pk).status == "cancelled"
    assert not hasattr(Card.objects.get(pk=bob_card.card.pk), "replaced_by")


# ── Renewal, expiry and the account of an unused card (terms §31) ──────────────────────────────


@pytest.fixture
def expiring(bob_account):
    """Bob's card expiring at the end of March 2026."""
    issued = issue_card(bob_account)
    Card.objects.filter(pk=issued.card.pk).update(expiry=dt.date(2026, 3, 31))
    issued.card.refresh_from_db()
    return issued


def test_a_used_card_is_renewed_a_month_before_expiry(expiring, bob_account, django_capture_on_commit_callbacks):
    posting_create(account=bob_account, kind="purchase", amount=Money("100.00", "DKK"),
                   posting_date=dt.date(2025, 9, 2), source_key="charge/used", card=expiring.card,
                   transaction_date=dt.date(2025, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert cards_lifecycle_run(on=dt.date(2026, 2, 28)) == 0  # 31 days ahead: not yet
        assert cards_lifecycle_run(on=dt.date(2026, 3, 1)) == 1
        assert cards_lifecycle_run(on=dt.date(2026, 3, 2)) == 0  # once
    renewal = Card.objects.get(replaces=expiring.card)
    assert (renewal.status, renewal.expiry) == ("active", dt.date(2030, 3, 31))
    assert spool_cards(dt.date(2026, 3, 1))[0]["reason"] == "renewal"
    assert Card.objects.get(pk=expiring.card.pk).status == "active"  # works until its expiry
    cards_lifecycle_run(on=dt.date(2026, 4, 1))
    assert Card.objects.get(pk=expiring.card.pk).status == "expired"
    assert actions_on(expiring.card) == ["card_expired"]
    assert Account.objects.get(pk=bob_account.pk).status == "active"


def test_an_unused_card_is_not_renewed_then_the_account_closes_after_notice(expiring, bob_account):
    cards_lifecycle_run(on=dt.date(2026, 3, 1))
    assert not Card.objects.filter(replaces=expiring.card).exists()
    assert notices_of(bob_account) == ["card-not-renewed"]
    cards_lifecycle_run(on=dt.date(2026, 4, 1))
    assert Card.objects.get(pk=expiring.card.pk).status == "expired"
    # The holder may ask for a new card until 31 March 2027; two months before, they are told.
    cards_lifecycle_run(on=dt.date(2027, 1, 30))
    assert len(notices_of(bob_account)) == 1
    cards_lifecycle_run(on=dt.date(2027, 1, 31))
    assert notices_of(bob_account) == ["card-not-renewed", "closure-notice"]
    # Issue 19 item 8: in the reader's language only, date included (the factory's holder reads Danish).
    subject = Notice.objects.get(source_key__startswith="closure-notice").subject
    assert subject == "Din kortkonto lukkes den 31. marts 2027"
    cards_lifecycle_run(on=dt.date(2027, 3, 30))
    assert Account.objects.get(pk=bob_account.pk).status == "active"
    cards_lifecycle_run(on=dt.date(2027, 3, 31))
    account = Account.objects.get(pk=bob_account.pk)
    assert account.status in ("closing", "closed")
    assert AuditEntry.objects.get(account=account, action="account_closed").reason == "card_not_renewed"


def test_renewal_and_closure_periods_follow_the_programme_rules_in_force(expiring, bob_account):
    from accounts.models import ProgrammeRules

    ProgrammeRules(market="DK", effective_from=dt.date(2026, 1, 1), card_renewal_lead_days=60, card_unused_months=4,
                   card_reissue_window_months=3, card_closure_notice_months=1,
                   contactless_charge_limit=Decimal("350.00"), contactless_cumulative_limit=Decimal("1100.00")).save()
    posting_create(account=bob_account, kind="purchase", amount=Money("100.00", "DKK"),
                   posting_date=dt.date(2025, 9, 2), source_key="charge/used", card=expiring.card,
                   transaction_date=dt.date(2025, 9, 1))  # used, but not in the 4 months before 30 January
    cards_lifecycle_run(on=dt.date(2026, 1, 29))  # 61 days ahead: not yet
    assert notices_of(bob_account) == []
    cards_lifecycle_run(on=dt.date(2026, 1, 30))
    assert not Card.objects.filter(replaces=expiring.card).exists()
    assert "ikke været brugt i 4 måneder" in Notice.objects.get(source_key__startswith="card-not-renewed").body
    cards_lifecycle_run(on=dt.date(2026, 4, 1))
    cards_lifecycle_run(on=dt.date(2026, 5, 29))  # a new card may be asked for until 30 June; told a month before
    assert notices_of(bob_account) == ["card-not-renewed"]
    cards_lifecycle_run(on=dt.date(2026, 5, 30))
    assert "30. juni 2026" in Notice.objects.get(source_key__startswith="closure-notice").subject
    cards_lifecycle_run(on=dt.date(2026, 6, 29))
    assert Account.objects.get(pk=bob_account.pk).status == "active"
    cards_lifecycle_run(on=dt.date(2026, 6, 30))
    assert Account.objects.get(pk=bob_account.pk).status in ("closing", "closed")


def test_a_version_added_after_the_closure_notice_does_not_bring_the_closure_forward(expiring, bob_account):
    from accounts.models import ProgrammeRules

    cards_lifecycle_run(on=dt.date(2026, 3, 1))
    cards_lifecycle_run(on=dt.date(2026, 4, 1))
    # The step first runs after the window's notice date: the notice gives 2 months from today.
    cards_lifecycle_run(on=dt.date(2027, 3, 15))
    assert "15. maj 2027" in Notice.objects.get(source_key__startswith="closure-notice").subject
    ProgrammeRules(market="DK", effective_from=dt.date(2027, 3, 16), card_closure_notice_months=1,
                   contactless_charge_limit=Decimal("350.00"), contactless_cumulative_limit=Decimal("1100.00")).save()
    cards_lifecycle_run(on=dt.date(2027, 4, 15))
    cards_lifecycle_run(on=dt.date(2027, 5, 14))
    assert Account.objects.get(pk=bob_account.pk).status == "active"
    cards_lifecycle_run(on=dt.date(2027, 5, 15))
    assert Account.objects.get(pk=bob_account.pk).status in ("closing", "closed")


def test_the_reissue_window_is_the_one_in_force_when_the_card_expired(expiring):
    from accounts.models import ProgrammeRules

    ProgrammeRules(market="DK", effective_from=dt.date(2026, 4, 1), card_reissue_window_months=3,
                   contactless_charge_limit=Decimal("350.00"), contactless_cumulative_limit=Decimal("1100.00")).save()
    assert reissue_deadline(expiring.card) == dt.date(2027, 3, 31)  # expired 31 March 2026: 12 months
    Card.objects.filter(pk=expiring.card.pk).update(expiry=dt.date(2026, 4, 30))
    expiring.card.refresh_from_db()
    assert reissue_deadline(expiring.card) == dt.date(2026, 7, 30)  # expired under the 3-month version


def test_asking_for_a_new_card_within_the_window_keeps_the_account(expiring, bob_account):
    cards_lifecycle_run(on=dt.date(2026, 3, 1))
    cards_lifecycle_run(on=dt.date(2026, 4, 1))
    issued = card_reissue(card=expiring.card, by=HOLDER, on=dt.date(2026, 9, 1))
    assert issued.card.status == "active" and issued.card.replaces == expiring.card
    cards_lifecycle_run(on=dt.date(2027, 4, 1))
    assert Account.objects.get(pk=bob_account.pk).status == "active"


def test_a_new_card_cannot_be_asked_for_after_the_window(expiring):
    Card.objects.filter(pk=expiring.card.pk).update(status="expired")
    with pytest.raises(ApplicationError) as error:
        card_reissue(card=expiring.card, by=HOLDER, on=dt.date(2027, 4, 1))
    assert error.value.message == REISSUE_TOO_LATE.format(last4=expiring.card.last4, expiry="2026-03-31",
                                                          until="2027-03-31")


# ── Closure ─────────────────────────────────────────────────────────────────────────────────────


def test_closing_an_account_cancels_its_cards_refunds_the_fee_and_tells_the_holder(bob_card, bob_account):
    account_close(account=bob_account, on=ON, reason="employment_end", by=COMPANY)
    account = Account.objects.get(pk=bob_account.pk)
    assert account.status == "closing"
    assert Card.objects.get(pk=bob_card.card.pk).status == "cancelled"
    entry = AuditEntry.objects.get(account=account, action="account_closed")
    final = account.statements.get(final=True)  # terms §32 (issue 16 item 10)
    assert (entry.reason, entry.details) == ("employment_end", {"cards_cancelled": [bob_card.card.last4],
                                                                "final_statement_id": final.pk})
    assert notices_of(bob_account) == ["account-closed"]


def test_a_holder_closes_only_at_their_own_request(bob_account):
    with pytest.raises(ApplicationError):
        account_close(account=bob_account, on=ON, reason="employment_end", by=HOLDER)
    account_close(account=bob_account, on=ON, reason="", by=HOLDER)
    assert AuditEntry.objects.get(action="account_closed").reason == "holder_request"


def test_a_company_termination_closes_every_account(company_a, bob_card, bob_account):
    other = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    other_card = issue_card(other)
    company_terminate(company=company_a, by=ISSUER, on=ON, reason="Programme ended")
    company_a.refresh_from_db()
    assert company_a.status == "terminated"
    assert set(Account.objects.filter(company=company_a).values_list("status", flat=True)) == {"closing"}
    assert set(Card.objects.filter(pk__in=[bob_card.card.pk, other_card.card.pk]).values_list("status", flat=True)) \
        == {"cancelled"}
    assert AuditEntry.objects.filter(action="account_closed", reason="company_terminated").count() == 2
    assert AuditEntry.objects.get(action="company_terminated").details == {"accounts_closed": 2}


def test_a_notice_goes_to_the_company_only_for_corporate_central_accounts(company_a, alice):
    for liability, billing in (("corporate", "central"), ("corporate", "individual"), ("joint", "central")):
        account = AccountFactory(cardmember=CardmemberFactory(company=company_a), liability=liability,
                                 billing_type=billing)
        card_block(card=issue_card(account).card, by=ISSUER, on=ON, reason="Fraud check")
    recipients = [(n.company_id is not None, n.cardmember_id is not None) for n in Notice.objects.order_by("id")]
    assert recipients == [(True, False), (False, True), (False, True)]
