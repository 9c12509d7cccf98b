"""The card lifecycle and account closure (SPEC section 11; terms §14–§16, §26, §30–§32).

Every service here writes an audit entry and a notice to the holder in the same transaction as the
change. New card numbers (replacements, renewals, new cards after expiry) go to the embosser
through the ops spool (accounts.embossing), never to the caller: services return an IssuedCard,
whose number interfaces must not show.

Closure: cards cancelled at once, the annual fee refunded pro rata, the account `closing` until its
balance is zero, then `closed` by the daily cycle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.audit import SYSTEM, Actor, Role, audit_record, require_role
from accounts.controls import card_controls_copy
from accounts.embossing import embossing_order_create
from accounts.models import Account, AuditEntry, BlockedBy, Card, Company, EmbossingOrder, Notice
from accounts.notices import account_closed_notice, holder_notice, notice_date
from accounts.replacement_holds import replacement_is_held, replacement_waits_for_holder
from accounts.rules import programme_rules, programme_rules_by_market
from accounts.services import IssuedCard, add_months, card_issue
from amexprog.common.errors import ApplicationError
from events.models import EventType
from events.payloads import account_data, card_data
from events.services import event_record as outbox_record
from ledger.selectors import account_balance

ALREADY_CLOSED = "Account {account} is already {status}."
REASON_REQUIRED = "Give a reason."
CARD_NOT_ORDERED = "The card ending {last4} is {status}; only an ordered card can be activated."
CARD_NOT_BLOCKABLE = "The card ending {last4} is {status}; only an active card can be blocked."
CARD_NOT_BLOCKED = "The card ending {last4} is {status}; only a blocked card can be unblocked."
BLOCK_NOT_YOURS = "The card ending {last4} was blocked by {blocked_by}; you cannot lift that block."
CARD_NOT_REPORTABLE = "The card ending {last4} is {status}; only an ordered, active or blocked card can be reported."
BAD_REPORT = "Report a card as lost, stolen or damaged."
CARD_NOT_CANCELLABLE = "The card ending {last4} is already {status}."
CARD_NOT_EXPIRED = "The card ending {last4} is {status}; a new card can be requested only for an expired card."
CARD_ALREADY_REPLACED = "The card ending {last4} was already replaced by the card ending {new_last4}."
REISSUE_TOO_LATE = "The card ending {last4} expired on {expiry}; a new card could be requested until {until}."
ACCOUNT_CLOSED = "Account {account} is {status}; it gets no new card."
COMPANY_ALREADY_TERMINATED = "Company {company} is already terminated."
NO_HELD_REPLACEMENT = "The card ending {last4} has no replacement waiting for confirmation."

# A card can still be used, or become usable, in these states.
LIVE_STATUSES = (Card.Status.ORDERED, Card.Status.ACTIVE, Card.Status.BLOCKED)
REPORT_STATUSES = (Card.Status.LOST, Card.Status.STOLEN, Card.Status.DAMAGED)
OPEN_ACCOUNT_STATUSES = (Account.Status.ACTIVE, Account.Status.SUSPENDED, Account.Status.IN_DEFAULT)
BLOCKED_BY_ROLE = {Role.HOLDER: BlockedBy.HOLDER, Role.COMPANY: BlockedBy.COMPANY, Role.ISSUER: BlockedBy.ISSUER,
                   Role.SYSTEM: BlockedBy.ISSUER}
# Whose blocks each role may lift (terms §26).
MAY_LIFT = {Role.HOLDER: (BlockedBy.HOLDER,), Role.COMPANY: (BlockedBy.HOLDER, BlockedBy.COMPANY),
            Role.ISSUER: tuple(BlockedBy.values), Role.SYSTEM: tuple(BlockedBy.values)}


class ClosureReason:
    """Why an account closes (free text is accepted too; these are what the interfaces offer)."""

    HOLDER_REQUEST = "holder_request"
    COMPANY_REQUEST = "company_request"
    EMPLOYMENT_END = "employment_end"
    CARD_NOT_RENEWED = "card_not_renewed"
    COMPANY_TERMINATED = "company_terminated"
    ISSUER_NOTICE = "issuer_notice"  # terms §31a: after 2 months' notice
    BREACH = "breach_of_terms"  # terms §31a: at once

    CHOICES = (HOLDER_REQUEST, COMPANY_REQUEST, EMPLOYMENT_END)


def _locked(card: Card) -> Card:
    # The card row is what authorizations lock too: a block and an authorization never interleave.
    return Card.objects.select_for_update(of=("self",)).select_related(
        "account", "account__company", "account__cardmember").get(pk=card.pk)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REASON_REQUIRED, "reason_required", {"field": "reason"})
    return reason


def _set_status(card: Card, status: str, on: dt.date, **fields: str) -> None:
    card.status = status
    card.status_changed_on = on
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=["status", "status_changed_on", *fields])
    # SPEC section 16: card.status_changed, in the change's transaction.
    outbox_record(company_id=card.account.company_id, type=EventType.CARD_STATUS_CHANGED, data=card_data(card))


def _card_notice(card: Card, *, kind: str, on: dt.date, key: str, subject: str, body: str, **values: object) -> None:
    holder_notice(
        account=card.account, kind=kind, on=on, source_key=key, card=card,
        text=lambda: (_(subject) % {"last4": card.last4, **_worded(values)},
                      _(body) % {"last4": card.last4, **_worded(values)}),
    )


def _worded(values: dict[str, object]) -> dict[str, object]:
    """Dates in the reader's words, in the language holder_notice made active (issue 19 item 8)."""
    return {name: notice_date(value) if isinstance(value, dt.date) else value for name, value in values.items()}


