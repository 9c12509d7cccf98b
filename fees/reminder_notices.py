"""The reminder letter a reminder fee pays for (SPEC sections 7 and 15; terms §9c; Danish Interest Act §9b;
issue 16 item 1: no letter, no fee).

fees.services._reminder_send creates it in the same transaction as the fee: what is overdue and since
when, the fee, what happens next, how to pay (amount, IBAN, BIC and the reference to quote, from the market's
issuer details, documents.issuer; issue 16 item 11) and whom to call with questions. It goes
where section 15 sends a notice about the account: the company's PAs for a corporate-liability, centrally
billed account, otherwise the cardmember, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from accounts.models import Account, Card, Notice
from accounts.notices import holder_notice, notice_date
from accounts.rules import programme_rules
from amexprog.common.money import format_money
from documents.issuer import issuer_contact, issuer_details, payment_reference
from documents.models import IssuerPhoneLine

SUBJECT = gettext_noop("Payment reminder %(number)d: %(unpaid)s overdue on account %(account)s")
ABOUT = gettext_noop("About: %(cardmember)s, account %(account)s%(cards)s.")
CARDS = gettext_noop(", card ending %(last4)s")
OVERDUE = gettext_noop(
    "Overdue: %(unpaid)s of the statement of %(statement_date)s, which was due on %(due_date)s. The account "
    "has been in arrears since %(arrears_since)s.")
FEE = gettext_noop(
    "This is reminder %(number)d of at most %(max)d for these arrears. Its reminder fee of %(fee)s is added "
    "to the account (terms §9c).")
NO_FEE = gettext_noop(
    "This is reminder %(number)d of at most %(max)d for these arrears. No fee is charged for it.")
NEXT = gettext_noop(
    "What happens next: late interest runs on the unpaid amount every day until it is paid (terms §9i). At "
    "%(suspend_dpd)d days past due the account's cards are suspended, at %(collections_dpd)d days the account "
    "goes to collections (terms §27).")
NEXT_REMINDER = gettext_noop(
    "If the amount is still unpaid, another reminder follows in %(days)d days at the earliest.")
HOW_TO_PAY = gettext_noop(
    "How to pay: transfer %(total)s to IBAN %(iban)s (BIC %(bic)s), quoting the reference %(reference)s. If "
    "you have paid in the last few days, thank you: this letter and your payment may have crossed.")
CALL = gettext_noop("Questions about this letter: call our %(line)s on %(phone)s (%(hours)s).")


def reminder_notice_create(*, account: Account, statement, unpaid: Decimal, fee: Decimal, arrears_since: dt.date,
                           number: int, max_reminders: int, interval_days: int, on: dt.date) -> Notice:
    """The reminder letter, once per reminder (its source key); raises rather than return without one,
    so that the caller's transaction, and the fee with it, rolls back (issue 16 item 1)."""
    rules = programme_rules(market=account.company.market, on=on)
    issuer = issuer_details(market=account.company.market, on=on)
    bank = {"iban": issuer.iban, "bic": issuer.bic,
            "reference": payment_reference(rule=issuer.reference_rule, number=account.number)}
    last4s = list(account.cards.exclude(status__in=[Card.Status.CANCELLED, Card.Status.EXPIRED])
                  .order_by("pk").values_list("last4", flat=True))

    def text() -> tuple[str, str]:
        language = get_language()

        def money(amount: Decimal) -> str:
            return format_money(amount, account.currency, language)

        values = {
            "number": number, "max": max_reminders, "account": account.number, "unpaid": money(unpaid),
            "fee": money(fee), "total": money(unpaid + fee),
            "cardmember": account.cardmember.full_name,
            "cards": "".join(_(CARDS) % {"last4": last4} for last4 in last4s),
            "statement_date": notice_date(statement.statement_date),
            "due_date": notice_date(statement.due_date),
            "arrears_since": notice_date(arrears_since),
            "suspend_dpd": rules.suspend_dpd, "collections_dpd": rules.collections_dpd, "days": interval_days,
            **bank,
        }
        paragraphs = [ABOUT, OVERDUE, FEE if fee > 0 else NO_FEE, NEXT]
        if number < max_reminders:
            paragraphs.append(NEXT_REMINDER)
        paragraphs.append(HOW_TO_PAY)
        body = "\n\n".join(_(paragraph) % values for paragraph in paragraphs)
        credit_line = next((line for line in issuer_contact(issuer, language=language).phone_lines
                            if line.line == IssuerPhoneLine.Line.CREDIT), None)
        if credit_line is not None:
            body += "\n\n" + _(CALL) % {"line": credit_line.label.lower(), "phone": credit_line.phone,
                                         "hours": credit_line.hours}
        return _(SUBJECT) % values, body

    return holder_notice(account=account, kind=Notice.Kind.REMINDER, on=on,
                         source_key=f"reminder/{account.pk}/{arrears_since.isoformat()}/{number}", text=text)
