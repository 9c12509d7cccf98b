"""Pseudonymisation after the retention period (SPEC section 15): personal data replaced by stable
pseudonyms, never a ledger amount; idempotent; audited; a daily step and a command."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import Client
from moneyed import Money

from accounts.models import Account, Cardmember
from amexprog.common.cycle import registered_steps
from audit.models import CardmemberEvent, Pseudonymisation, UserEvent
from audit.pseudonymisation import (
    cardmember_pseudonymise,
    cardmembers_pseudonymise_due,
    pseudonym_for,
    retention_cutoff,
)
from ledger.models import Posting
from ledger.selectors import account_balance, posting_legs, trial_balance_rows
from ledger.verification import verify_ledger
from rewards.models import Enrolment
from statements.models import Statement
from statements.services import statements_generate
from tests.accounts.factories import AccountFactory, CardmemberFactory, UserFactory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CLOSED_ON = dt.date(2026, 3, 10)
DUE_ON = dt.date(2031, 3, 10)  # five years after the close: the last day of retention has passed


def _books() -> dict:
    """Everything the ledger says, to compare before and after."""
    return {
        "trial": trial_balance_rows(),
        "legs": sorted((leg.ledger_account, str(leg.amount)) for p in Posting.objects.all()
                       for leg in posting_legs(posting=p)),
        "postings": sorted((p.pk, p.account_id, p.kind, str(p.amount), p.description) for p in Posting.objects.all()),
        "balances": {account.number: account_balance(account=account) for account in Account.objects.all()},
        "statements": sorted((s.account_id, s.statement_date, s.opening_balance, s.closing_balance, s.billed_amount,
                              s.payments_amount, tuple(sorted(s.totals.items()))) for s in Statement.objects.all()),
    }


@pytest.fixture
def closed_bob(bob_card):
    """Bob: a card, a purchase and a payment, a statement, EuroBonus, then the account closed."""
    from ledger.services import posting_create

    account = bob_card.card.account
    posting_create(account=account, kind="purchase", amount=Money("1234.50", "DKK"), posting_date=dt.date(2026, 1, 20),
                   source_key="charge/pseudo-1", description="Hotel Fjord", card=bob_card.card)
    posting_create(account=account, kind="payment", amount=Money("-1234.50", "DKK"), posting_date=dt.date(2026, 2, 3),
                   source_key="payment/pseudo-1", description="Payment")
    statements_generate(on=dt.date(2026, 2, 5), account_ids=[account.pk])
    Cardmember.objects.filter(pk=account.cardmember_id).update(
        phone="+45 12345678", address_line="Fjordvej 1", postal_code="8000", city="Aarhus",
        eurobonus_number="EBS123456789", eurobonus_enrolled_on=dt.date(2026, 1, 5))
    Enrolment.objects.create(account=account, member_number="EBS123456789", status="ended", source="card_order",
                             first_enrolled_on=dt.date(2026, 1, 5), fee_anchor=dt.date(2026, 1, 6),
                             ended_on=CLOSED_ON)
    Account.objects.filter(pk=account.pk).update(status="closed", closed_on=CLOSED_ON)
    return Cardmember.objects.get(pk=account.cardmember_id)


def test_the_retention_period_is_a_setting_of_five_years_by_default(settings):
    assert settings.PERSONAL_DATA_RETENTION_YEARS == 5
    assert retention_cutoff(DUE_ON) == CLOSED_ON
    assert retention_cutoff(dt.date(2032, 2, 29)) == dt.date(2027, 2, 28)


@pytest.mark.parametrize("value", ["five", "0", "2.5"])
def test_a_malformed_retention_setting_stops_start_up(value):
    env = {**os.environ, "PERSONAL_DATA_RETENTION_YEARS": value, "DJANGO_SETTINGS_MODULE": "amexprog.settings.test"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "PERSONAL_DATA_RETENTION_YEARS" in result.stderr


def test_personal_data_is_replaced_and_every_amount_stays(closed_bob):
    before = _books()
    user = closed_bob.user
    pseudonym = pseudonym_for(closed_bob)

    assert cardmembers_pseudonymise_due(on=DUE_ON) == 1

    cardmember = Cardmember.objects.get(pk=closed_bob.pk)
    assert (cardmember.first_name, cardmember.last_name) == ("Pseudonymised", pseudonym)
    assert cardmember.email == f"{pseudonym}@pseudonymised.invalid"
    assert (cardmember.phone, cardmember.address_line, cardmember.postal_code, cardmember.city) == ("", "", "", "")
    assert cardmember.employee_id == pseudonym
    assert cardmember.eurobonus_number != "EBS123456789" and len(cardmember.eurobonus_number) == 12
    assert not cardmember.contact_valid  # no notice goes to a pseudonym
    assert Enrolment.objects.get(account__cardmember=cardmember).member_number == cardmember.eurobonus_number
    user.refresh_from_db()
    assert (user.username, user.is_active, user.email, user.first_name) == (pseudonym, False, "", "")
    assert not user.has_usable_password()
    assert _books() == before  # every posting, leg, balance and statement total is identical
    assert all(not problems for problems in verify_ledger().values())
    record = Pseudonymisation.objects.get(cardmember=cardmember)
    assert (record.pseudonym, record.on, record.last_account_closed_on) == (pseudonym, DUE_ON, CLOSED_ON)


def test_it_is_idempotent_and_the_pseudonym_is_stable(closed_bob):
    cardmembers_pseudonymise_due(on=DUE_ON)
    first = Cardmember.objects.get(pk=closed_bob.pk)

    assert cardmembers_pseudonymise_due(on=DUE_ON + dt.timedelta(days=1)) == 0
    again = cardmember_pseudonymise(cardmember=first, on=DUE_ON + dt.timedelta(days=2))

    assert again.on == DUE_ON
    assert Cardmember.objects.get(pk=closed_bob.pk).last_name == first.last_name == pseudonym_for(closed_bob)
    assert Pseudonymisation.objects.count() == 1


def test_nobody_is_pseudonymised_before_the_period_has_passed_or_with_an_open_account(closed_bob, company_a):
    open_account = AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Open"))

    assert cardmembers_pseudonymise_due(on=DUE_ON - dt.timedelta(days=1)) == 0
    assert Cardmember.objects.get(pk=closed_bob.pk).first_name == "Bob"
    assert cardmembers_pseudonymise_due(on=DUE_ON) == 1
    assert Cardmember.objects.get(pk=open_account.cardmember_id).first_name == "Open"


def test_the_daily_cycle_runs_it_late_in_the_day(closed_bob):
    (step,) = [step for step in registered_steps() if step.name == "personal_data_pseudonymisation"]
    assert step.order == 95
    earlier = {s.name: s.order for s in registered_steps() if s.name in ("statements", "closures", "card_lifecycle")}
    assert earlier and all(order < step.order for order in earlier.values())

    assert step.function(DUE_ON) == 1
    assert Cardmember.objects.get(pk=closed_bob.pk).last_name == pseudonym_for(closed_bob)


def test_the_command_lists_then_pseudonymises(closed_bob):
    dry = io.StringIO()
    call_command("pseudonymise_personal_data", "--date", DUE_ON.isoformat(), "--dry-run", stdout=dry)
    assert f"1 cardmember(s) due on {DUE_ON}" in dry.getvalue()
    assert Cardmember.objects.get(pk=closed_bob.pk).first_name == "Bob"

    out = io.StringIO()
    call_command("pseudonymise_personal_data", "--date", DUE_ON.isoformat(), stdout=out)

    assert "Pseudonymised 1 cardmember(s)" in out.getvalue()
    assert Cardmember.objects.get(pk=closed_bob.pk).first_name == "Pseudonymised"


def test_the_pseudonymised_holder_can_no_longer_sign_in(closed_bob):
    cardmembers_pseudonymise_due(on=DUE_ON)
    for username in ("bob", pseudonym_for(closed_bob)):
        client = Client()
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 200  # the form again, with an error
        assert "_auth_user_id" not in client.session


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_is_audited_and_the_earlier_history_holds_no_personal_data(closed_bob):
    user_id = closed_bob.user_id
    call_command("pseudonymise_personal_data", "--date", DUE_ON.isoformat(), stdout=io.StringIO())

    update = CardmemberEvent.objects.filter(pgh_obj_id=closed_bob.pk).order_by("-pgh_id").first()
    assert update.pgh_label == "update"
    assert update.pgh_context.metadata["command"] == "pseudonymise_personal_data"
    events = CardmemberEvent.objects.filter(pgh_obj_id=closed_bob.pk)
    assert events.count() >= 2
    assert not events.filter(first_name="Bob").exists()
    assert not events.filter(city="Aarhus").exists()
    assert not events.filter(eurobonus_number="EBS123456789").exists()
    assert not UserEvent.objects.filter(pgh_obj_id=user_id, username="bob").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pghistory_context WHERE metadata ->> 'user' = %s AND metadata ? 'ip'",
                       [str(user_id)])
        assert cursor.fetchone()[0] == 0


def test_a_user_unrelated_to_the_cardmember_is_untouched(closed_bob):
    other = UserFactory(username="dina")
    cardmembers_pseudonymise_due(on=DUE_ON)
    other.refresh_from_db()
    assert (other.username, other.is_active) == ("dina", True)


@pytest.fixture
def bob_cases(bob_card, settings, tmp_path):
    """Before bob's account closes: a dispute with a note and a receipt, a refund request and a notice,
    each naming him in free text the way people write (any case, either name)."""
    from accounts.notices import holder_notice
    from disputes.audit import actor_of
    from disputes.services import dispute_evidence_add, dispute_open, refund_request_submit
    from ledger.services import posting_create
    from tests.disputes.conftest import PDF

    settings.MEDIA_ROOT = str(tmp_path / "media")
    account = bob_card.card.account
    holder = actor_of(account.cardmember.user)  # "Bob (bob)"
    ops = actor_of(UserFactory(username="olga", first_name="Olga", is_staff=True, is_superuser=True))

    def purchase(key: str, amount: str):
        return posting_create(
            account=account, kind="purchase", amount=Money(amount, "DKK"), posting_date=dt.date(2026, 1, 10),
            source_key=f"charge/{key}", description="Hotel Alpha, København", card=bob_card.card,
            transaction_date=dt.date(2026, 1, 10), merchant_name="Hotel Alpha", merchant_city="København",
            merchant_country="DK", mcc="7011")[0]

    dispute = dispute_open(charge=purchase("case-1", "400.00"), reason="not_received", by=holder,
                           on=dt.date(2026, 1, 12), note="Bob Jensen never stayed; bob went bobsleighing instead.",
                           upload=io.BytesIO(PDF), filename="receipt-bob-jensen.pdf")
    dispute_evidence_add(dispute=dispute, by=ops, on=dt.date(2026, 1, 13), note="Called JENSEN, he confirmed.")
    refund = refund_request_submit(charge=purchase("case-2", "300.00"), expected_amount=Money("100.00", "DKK"),
                                   explanation="I, Bob Jensen, expected about 100 kroner.", by=holder,
                                   on=dt.date(2026, 1, 14))
    holder_notice(account=account, kind="block", on=dt.date(2026, 1, 15), source_key="test/block-bob",
                  text=lambda: ("Your card is blocked", "Blocked at the request of Bob Jensen by phone."))
    # company A bills centrally: the notices of its cards go to its PAs, who also have a Bob Hansen.
    holder_notice(account=account, kind="block", on=dt.date(2026, 1, 15), source_key="test/block-other-bob",
                  text=lambda: ("A card is blocked", "Blocked at the request of Bob Hansen."))
    return dispute, refund


def test_free_text_names_the_holder_no_more_and_evidence_files_are_erased(
        bob_cases, closed_bob, django_capture_on_commit_callbacks):
    from accounts.models import Notice
    from disputes.models import CaseEvent, Evidence

    dispute, refund = bob_cases
    stored = [e.file.path for e in Evidence.objects.filter(dispute=dispute).exclude(file="")]
    assert len(stored) == 1 and os.path.exists(stored[0])
    pseudonym = pseudonym_for(closed_bob)

    with django_capture_on_commit_callbacks(execute=True):
        assert cardmembers_pseudonymise_due(on=DUE_ON) == 1

    dispute.refresh_from_db()
    refund.refresh_from_db()
    assert dispute.opened_by == f"{pseudonym} ({pseudonym})"
    assert refund.submitted_by == f"{pseudonym} ({pseudonym})"
    assert refund.explanation == f"I, {pseudonym}, expected about 100 kroner."
    notes = dict(Evidence.objects.filter(dispute=dispute).values_list("note", "added_by"))
    assert notes == {f"{pseudonym} never stayed; {pseudonym} went bobsleighing instead.": f"{pseudonym} ({pseudonym})",
                     f"Called {pseudonym}, he confirmed.": "Olga (olga)"}
    # The receipt is gone from storage and from the row; its type and size stay for the case record.
    assert not os.path.exists(stored[0])
    receipt = Evidence.objects.get(dispute=dispute, content_type="application/pdf")
    assert (receipt.file.name, receipt.original_name, receipt.size > 0) == ("", "", True)
    texts = " ".join(f"{e.by} {e.note}" for e in CaseEvent.objects.filter(dispute=dispute))
    texts += " ".join(f"{e.by} {e.note}" for e in CaseEvent.objects.filter(refund_request=refund))
    notice = Notice.objects.get(source_key="test/block-bob")
    texts += f" {notice.subject} {notice.body}"
    assert "bobsleighing" in texts  # whole words only
    for name in ("bob", "jensen"):
        assert not re.search(rf"\b{name}\b", texts, flags=re.IGNORECASE), name
    # The notice opens by naming its holder and card (issue 19 item 8): the pseudonym, there too.
    header, _, text = notice.body.partition("\n\n")
    assert pseudonym in header and text == f"Blocked at the request of {pseudonym} by phone."
    assert Notice.objects.get(source_key="test/block-other-bob").body.endswith("Blocked at the request of Bob Hansen.")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_history_of_the_holders_cases_names_them_no_more(bob_cases, closed_bob):
    from audit.models import DisputeEvent, RefundRequestEvent

    dispute, refund = bob_cases
    assert DisputeEvent.objects.filter(pgh_obj_id=dispute.pk, opened_by="Bob (bob)").exists()
    assert RefundRequestEvent.objects.filter(pgh_obj_id=refund.pk, explanation__icontains="jensen").exists()

    cardmembers_pseudonymise_due(on=DUE_ON)

    assert DisputeEvent.objects.filter(pgh_obj_id=dispute.pk).exists()
    assert not DisputeEvent.objects.filter(pgh_obj_id=dispute.pk, opened_by__icontains="bob").exists()
    events = RefundRequestEvent.objects.filter(pgh_obj_id=refund.pk)
    assert events.exists()
    assert not events.filter(Q(submitted_by__icontains="bob") | Q(explanation__icontains="jensen")).exists()
