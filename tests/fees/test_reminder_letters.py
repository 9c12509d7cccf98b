"""No letter, no fee (SPEC sections 7 and 15; terms §9c; Danish Interest Act §9b; issue 16 item 1).

Each DKK 100.00 reminder fee is posted with the reminder letter it pays for, in one transaction: what is
overdue and since when, the fee, what happens next and how to pay. The letter goes to the cardmember, or
to the company's PAs for a corporate-liability, centrally billed account.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money
from rest_framework.test import APIClient

from accounts.models import Notice
from accounts.pan import luhn_check_digit
from fees import reminder_notices
from fees.models import Reminder
from fees.services import reminders_send
from ledger.models import Posting
from tests.accounts.factories import (
    AccountFactory,
    CardmemberFactory,
    CompanyFactory,
    ProgrammeAdministratorFactory,
    issue_card,
)
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_overdue_account(overdue_account):
    """The shared DKK 10,000.00 billed 31 January 2026, due 28 February 2026, read in English."""
    overdue_account.cardmember.language = "en"
    overdue_account.cardmember.save()
    return overdue_account


def plain(text: str) -> str:
    """The text with the no-break space between currency and amount as a plain one."""
    return text.replace("\xa0", " ")


def fees_without_a_letter():
    return Posting.objects.filter(kind="fee_reminder").exclude(reminder__notice__isnull=False)


def test_issue16_item1_each_reminder_fee_comes_with_its_letter(english_overdue_account):
    account = english_overdue_account
    card = issue_card(account, on=dt.date(2026, 1, 20)).card
    run_through(dt.date(2026, 4, 30))

    reminders = list(Reminder.objects.filter(account=account).select_related("notice", "fee_posting")
                     .order_by("number"))
    assert [(r.number, r.sent_on, r.fee_posting.amount) for r in reminders] == [
        (1, dt.date(2026, 3, 7), Money("100.00", "DKK")),
        (2, dt.date(2026, 3, 17), Money("100.00", "DKK")),
        (3, dt.date(2026, 3, 27), Money("100.00", "DKK"))]
    assert not fees_without_a_letter().exists()
    letters = [r.notice for r in reminders]
    assert [(n.kind, n.created_on, n.cardmember_id, n.company_id) for n in letters] == [
        ("reminder", r.sent_on, account.cardmember_id, None) for r in reminders]
    first = letters[0]
    assert plain(first.subject) == f"Payment reminder 1: DKK 10,000.00 overdue on account {account.number}"
    name = account.cardmember.full_name
    assert plain(first.body) == (
        f"About: {name}, account {account.number}, card ending {card.last4}.\n\n"
        "Overdue: DKK 10,000.00 of the statement of 31 January 2026, which was due on 28 February 2026. The "
        "account has been in arrears since 1 March 2026.\n\n"
        "This is reminder 1 of at most 3 for these arrears. Its reminder fee of DKK 100.00 is added to the "
        "account (terms §9c).\n\n"
        "What happens next: late interest runs on the unpaid amount every day until it is paid (terms §9i). At "
        "30 days past due the account's cards are suspended, at 90 days the account goes to collections "
        "(terms §27).\n\n"
        "If the amount is still unpaid, another reminder follows in 10 days at the earliest.\n\n"
        f"How to pay: transfer DKK 10,100.00 to IBAN DK5000400440116243 (BIC DABADKKK), quoting the reference "
        f"{account.number}{luhn_check_digit(account.number)}. If you have paid in the last few days, thank you: "
        "this letter and your payment may have crossed.\n\n"
        # Issue 16 item 11: whom to call, from the market's issuer details (the seeded DK example line).
        "Questions about this letter: call our credit service (payments and arrears) on +45 70 00 00 03 "
        "(Monday to Friday, 09:00–16:00).")
    # The third and last letter announces no further reminder.
    assert "another reminder follows" not in letters[2].body
    assert "reminder 3 of at most 3" in letters[2].body


def test_issue16_item1_a_letter_that_cannot_be_written_takes_its_fee_with_it(english_overdue_account,
                                                                          monkeypatch):
    """A failure while creating the notice rolls back the fee: no fee_reminder posting exists without its
    letter; the next run sends both."""
    run_through(dt.date(2026, 3, 6))

    def mail_store_down(**kwargs):
        raise RuntimeError("notice store unavailable")

    monkeypatch.setattr(reminder_notices, "holder_notice", mail_store_down)
    with pytest.raises(RuntimeError, match="notice store unavailable"):
        reminders_send(on=dt.date(2026, 3, 7))
    assert not Posting.objects.filter(kind="fee_reminder").exists()
    assert not Reminder.objects.exists()
    assert not Notice.objects.filter(kind="reminder").exists()

    monkeypatch.undo()
    assert reminders_send(on=dt.date(2026, 3, 7)) == 1
    fee = Posting.objects.get(kind="fee_reminder")
    assert fee.amount == Money("100.00", "DKK")
    assert fee.reminder.notice.kind == "reminder"
    assert not fees_without_a_letter().exists()


def test_issue16_item1_a_central_corporate_accounts_letter_goes_to_the_pas(db):
    company = CompanyFactory(number="40007", annual_fee=Money("0.00", "DKK"), billing_type="central",
                             default_liability="corporate")
    administrator = ProgrammeAdministratorFactory(companies=[company], language="en")
    account = AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=31,
                             opened_on=dt.date(2026, 1, 20))
    post(account, "purchase", "2500.00", dt.date(2026, 1, 20), "charge/central")
    run_through(dt.date(2026, 3, 7), start=dt.date(2026, 1, 20))

    reminder = Reminder.objects.select_related("notice").get(account=account)
    assert (reminder.notice.company_id, reminder.notice.cardmember_id) == (company.pk, None)
    assert plain(reminder.notice.subject) == f"Payment reminder 1: DKK 2,500.00 overdue on account {account.number}"
    assert "transfer DKK 2,600.00 to IBAN DK5000400440116243" in plain(reminder.notice.body)
    assert account.cardmember.full_name in reminder.notice.body  # names the cardmember it is about
    # The PA finds the letter from the reminder over the API, and opens it.
    api = APIClient()
    api.force_login(administrator.user)
    [row] = api.get("/api/v1/reminders/").json()["results"]
    assert (row["fee"], row["notice_id"]) == ("100.00", reminder.notice.pk)
    assert api.get(f"/api/v1/notices/{reminder.notice.pk}/").json()["subject"] == reminder.notice.subject


def test_issue16_item1_the_letter_is_in_the_holders_language(overdue_account):
    """The shared account's cardmember reads Danish: the letter is Danish, amounts in Danish format."""
    run_through(dt.date(2026, 3, 7))
    letter = Reminder.objects.select_related("notice").get(account=overdue_account).notice
    assert letter.cardmember_id == overdue_account.cardmember_id
    assert letter.subject.startswith("Betalingspåmindelse 1:")
    assert "10.000,00" in letter.body and "100,00" in letter.body and "DK5000400440116243" in letter.body


