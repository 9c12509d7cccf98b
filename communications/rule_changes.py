"""Two months' notice for every change, and the right to say no (terms §25b; SPEC section 15).

Every new version of a rule that affects holders — the cardmember terms, a fee schedule, the programme
rules, the dispute rules, a EuroBonus points rule — is published through `rule_change_publish`:

- It takes effect at least 2 months after publication (`NOTICE_MONTHS`). Only a change solely in the
  holder's favour may take effect sooner (from the next day on). Whether a change is solely in the
  holder's favour is not computed: a version mixes many figures, and whether e.g. a shorter hold
  lifetime favours the holder is a judgement. Ops confirm it explicitly (`holder_favourable`) with a
  written reason; the RuleChange row keeps flag, reason and who published it, and is never edited.
- Each affected holder gets a notice in their language: the cardmember of an open account of the
  market (every market for the terms), or the company's PAs for a corporate-liability, centrally
  billed account, one notice per company naming each of its cards (cardmember, last four digits)
  with the link where its account can reject the change.
- Until the day before the effective date the holder, or the company for its accounts (PA or company
  token; ops acting on their request), may reject the change (`rule_change_reject`): the account is
  closed at once by accounts.lifecycle.account_close — cards cancelled, the annual fee refunded pro
  rata, no fee or charge for closing — so it is closed before the change applies.

Reference-rate moves are not changes (SPEC section 8 fixes how they apply): fees.reference_rates
never publishes one here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urljoin

from babel.dates import format_date
from babel.numbers import format_decimal
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import Account, AuditEntry, Card, Notice
from accounts.notices import notice_goes_to_company, notice_language
from accounts.services import add_months
from amexprog.common.errors import ApplicationError
from amexprog.common.money import LANGUAGE_LOCALES, date_locale
from communications.models import ChangeRejection, RuleChange
from communications.services import notices_bulk_create

NOTICE_MONTHS = 2
OPEN_STATUSES = (Account.Status.ACTIVE, Account.Status.SUSPENDED, Account.Status.IN_DEFAULT)
LIVE_CARDS = (Card.Status.ORDERED, Card.Status.ACTIVE, Card.Status.BLOCKED)
CLOSURE_REASON = "change_rejected"

TOO_SOON = _("A change that affects holders takes effect at least 2 months after publication (terms §25b): "
             "%(earliest)s at the earliest, unless it is solely in the holder's favour.")
NOT_IN_FUTURE = _("Even a change solely in the holder's favour takes effect from tomorrow (%(earliest)s) at the "
                  "earliest.")
REASON_REQUIRED = _("Say why the change is solely in the holder's favour.")
ALREADY_IN_FORCE = _("This change took effect on %(date)s: it can no longer be rejected.")
NOT_THIS_ACCOUNT = _("This change does not apply to account %(account)s.")
ALREADY_REJECTED = _("Account %(account)s has already rejected this change.")

# Written in each recipient's language when the notices are made.
SUBJECT = _("Change of %(what)s from %(date)s")
INTRO = _("Your Corporate Card: %(what)s change from %(date)s (terms §25b).")
WHAT_CHANGES = _("What changes:")
TERMS_LINE = _("Version %(version)s of the cardmember terms replaces the present version. The full text is in "
               "the portal under Terms and fees.")
FAVOURABLE_LINE = _("This change is solely in your favour, so it takes effect sooner than 2 months after this "
                    "notice.")
REJECT_RIGHT = _("If you do not accept the change, you may reject it until %(last_day)s. The card account then "
                 "closes free of charge before the change applies: the annual card fee is refunded pro rata and "
                 "nothing else is charged. If you do not reject it, the change applies from %(date)s.")
HOLDER_CARD = _("This notice is about %(name)s, card ending %(last4)s. Accept or reject the change here: %(url)s")
COMPANY_CARDS = _("This notice is about these cards of %(company)s. To reject the change for a card's account, "
                  "open its link:")
CARD_LINE = _("%(name)s, card ending %(last4)s: %(url)s")
WHAT = {
    RuleChange.Kind.TERMS: _("the cardmember terms"),
    RuleChange.Kind.FEE_SCHEDULE: _("the fees"),
    RuleChange.Kind.PROGRAMME_RULES: _("the programme rules"),
    RuleChange.Kind.DISPUTE_RULES: _("the dispute rules"),
    RuleChange.Kind.POINTS_RULE: _("the EuroBonus points rules"),
}
# Bookkeeping fields of a version, not rules a holder is told about.
NOT_RULES = {"id", "market", "effective_from", "published_on", "created_at", "currency", "label", "version"}


def earliest_effective_date(published_on: dt.date) -> dt.date:
    return add_months(published_on, NOTICE_MONTHS)


def rule_change_check(*, effective_from: dt.date, published_on: dt.date, holder_favourable: bool = False,
                      favourable_reason: str = "") -> None:
    """Terms §25b, SPEC section 15: at least 2 months' notice, unless solely in the holder's favour."""
    if holder_favourable:
        if not favourable_reason.strip():
            raise ApplicationError(str(REASON_REQUIRED), "favourable_reason_required", {"field": "favourable_reason"})
        tomorrow = published_on + dt.timedelta(days=1)
        if effective_from < tomorrow:
            raise ApplicationError(str(NOT_IN_FUTURE % {"earliest": tomorrow}), "change_too_soon",
                                   {"field": "effective_from", "earliest": tomorrow.isoformat()})
        return
    earliest = earliest_effective_date(published_on)
    if effective_from < earliest:
        raise ApplicationError(str(TOO_SOON % {"earliest": earliest}), "change_too_soon",
                               {"field": "effective_from", "earliest": earliest.isoformat()})


@transaction.atomic
def rule_change_publish(*, kind: str, rule: models.Model, published_on: dt.date, published_by: str,
                        holder_favourable: bool = False, favourable_reason: str = "",
                        notify: bool = True) -> RuleChange:
    """Record the publication of `rule` (a new version of `kind`) and notify every affected holder
    (terms §25b); refuse an effective date sooner than 2 months unless ops confirmed, with a reason,
    that the change is solely in the holder's favour. `notify=False` is for a kind that writes its own
    notice (fees.publishing)."""
    effective_from = rule.effective_from
    rule_change_check(effective_from=effective_from, published_on=published_on,
                      holder_favourable=holder_favourable, favourable_reason=favourable_reason)
    change = RuleChange.objects.create(
        kind=kind, rule_id=rule.pk, market=getattr(rule, "market", "") or "", published_on=published_on,
        effective_from=effective_from, holder_favourable=holder_favourable,
        favourable_reason=favourable_reason.strip() if holder_favourable else "", published_by=published_by[:150])
    if notify:
        _notify(change, rule)
    return change


def affected_accounts(change: RuleChange):
    accounts = Account.objects.filter(status__in=OPEN_STATUSES)
    return accounts.filter(company__market=change.market) if change.market else accounts


def portal_url(account: Account) -> str:
    return urljoin(settings.PORTAL_BASE_URL, reverse("portal:account_changes", args=[account.number]))


def _value(value, locale: str) -> str:
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, Decimal):
        return format_decimal(value, locale=locale)
    return str(value)


def _change_lines(change: RuleChange, rule: models.Model, locale: str) -> list[str]:
    """The figures that change, old → new, against the version in force the day before."""
    if change.kind == RuleChange.Kind.TERMS:
        return [str(TERMS_LINE % {"version": rule.version})]
    model = type(rule)
    previous = (model.objects.filter(market=rule.market, effective_from__lt=rule.effective_from)
                .order_by("-effective_from").first())
    lines = []
    for field in model._meta.concrete_fields:
        if field.name in NOT_RULES:
            continue
        new = getattr(rule, field.attname)
        old = getattr(previous, field.attname) if previous is not None else None
        if old != new:
            before = f"{_value(old, locale)} → " if previous is not None else ""
            lines.append(f"{str(field.verbose_name).capitalize()}: {before}{_value(new, locale)}")
    return lines


def _text(change: RuleChange, rule: models.Model, language: str, cards: str) -> tuple[str, str]:
    with translation.override(language):
        locale = LANGUAGE_LOCALES.get(language, "en")
        date = format_date(change.effective_from, format="long", locale=date_locale(language))
        last_day = format_date(change.effective_from - dt.timedelta(days=1), format="long",
                               locale=date_locale(language))
        what = str(WHAT[change.kind])
        parts = [str(INTRO % {"what": what, "date": date}), str(WHAT_CHANGES),
                 "\n".join(_change_lines(change, rule, locale))]
        if change.holder_favourable:
            parts.append(str(FAVOURABLE_LINE))
        parts += [str(REJECT_RIGHT % {"last_day": last_day, "date": date}), cards]
        subject = str(SUBJECT % {"what": what, "date": date})
    return subject[:200], "\n\n".join(parts)


def live_last4(accounts: list[Account]) -> dict[int, list[str]]:
    last4: dict[int, list[str]] = defaultdict(list)
    for account_id, four in (Card.objects.filter(account__in=[a.pk for a in accounts], status__in=LIVE_CARDS)
                             .order_by("pk").values_list("account_id", "last4")):
        last4[account_id].append(four)
    return last4


def cards_paragraph(accounts: list[Account], language: str, last4: dict[int, list[str]]) -> str:
    """The cardmember and card each notice is about, with the link where its account can reject the
    change (SPEC section 15): one account for a holder's notice, the company's cards for its PAs'."""
    with translation.override(language):
        if len(accounts) == 1 and not notice_goes_to_company(accounts[0]):
            account = accounts[0]
            return str(HOLDER_CARD % {"name": account.cardmember.full_name,
                                      "last4": ", ".join(last4[account.pk]) or "—", "url": portal_url(account)})
        lines = [str(COMPANY_CARDS % {"company": accounts[0].company.legal_name})]
        lines += [str(CARD_LINE % {"name": account.cardmember.full_name,
                                   "last4": ", ".join(last4[account.pk]) or "—", "url": portal_url(account)})
                  for account in accounts]
    return "\n".join(lines)