@transaction.atomic
def card_activate(*, card: Card, by: Actor, on: dt.date) -> Card:
    """An ordered card becomes active when its holder activates it (SPEC section 11)."""
    require_role(by, (Role.HOLDER, Role.COMPANY, Role.ISSUER), action="activate", what="card")
    card = _locked(card)
    if card.status != Card.Status.ORDERED:
        raise ApplicationError(CARD_NOT_ORDERED.format(last4=card.last4, status=card.status), "card_not_ordered",
                               status=409)
    _set_status(card, Card.Status.ACTIVE, on)
    entry = audit_record(by=by, action=AuditEntry.Action.CARD_ACTIVATED, on=on, company=card.account.company,
                         account=card.account, card=card)
    _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-activated/{card.pk}/{entry.pk}",
                 subject=N_("Your card ending %(last4)s is active"),
                 body=N_("Your card ending %(last4)s was activated and can now be used."))
    return card


@transaction.atomic
def card_block(*, card: Card, by: Actor, on: dt.date, reason: str) -> Card:
    """Block an active card, with the reason, and tell the holder (terms §26)."""
    require_role(by, (Role.HOLDER, Role.COMPANY, Role.ISSUER, Role.SYSTEM), action="block", what="card")
    reason = _require_reason(reason)
    card = _locked(card)
    if card.status != Card.Status.ACTIVE:
        raise ApplicationError(CARD_NOT_BLOCKABLE.format(last4=card.last4, status=card.status),
                               "card_not_blockable", status=409)
    _set_status(card, Card.Status.BLOCKED, on, blocked_by=BLOCKED_BY_ROLE[by.role], block_reason=reason[:200])
    entry = audit_record(by=by, action=AuditEntry.Action.CARD_BLOCKED, on=on, company=card.account.company,
                         account=card.account, card=card, reason=reason)
    _card_notice(card, kind=Notice.Kind.BLOCK, on=on, key=f"card-blocked/{card.pk}/{entry.pk}",
                 subject=N_("Your card ending %(last4)s is blocked"),
                 body=N_("Your card ending %(last4)s was blocked. Reason: %(reason)s"), reason=reason)
    return card


