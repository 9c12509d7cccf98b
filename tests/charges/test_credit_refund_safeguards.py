"""Issue 15 item 5 (SPEC section 17): no payout to unverified bank details, no payout of provisional
money. A credit balance is paid to bank details changed within the cooling-off period of the
programme rules (14 days by default) by nobody: the refund is refused with the first day it will be
paid. The refundable balance leaves out the temporary credits of disputes not yet resolved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.change_requests import change_request_approve
from accounts.data_changes import company_update
from accounts.models import ProgrammeRules
from amexprog.common.errors import ApplicationError
from charges.credit_refunds import credit_refund_request
from disputes import services as dispute_services
from disputes.audit import actor_of
from ledger.models import Posting, PostingKind
from ledger.selectors import account_balance
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory
from tests.charges.test_payment_allocation_and_credit_refunds import IBAN, paid, pay  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
NEW_IBAN = "DK3130003456789012"


@pytest.fixture
def overpaid(paid, company_a):  # noqa: F811
    """`paid` and a payment of 200.00 on 6 February against 150.00 owed: a credit balance of DKK 50.00,
    and the company's bank account IBAN from onboarding."""
    pay(paid, "P-3", "200.00", dt.date(2026, 2, 6))
    company_a.iban = IBAN
    company_a.save(update_fields=["iban"])
    return paid


def pa(user) -> Actor:
    return Actor(Role.COMPANY, f"user:{user.username}", user.pk)


@pytest.fixture
def anna(company_a):
    return ProgrammeAdministratorFactory(user=UserFactory(username="anna"), companies=[company_a]).user


def test_issue15_item5_payout_to_new_iban_within_cooling_off_refused_after_it_allowed(overpaid, company_a, alice,
                                                                                       anna):
    pending = company_update(company=company_a, by=pa(alice), on=dt.date(2026, 2, 6), iban=NEW_IBAN).pending_change
    # While the new IBAN waits for approval the payout goes to the verified one.
    first = credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 7))
    assert first.amount == Money("50.00", "DKK") and first.explanation["iban"] == IBAN
    pay(overpaid, "P-4", "80.00", dt.date(2026, 2, 8))  # a new credit balance of DKK 80.00
    change_request_approve(change_request=pending, by=pa(anna), on=dt.date(2026, 2, 8))
    with pytest.raises(ApplicationError) as refused:
        credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 9))
    assert refused.value.code == "bank_details_cooling_off"
    assert refused.value.message == ("The company's bank details were changed on 2026-02-08. A credit balance is paid "
                                     "to new bank details only after 14 days, from 2026-02-22.")
    with pytest.raises(ApplicationError):
        credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 21))  # the 13th day: still not
    assert account_balance(account=overpaid).amount == Decimal("-80.00")
    paid_out = credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 22))
    assert paid_out.amount == Money("80.00", "DKK") and paid_out.explanation["iban"] == NEW_IBAN


def test_issue15_item5_cooling_off_days_are_a_programme_rule(overpaid, company_a, alice, anna):
    rules = ProgrammeRules.objects.get(market="DK", effective_from=dt.date(2000, 1, 1))
    assert rules.bank_details_cooling_off_days == 14  # SPEC: numbers are data, 14 days by default
    rules.bank_details_cooling_off_days = 3
    rules.save()
    pending = company_update(company=company_a, by=pa(alice), on=dt.date(2026, 2, 6), iban=NEW_IBAN).pending_change
    change_request_approve(change_request=pending, by=pa(anna), on=dt.date(2026, 2, 6))
    with pytest.raises(ApplicationError):
        credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 8))
    assert credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 9)).amount == Money("50.00",
                                                                                                         "DKK")


def _dispute_dinner(account, bob):
    dinner = Posting.objects.get(source_key="a/dinner")
    return dispute_services.dispute_open(charge=dinner, reason="duplicate", by=actor_of(bob), on=dt.date(2026, 2, 7))


def test_issue15_item5_refundable_balance_excludes_open_temporary_dispute_credit(overpaid, alice, bob, client):
    """Credit balance DKK 350.00 = 50.00 overpaid + 300.00 temporary credit of the disputed dinner
    (terms §22g); refundable 350.00 − 300.00 = DKK 50.00."""
    dispute = _dispute_dinner(overpaid, bob)
    assert dispute.credited == Money("300.00", "DKK")
    assert account_balance(account=overpaid).amount == Decimal("-350.00")
    client.force_login(alice)
    page = client.get(reverse("portal:account_payments", args=[overpaid.number])).content.decode()
    assert "Temporary dispute credits of DKK 300.00 are not paid out" in page.replace("\xa0", " ")
    posting = credit_refund_request(account=overpaid, by=pa(alice), on=dt.date(2026, 2, 7))
    assert posting.amount == Money("50.00", "DKK")
    assert account_balance(account=overpaid).amount == Decimal("-300.00")  # the provisional credit stays


def test_issue15_item5_a_balance_of_provisional_credit_only_is_not_refunded_until_resolved(paid, company_a,  # noqa: F811
                                                                                             alice, bob):
    """Nothing overpaid: the statement of 5 February (300.00) is 150.00 unpaid; the dinner's temporary
    credit of 300.00 makes the balance −150.00, all of it provisional, so nothing is refundable. Won,
    the credit stands and DKK 150.00 is paid out."""
    company_a.iban = IBAN
    company_a.save(update_fields=["iban"])
    dispute = _dispute_dinner(paid, bob)
    assert account_balance(account=paid).amount == Decimal("-150.00")
    with pytest.raises(ApplicationError) as refused:
        credit_refund_request(account=paid, by=pa(alice), on=dt.date(2026, 2, 7))
    assert refused.value.code == "no_refundable_balance"
    assert "temporary dispute credits of 300.00 DKK" in refused.value.message
    ops = actor_of(UserFactory(username="olga", is_staff=True, is_superuser=True))
    dispute = dispute_services.dispute_transition(dispute=dispute, to_status="investigating", by=ops,
                                                  on=dt.date(2026, 2, 8))
    dispute_services.dispute_transition(dispute=dispute, to_status="won", by=ops, on=dt.date(2026, 2, 8))
    posting = credit_refund_request(account=paid, by=pa(alice), on=dt.date(2026, 2, 8))
    assert posting.amount == Money("150.00", "DKK") and posting.kind == PostingKind.ADJUSTMENT