def test_issue16_item1_amounts_unchanged_by_the_letters(english_overdue_account):
    """The figures of SPEC section 7 stay: three DKK 100.00 fees, 10 days apart, no fourth."""
    run_through(dt.date(2026, 4, 30))
    fees = Posting.objects.filter(account=english_overdue_account, kind="fee_reminder").order_by("posting_date")
    assert [(f.posting_date, f.amount.amount) for f in fees] == [
        (dt.date(2026, 3, 7), Decimal("100.00")), (dt.date(2026, 3, 17), Decimal("100.00")),
        (dt.date(2026, 3, 27), Decimal("100.00"))]
    assert Notice.objects.filter(kind="reminder").count() == 3


def test_issue16_item11_the_letter_reads_the_issuer_details_in_force_on_its_day(english_overdue_account):
    """Reminders of 7, 17 and 27 March 2026; a new version of the DK issuer details from 15 March moves the
    account payments go to and the credit-service line: the first letter names the old, the later the new."""
    from documents.models import IssuerDetails, IssuerPhoneLine

    old = IssuerDetails.objects.get(market="DK")
    new = IssuerDetails.objects.create(
        market="DK", effective_from=dt.date(2026, 3, 15), legal_name="Kortudsteder A/S", registration="CVR 1",
        address="Havnegade 1", payee_name="Kortudsteder A/S", iban="DK3130003456789012", bic="DABADKKK",
        reference_rule=old.reference_rule, complaint_address="Havnegade 1")
    IssuerPhoneLine.objects.create(issuer=new, line="credit", phone="+45 33 11 22 33", days="weekdays",
                                   opens=dt.time(9), closes=dt.time(15))
    run_through(dt.date(2026, 3, 27))
    first, second, third = (plain(r.notice.body) for r in
                            Reminder.objects.filter(account=english_overdue_account).order_by("sent_on"))
    assert "to IBAN DK5000400440116243 (BIC DABADKKK)" in first and "+45 70 00 00 03" in first
    for letter in (second, third):
        assert "to IBAN DK3130003456789012 (BIC DABADKKK)" in letter
        assert letter.endswith("call our credit service (payments and arrears) on +45 33 11 22 33 "
                               "(Monday to Friday, 09:00–15:00).")