@transaction.atomic
def card_unblock(*, card: Card, by: Actor, on: dt.date, reason: str) -> Card:
    """Lift a block: a holder only their own, a PA a holder's or the company's, the issuer any (terms §26)."""
    require_role(by, (Role.HOLDER, Role.COMPANY, Role.ISSUER, Role.SYSTEM), action="unblock", what="card")
    reason = _require_reason(reason)
    card = _locked(card)
    if card.status != Card.Status.BLOCKED:
        raise ApplicationError(CARD_NOT_BLOCKED.format(last4=card.last4, status=card.status), "card_not_blocked",
                               status=409)
    if (card.blocked_by or BlockedBy.ISSUER) not in MAY_LIFT[by.role]:
        raise ApplicationError(BLOCK_NOT_YOURS.format(last4=card.last4, blocked_by=card.get_blocked_by_display()),
                               "block_not_yours", status=403)
    _set_status(card, Card.Status.ACTIVE, on, blocked_by="", block_reason="")
    entry = audit_record(by=by, action=AuditEntry.Action.CARD_UNBLOCKED, on=on, company=card.account.company,
                         account=card.account, card=card, reason=reason)
    _card_notice(card, kind=Notice.Kind.BLOCK, on=on, key=f"card-unblocked/{card.pk}/{entry.pk}",
                 subject=N_("Your card ending %(last4)s is unblocked"),
                 body=N_("The block on your card ending %(last4)s was lifted. Reason: %(reason)s"), reason=reason)
    return card


def _issue_successor(card: Card, *, on: dt.date, reason: str) -> IssuedCard:
    """A new card with a new number on the same account, with the old card's settings and controls."""
    if card.account.status not in OPEN_ACCOUNT_STATUSES:
        raise ApplicationError(ACCOUNT_CLOSED.format(account=card.account.number, status=card.account.status),
                               "account_not_open", status=409)
    issued = card_issue(account=card.account, issued_on=on, replaces=card, contactless=card.contactless,
                        cash_enabled=card.cash_enabled, monthly_limit=card.monthly_limit)
    if card.blocked_mccs:
        issued.card.blocked_mccs = list(card.blocked_mccs)
        issued.card.save(update_fields=["blocked_mccs"])
    card_controls_copy(source=card, target=issued.card)
    embossing_order_create(issued=issued, reason=reason, on=on)
    return issued


@transaction.atomic
def card_report(*, card: Card, by: Actor, on: dt.date, status: str, reason: str = "") -> IssuedCard | None:
    """Report a card lost, stolen or damaged: it is cancelled at once and a replacement with a new
    number is issued (terms §15, §16). Charges presented on the old number still post to the account,
    flagged for review (SPEC section 5); recurring merchants present to the replacement.

    When the holder's postal address changed in the last 30 days, the replacement waits for the
    holder's confirmation (card_replacement_confirm) and None is returned (SPEC section 17, issue 15
    item 10; accounts.replacement_holds)."""
    require_role(by, (Role.HOLDER, Role.COMPANY, Role.ISSUER), action="report", what="card")
    if status not in REPORT_STATUSES:
        raise ApplicationError(BAD_REPORT, "bad_report", {"field": "status"})
    card = _locked(card)
    if card.status not in LIVE_STATUSES:
        raise ApplicationError(CARD_NOT_REPORTABLE.format(last4=card.last4, status=card.status),
                               "card_not_reportable", status=409)
    _set_status(card, status, on, blocked_by="", block_reason="")
    held = replacement_waits_for_holder(card=card, on=on)
    audit_record(by=by, action=AuditEntry.Action.CARD_REPORTED, on=on, company=card.account.company,
                 account=card.account, card=card, reason=reason,
                 details={"reported_as": status, **({"replacement_held": True} if held else {})})
    if held:
        # SPEC section 17, issue 15 item 10: the address changed lately; the holder confirms first.
        _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-reported/{card.pk}",
                     subject=N_("Your card ending %(last4)s is cancelled; confirm your new card"),
                     body=N_("Your card ending %(last4)s is cancelled (reported: %(report)s). Your postal address "
                          "was changed in the last 30 days, so the new card is sent only after you confirm it in "
                          "the portal: Your accounts, then the card."),
                     report=Card.Status(status).label)
        return None
    issued = _issue_successor(card, on=on, reason=EmbossingOrder.Reason.REPLACEMENT)
    audit_record(by=by, action=AuditEntry.Action.CARD_REPLACED, on=on, company=card.account.company,
                 account=card.account, card=issued.card, details={"replaces_last4": card.last4})
    _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-reported/{card.pk}",
                 subject=N_("Your card ending %(last4)s is cancelled; a new card is on its way"),
                 body=N_("Your card ending %(last4)s is cancelled (reported: %(report)s). A new card ending "
                      "%(new_last4)s is on its way. Merchants who charge you regularly may need the new number."),
                 report=Card.Status(status).label, new_last4=issued.card.last4)
    return issued