def notice_groups(accounts: list[Account]) -> tuple[list[Account], dict[int, list[Account]]]:
    """The accounts whose notices go to their cardmember, and the others by company (SPEC section 15)."""
    to_holders, by_company = [], defaultdict(list)
    for account in accounts:
        if notice_goes_to_company(account):
            by_company[account.company_id].append(account)
        else:
            to_holders.append(account)
    return to_holders, by_company


def _notify(change: RuleChange, rule: models.Model) -> int:
    """One notice per affected account's holder, or per company for its centrally billed corporate
    accounts (SPEC section 15), each in its reader's language, naming cardmember and card."""
    accounts = list(affected_accounts(change).select_related("company", "cardmember").order_by("pk"))
    last4 = live_last4(accounts)
    to_holders, by_company = notice_groups(accounts)
    notices = []
    for account in to_holders:
        language = account.cardmember.language
        subject, body = _text(change, rule, language, cards_paragraph([account], language, last4))
        notices.append(Notice(kind=Notice.Kind.RULE_CHANGE, cardmember=account.cardmember, subject=subject,
                              body=body, created_on=change.published_on,
                              source_key=f"rule-change/{change.pk}/cardmember/{account.cardmember_id}",
                              link=reverse("portal:account_changes", args=[account.number])))
    for company_id, company_accounts in by_company.items():
        language = notice_language(company_accounts[0])
        subject, body = _text(change, rule, language, cards_paragraph(company_accounts, language, last4))
        notices.append(Notice(kind=Notice.Kind.RULE_CHANGE, company_id=company_id, subject=subject, body=body,
                              created_on=change.published_on,
                              source_key=f"rule-change/{change.pk}/company/{company_id}",
                              link=reverse("portal:account_changes", args=[company_accounts[0].number])))
    # With their notice.created events, in the publication's transaction (SPEC section 16).
    return notices_bulk_create(notices)


