"""Notices to a card's holder (SPEC section 15): blocks, replacements, renewals, closures.

A notice to a corporate-liability, centrally billed account goes to the company's PAs; any other
goes to the cardmember. Texts are written in the recipient's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from babel.dates import format_date
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from accounts.models import Account, BillingType, Cardmember, Liability, Notice, company_language
from amexprog.common.money import date_locale, format_money

CONTACT_CHANGED_SUBJECT = gettext_lazy("Your contact details were changed")
CONTACT_CHANGED_BODY = gettext_lazy(
    "Hello %(name)s,\n\nthese contact details of your corporate card were changed: %(fields)s. This message goes "
    "to your previous email address. If you did not ask for this change, tell your programme administrator and "
    "your card issuer at once.")


def notice_goes_to_company(account: Account | None) -> bool:
    """SPEC section 15: a corporate-liability, centrally billed account's notices go to the company's PAs."""
    return (account is not None and account.liability == Liability.CORPORATE
            and account.billing_type == BillingType.CENTRAL)


def notice_language(account: Account) -> str:
    """The language a notice about `account` is written in: when it goes to the company, its first PA's, or
    the company's market's while it has none; else the cardmember's."""
    if notice_goes_to_company(account):
        administrator = account.company.administrators.order_by("pk").first()
        return administrator.language if administrator is not None else company_language(account.company.market)
    return account.cardmember.language


def notice_date(value: dt.date) -> str:
    """A date in a notice, in the language being written ("8 September 2026", "8. september 2026"), never
    ISO (issue 19 item 8). Call it inside the `text` of holder_notice, where the reader's language is active."""
    return format_date(value, format="long", locale=date_locale(translation.get_language()))


NOTICE_ABOUT_CARD = N_("About: %(name)s, card ending %(last4)s, account %(account)s.")
NOTICE_ABOUT_ACCOUNT = N_("About: %(name)s, account %(account)s (cards ending %(cards)s).")


def notice_about(*, account: Account, card=None) -> str:
    """The line that names the cardmember and the card (last four) a notice is about (SPEC section 15), in
    the active language."""
    values = {"name": account.cardmember.full_name, "account": account.number}
    if card is not None:
        return _(NOTICE_ABOUT_CARD) % {**values, "last4": card.last4}
    cards = ", ".join(account.cards.order_by("pk").values_list("last4", flat=True)) or "-"
    return _(NOTICE_ABOUT_ACCOUNT) % {**values, "cards": cards}


def notice_link(*, account: Account, card=None) -> str:
    """Where the reader of a notice about `account` acts (SPEC section 15): the card's page, which the holder
    and the company's PAs can both open, or else the account's statements."""
    from django.urls import reverse

    if card is not None:
        return reverse("portal:card_detail", args=[card.pk])
    return reverse("portal:account_statements", args=[account.number])


def holder_notice(
    *,
    account: Account,
    kind: str,
    on: dt.date,
    source_key: str,
    text: Callable[[], tuple[str, str]],
    card=None,
    link: str | None = None,
) -> Notice:
    """Create the notice once per source key; `text()` returns (subject, body) in the active language.

    SPEC section 15: the notice is written in its reader's language only, names the cardmember and the card
    (last four) it is about (a first line, unless the body already names both) and links to the page where
    the reader can act (`link`, by default the card's page or the account's statements)."""
    to_company = notice_goes_to_company(account)
    with translation.override(notice_language(account)):
        subject, body = text()
        body = str(body)
        names_card = (card.last4 if card is not None else account.number) in body
        if account.cardmember.full_name not in body or not names_card:
            body = f"{notice_about(account=account, card=card)}\n\n{body}"
    notice, _created = Notice.objects.get_or_create(
        source_key=source_key,
        defaults={
            "kind": kind, "subject": str(subject)[:200], "body": body, "created_on": on,
            "cardmember": None if to_company else account.cardmember,
            "company": account.company if to_company else None,
            "link": link if link is not None else notice_link(account=account, card=card),
        },
    )
    if _created:
        from communications.services import notice_send_after_commit  # the inbox app builds on accounts

        notice_send_after_commit(notice)
    return notice


CLOSED_SUBJECT = N_("Your card account %(account)s is closed")
CLOSED_BODY = N_("The card account %(account)s of %(name)s (cards ending %(cards)s) was closed on %(on)s and its "
                 "cards cancelled.")
CLOSED_REASON = N_("Reason: %(reason)s.")
CLOSED_FINAL = N_("Everything still owed is payable now (terms §32): the final statement bills %(amount)s, due "
                  "on %(due)s. See Statements in the portal.")
CLOSED_NOTHING_DUE = N_("Nothing is owed on the account. A credit balance is paid back.")


def account_closed_notice(*, account: Account, on: dt.date, cards: list[str], reason: str = "",
                          statement=None) -> Notice:
    """The closure notice (SPEC sections 11, 15): to whoever pays, naming the holder and the cards, the
    reason where the issuer closed it (terms §31a), and the final statement's amount and due date
    (terms §32)."""
    def text() -> tuple[str, str]:
        values = {"account": account.number, "name": account.cardmember.full_name, "on": notice_date(on),
                  "cards": ", ".join(cards) or "-"}
        parts = [_(CLOSED_BODY) % values]
        if reason:
            parts.append(_(CLOSED_REASON) % {"reason": reason})
        if statement is not None and statement.closing_balance > 0:
            amount = format_money(statement.closing_balance, statement.currency, translation.get_language())
            parts.append(_(CLOSED_FINAL) % {"amount": amount, "due": notice_date(statement.due_date)})
        else:
            parts.append(_(CLOSED_NOTHING_DUE))
        return _(CLOSED_SUBJECT) % values, " ".join(parts)

    return holder_notice(account=account, kind=Notice.Kind.CLOSURE, on=on, source_key=f"account-closed/{account.pk}",
                         text=text)


def contact_change_notify(*, cardmember: Cardmember, old_email: str, fields: list[str]) -> None:
    """Tell the holder's previous contact that their email or postal address changed (SPEC section 17,
    issue 15 item 10): a mail to the address they had before the change, sent after commit. Which
    fields changed is named, their new values are not."""
    if not old_email:
        return
    with translation.override(cardmember.language):
        labels = ", ".join(str(Cardmember._meta.get_field(field).verbose_name) for field in fields)
        subject = str(CONTACT_CHANGED_SUBJECT)
        body = str(CONTACT_CHANGED_BODY) % {"name": cardmember.full_name, "fields": labels}
    transaction.on_commit(lambda: send_mail(subject, body, None, [old_email]))