@transaction.atomic
def card_replacement_confirm(*, card: Card, by: Actor, on: dt.date) -> IssuedCard:
    """The holder confirms the held replacement of a reported card: now it is issued and embossed
    (SPEC section 17, issue 15 item 10). Ops may confirm for a holder who confirmed to them in person."""
    require_role(by, (Role.HOLDER, Role.ISSUER), action="confirm the replacement of", what="card")
    card = _locked(card)
    if not replacement_is_held(card):
        raise ApplicationError(NO_HELD_REPLACEMENT.format(last4=card.last4), "no_held_replacement", status=409)
    issued = _issue_successor(card, on=on, reason=EmbossingOrder.Reason.REPLACEMENT)
    audit_record(by=by, action=AuditEntry.Action.CARD_REPLACED, on=on, company=card.account.company,
                 account=card.account, card=issued.card,
                 details={"replaces_last4": card.last4, "confirmed_after_address_change": True})
    _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-replacement-confirmed/{card.pk}",
                 subject=N_("Your new card ending %(new_last4)s is on its way"),
                 body=N_("You confirmed the replacement of your card ending %(last4)s. A new card ending "
                      "%(new_last4)s is on its way. Merchants who charge you regularly may need the new number."),
                 new_last4=issued.card.last4)
    return issued