def rule_changes_open(*, account: Account, on: dt.date):
    """The changes `account` may still reject on `on`: published, not yet in force, of its market."""
    return (RuleChange.objects.filter(published_on__lte=on, effective_from__gt=on)
            .filter(models.Q(market="") | models.Q(market=account.company.market))
            .exclude(rejections__account=account).order_by("effective_from", "pk"))


@transaction.atomic
def rule_change_reject(*, change: RuleChange, account: Account, by: Actor, on: dt.date) -> ChangeRejection:
    """Terms §25b: the holder, or the company for its accounts, rejects a change before it takes effect:
    the account closes at once, free of charge (accounts.lifecycle.account_close: cards cancelled, the
    annual fee refunded pro rata, no closing fee), so the change never applies to it."""
    from accounts.lifecycle import ClosureReason, account_close  # lifecycle builds on communications' services

    require_role(by, (Role.HOLDER, Role.COMPANY, Role.ISSUER), action="reject", what="change")
    if change.market and change.market != account.company.market:
        raise ApplicationError(str(NOT_THIS_ACCOUNT % {"account": account.number}), "change_not_for_account",
                               status=404)
    if on >= change.effective_from:
        raise ApplicationError(str(ALREADY_IN_FORCE % {"date": change.effective_from}), "change_in_force",
                               status=409)
    if ChangeRejection.objects.filter(change=change, account=account).exists():
        raise ApplicationError(str(ALREADY_REJECTED % {"account": account.number}), "change_already_rejected",
                               status=409)
    reason = ClosureReason.HOLDER_REQUEST if by.role == Role.HOLDER else CLOSURE_REASON
    account = account_close(account=account, on=on, reason=reason, by=by)
    rejection = ChangeRejection.objects.create(change=change, account=account, rejected_on=on, actor_role=by.role,
                                               rejected_by=by.label[:150])
    audit_record(by=by, action=AuditEntry.Action.RULE_CHANGE_REJECTED, on=on, company=account.company,
                 account=account, reason=CLOSURE_REASON,
                 details={"change": change.pk, "kind": change.kind,
                          "effective_from": change.effective_from.isoformat()})
    return rejection