@transaction.atomic
def card_cancel(*, card: Card, by: Actor, on: dt.date, reason: str) -> Card:
    """Cancel a card for good, without a replacement (SPEC section 11)."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="cancel", what="card")
    reason = _require_reason(reason)
    card = _locked(card)
    if card.status not in LIVE_STATUSES:
        raise ApplicationError(CARD_NOT_CANCELLABLE.format(last4=card.last4, status=card.status),
                               "card_not_cancellable", status=409)
    _set_status(card, Card.Status.CANCELLED, on, blocked_by="", block_reason="")
    entry = audit_record(by=by, action=AuditEntry.Action.CARD_CANCELLED, on=on, company=card.account.company,
                         account=card.account, card=card, reason=reason)
    _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-cancelled/{card.pk}/{entry.pk}",
                 subject=N_("Your card ending %(last4)s is cancelled"),
                 body=N_("Your card ending %(last4)s was cancelled. Reason: %(reason)s"), reason=reason)
    return card


@transaction.atomic
def card_renew(*, card: Card, on: dt.date, by: Actor = SYSTEM) -> IssuedCard:
    """Issue the renewal card before the card expires (terms §31). The old card works until its expiry."""
    card = _locked(card)
    if hasattr(card, "replaced_by"):
        raise ApplicationError(CARD_ALREADY_REPLACED.format(last4=card.last4, new_last4=card.replaced_by.last4),
                               "card_already_replaced", status=409)
    issued = _issue_successor(card, on=on, reason=EmbossingOrder.Reason.RENEWAL)
    audit_record(by=by, action=AuditEntry.Action.CARD_RENEWED, on=on, company=card.account.company,
                 account=card.account, card=issued.card, details={"replaces_last4": card.last4})
    _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-renewed/{card.pk}",
                 subject=N_("Your new card is on its way"),
                 body=N_("Your card ending %(last4)s expires on %(expiry)s. Your new card ending %(new_last4)s is on "
                      "its way; merchants who charge you regularly may need the new number."),
                 expiry=card.expiry, new_last4=issued.card.last4)
    return issued


def reissue_deadline(card: Card) -> dt.date:
    """The last day a new card may be asked for: the reissue window of the rules in force at expiry."""
    rules = programme_rules(market=card.account.company.market, on=card.expiry)
    return add_months(card.expiry, rules.card_reissue_window_months)


@transaction.atomic
def card_reissue(*, card: Card, by: Actor, on: dt.date) -> IssuedCard:
    """A new card on request after an expired card was not renewed, within the window (terms §31)."""
    require_role(by, (Role.HOLDER, Role.COMPANY, Role.ISSUER), action="request a new card for", what="card")
    card = _locked(card)
    if card.status != Card.Status.EXPIRED:
        raise ApplicationError(CARD_NOT_EXPIRED.format(last4=card.last4, status=card.status), "card_not_expired",
                               status=409)
    if hasattr(card, "replaced_by"):
        raise ApplicationError(CARD_ALREADY_REPLACED.format(last4=card.last4, new_last4=card.replaced_by.last4),
                               "card_already_replaced", status=409)
    if on > reissue_deadline(card):
        raise ApplicationError(REISSUE_TOO_LATE.format(last4=card.last4, expiry=card.expiry,
                                                       until=reissue_deadline(card)), "reissue_too_late", status=409)
    issued = _issue_successor(card, on=on, reason=EmbossingOrder.Reason.REISSUE)
    audit_record(by=by, action=AuditEntry.Action.CARD_REISSUED, on=on, company=card.account.company,
                 account=card.account, card=issued.card, details={"replaces_last4": card.last4})
    _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-reissued/{card.pk}",
                 subject=N_("Your new card is on its way"),
                 body=N_("As you asked, a new card ending %(new_last4)s replaces your expired card ending %(last4)s."),
                 new_last4=issued.card.last4)
    return issued


# ── Accounts and companies ──────────────────────────────────────────────────────────────────────


@transaction.atomic
def account_close(*, account: Account, on: dt.date, reason: str, by: Actor = SYSTEM, note: str = "") -> Account:
    """Close an account at the holder's or company's request, at employment end, or for the issuer:
    cards cancelled at once, the annual fee refunded pro rata, `closing` until the balance is zero.
    Whatever the path, the final statement is produced in this transition (terms §32): it bills every
    posting not yet billed, due after the market's final-statement days. `note` is the reason in words,
    told to the holder (terms §31a)."""
    from fees.services import annual_fee_first_at_closure, annual_fee_refund  # fees builds on accounts
    from statements.services import statement_final_generate  # statements build on accounts

    account = Account.objects.select_for_update().select_related("company", "cardmember").get(pk=account.pk)
    if by.role == Role.HOLDER:
        if reason not in ("", ClosureReason.HOLDER_REQUEST):
            require_role(by, (Role.COMPANY, Role.ISSUER), action="close for that reason", what="account")
        reason = ClosureReason.HOLDER_REQUEST
    reason = _require_reason(reason)
    if account.status in (Account.Status.CLOSING, Account.Status.CLOSED):
        raise ApplicationError(ALREADY_CLOSED.format(account=account.number, status=account.status),
                               "account_already_closed", status=409)
    cancelled = list(account.cards.filter(status__in=LIVE_STATUSES).values_list("last4", flat=True))
    cancelled_ids = list(account.cards.filter(status__in=LIVE_STATUSES).values_list("pk", flat=True))
    account.cards.filter(status__in=LIVE_STATUSES).update(
        status=Card.Status.CANCELLED, status_changed_on=on, blocked_by="", block_reason="")
    for card in Card.objects.filter(pk__in=cancelled_ids).select_related("account").order_by("pk"):
        outbox_record(company_id=account.company_id, type=EventType.CARD_STATUS_CHANGED, data=card_data(card))
    annual_fee_first_at_closure(account=account, on=on)  # SPEC section 7: the final statement may be the first
    annual_fee_refund(account=account, closed_on=on)
    account.status = Account.Status.CLOSING
    account.save(update_fields=["status"])
    # SPEC section 16: the account's status moved outside a standing decision (closing, then closed).
    outbox_record(company_id=account.company_id, type=EventType.ACCOUNT_STATUS_CHANGED, data=account_data(account))
    statement = statement_final_generate(account=account, on=on)
    audit_record(by=by, action=AuditEntry.Action.ACCOUNT_CLOSED, on=on, company=account.company, account=account,
                 reason=reason, details={"cards_cancelled": cancelled, **({"note": note} if note else {}),
                                         "final_statement_id": statement.pk if statement else None})
    cards = cancelled or list(account.cards.order_by("pk").values_list("last4", flat=True))
    account_closed_notice(account=account, on=on, cards=cards, reason=note, statement=statement)
    return account


@transaction.atomic
def company_terminate(*, company: Company, by: Actor, on: dt.date, reason: str = "") -> Company:
    """A company's termination closes every one of its accounts the same way (SPEC section 11)."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="terminate", what="company")
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.status == Company.Status.TERMINATED:
        raise ApplicationError(COMPANY_ALREADY_TERMINATED.format(company=company.number), "company_terminated",
                               status=409)
    reason = reason.strip() or ClosureReason.COMPANY_TERMINATED
    closed = 0
    for account in company.accounts.exclude(status__in=(Account.Status.CLOSING, Account.Status.CLOSED)):
        account_close(account=account, on=on, reason=ClosureReason.COMPANY_TERMINATED, by=by)
        closed += 1
    company.status = Company.Status.TERMINATED
    company.save(update_fields=["status"])
    audit_record(by=by, action=AuditEntry.Action.COMPANY_TERMINATED, on=on, company=company, reason=reason,
                 details={"accounts_closed": closed})
    return company


@transaction.atomic
def accounts_finish_closing(*, on: dt.date) -> int:
    """Move every closing account whose balance is zero to closed (daily)."""
    closed = 0
    for account in Account.objects.select_for_update(of=("self",)).select_related("company").filter(
            status=Account.Status.CLOSING):
        if account_balance(account=account).amount == 0:
            account.status = Account.Status.CLOSED
            account.closed_on = on
            account.save(update_fields=["status", "closed_on"])
            outbox_record(company_id=account.company_id, type=EventType.ACCOUNT_STATUS_CHANGED,
                          data=account_data(account))
            closed += 1
    return closed


NO_CREDIT_BALANCE = "Account {account} has no credit balance to refund."


@transaction.atomic
def credit_balance_refund(*, account: Account, on: dt.date, by: str = "", amount: Decimal | None = None) -> None:
    """Pay a credit balance back to the company's bank account (PA sheet: credit-balance refunds):
    all of it, or `amount` of it (the refundable part, SPEC section 17), never more than it."""
    from moneyed import Money

    from ledger.models import Chart, PostingKind
    from ledger.services import posting_create

    account = Account.objects.select_for_update().get(pk=account.pk)
    balance = account_balance(account=account)
    if balance.amount >= 0:
        raise ApplicationError(NO_CREDIT_BALANCE.format(account=account.number), "no_credit_balance")
    paid = -balance.amount if amount is None else min(amount, -balance.amount)
    if paid <= 0:
        raise ApplicationError(NO_CREDIT_BALANCE.format(account=account.number), "no_credit_balance")
    posting_create(
        account=account, kind=PostingKind.ADJUSTMENT, amount=Money(paid, account.currency),
        posting_date=on, source_key=f"credit-refund/{account.pk}/{on.isoformat()}", counter_account=Chart.BANK,
        description="Credit balance refunded to the company's bank account",
        explanation={"rule": "credit_balance_refund", "iban": account.company.iban, "requested_by": by},
    )


# ── The daily card step: renewals, expiry, closure of accounts left without a card ──────────────


def card_used_since(card: Card, since: dt.date) -> bool:
    """A charge or an approved authorization on the card on or after `since` (terms §31 "unused")."""
    from charges.models import Authorization
    from ledger.models import Posting, PostingKind

    # A card's postings are on its account: the account's index finds them (postings have no card index).
    return (Posting.objects.filter(account_id=card.account_id, card=card,
                                   kind__in=(PostingKind.PURCHASE, PostingKind.CASH),
                                   transaction_date__gte=since).exists()
            or Authorization.objects.filter(card=card, approved=True, decided_on__gte=since).exists())


def cards_renew_due(*, on: dt.date) -> int:
    """Renew every active card expiring within the lead time, unless unused for 12 months (terms §31);
    both periods are the market's programme rules in force on `on`."""
    rules = programme_rules_by_market(on=on)
    longest_lead = max(r.card_renewal_lead_days for r in rules.values())
    due = (Card.objects.filter(status=Card.Status.ACTIVE, expiry__gte=on,
                               expiry__lte=on + dt.timedelta(days=longest_lead),
                               replaced_by__isnull=True, account__status__in=OPEN_ACCOUNT_STATUSES)
           .select_related("account", "account__company", "account__cardmember").order_by("pk"))
    renewed = 0
    for card in due:
        market_rules = rules[card.account.company.market]
        if card.expiry > on + dt.timedelta(days=market_rules.card_renewal_lead_days):
            continue
        if card_used_since(card, add_months(on, -market_rules.card_unused_months)):
            card_renew(card=card, on=on)
            renewed += 1
        else:
            _card_notice(card, kind=Notice.Kind.CARD, on=on, key=f"card-not-renewed/{card.pk}",
                         subject=N_("Your card ending %(last4)s will not be renewed"),
                         body=N_("Your card ending %(last4)s has not been used for %(months)s months, so it will not "
                              "be renewed when it expires on %(expiry)s. You can ask for a new card until "
                              "%(until)s; after that the account is closed."),
                         months=market_rules.card_unused_months, expiry=card.expiry,
                         until=reissue_deadline(card))
    return renewed


@transaction.atomic
def cards_expire(*, on: dt.date) -> int:
    """Cards past their expiry date are expired (they were renewed before, where renewal applied)."""
    cards = list(Card.objects.select_for_update().filter(status__in=LIVE_STATUSES, expiry__lt=on)
                 .select_related("account"))
    for card in cards:
        _set_status(card, Card.Status.EXPIRED, on, blocked_by="", block_reason="")
    AuditEntry.objects.bulk_create(
        AuditEntry(on=on, actor_role=SYSTEM.role, actor=SYSTEM.label, action=AuditEntry.Action.CARD_EXPIRED,
                   company_id=card.account.company_id, account=card.account, card=card) for card in cards
    )
    return len(cards)


def accounts_without_card_close(*, on: dt.date) -> int:
    """An account whose card expired without renewal and no new card was asked for within the window is
    closed, after a notice at least the programme's card_closure_notice_months ahead (terms §31)."""
    rules = programme_rules_by_market(on=on)
    usable = Card.objects.filter(account=OuterRef("account"), status__in=LIVE_STATUSES)
    candidates = (Card.objects.filter(status=Card.Status.EXPIRED, replaced_by__isnull=True,
                                      account__status__in=OPEN_ACCOUNT_STATUSES)
                  .exclude(Exists(usable)).select_related("account", "account__company", "account__cardmember")
                  .order_by("account_id", "-expiry"))
    closed = 0
    seen: set[int] = set()
    for card in candidates:
        if card.account_id in seen:
            continue  # one decision per account, on its latest card
        seen.add(card.account_id)
        deadline = reissue_deadline(card)
        notice_months = rules[card.account.company.market].card_closure_notice_months
        notice_due = add_months(deadline, -notice_months)
        if on < notice_due:
            continue
        key = f"closure-notice/{card.pk}"
        notice = Notice.objects.filter(source_key=key).first()
        if notice is None:
            closes_on = max(deadline, add_months(on, notice_months))
            _card_notice(card, kind=Notice.Kind.CLOSURE, on=on, key=key,
                         subject=N_("Your card account will be closed on %(closes_on)s"),
                         body=N_("Your card ending %(last4)s expired on %(expiry)s and no new card was asked for. The "
                              "account will be closed on %(closes_on)s unless you ask for a new card before then."),
                         expiry=card.expiry, closes_on=closes_on)
            continue
        # The notice promised a date: the months are those of the rules in force when it went out.
        given = programme_rules(market=card.account.company.market, on=notice.created_on).card_closure_notice_months
        if on >= max(deadline, add_months(notice.created_on, given)):
            account_close(account=card.account, on=on, reason=ClosureReason.CARD_NOT_RENEWED)
            closed += 1
    return closed


def cards_lifecycle_run(*, on: dt.date) -> int:
    """The daily card step of run_cycle: renew, expire, close accounts left without a card."""
    return cards_renew_due(on=on) + cards_expire(on=on) + accounts_without_card_close(on=on)
