"""An account's or a company's standing: default, suspension, collections and their lifting, told to
whoever pays (SPEC section 9; terms §26a, §27b; issue 16 item 3).

Two sources change standing. The daily delinquency step (statements.delinquency) follows days past
due and returned payments; ops put an account or a whole company in default or suspend it for the
other causes of terms §27b and §26a(iii) and lift it (`account_standing_set`, `company_standing_set`).
Ops' decision is kept on the account (`standing_hold`, `standing_cause`): the account stays at least
that bad whatever the delinquency step finds, until ops lift it. A suspended company's cards all
decline `company_suspended` (charges.authorizations); nothing else about it changes.

Every change is a notice with its reason (`standing_notice`), once per source key, in the reader's
language, to whoever pays the account (accounts.notices.holder_notice: a corporate-liability,
centrally billed account's go to the company's PAs).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import Account, AuditEntry, Company, Notice
from accounts.notices import holder_notice, notice_date, notice_goes_to_company
from amexprog.common.errors import ApplicationError
from events.models import EventType
from events.payloads import account_data
from events.services import event_record as outbox_record

ACTIVE, IN_DEFAULT, SUSPENDED = Account.Status.ACTIVE, Account.Status.IN_DEFAULT, Account.Status.SUSPENDED
COLLECTIONS = "collections"
# Worse standing wins: ops' hold and the delinquency step's finding combine to the worse of the two.
SEVERITY = {ACTIVE: 0, IN_DEFAULT: 1, SUSPENDED: 2}
# Delinquency and ops never override a closure in progress.
MANAGED_STATUSES = (ACTIVE, IN_DEFAULT, SUSPENDED)

CAUSE_REQUIRED = "Name the cause: one of {causes}."
BAD_STATUS = "The standing must be one of {statuses}."
NOT_MANAGED = "Account {account} is {status}: its standing cannot change."
COMPANY_TERMINATED = "Company {company} is terminated: its standing cannot change."
NOTHING_TO_LIFT = "{what} has no default or suspension set by ops to lift."


class StandingCause(TextChoices):
    """Why ops put an account or company in default or suspend it (terms §27b, §26a(iii))."""

    FALSE_STATEMENT = "false_statement", gettext_lazy("false or misleading information was given to us")
    INSOLVENCY = "insolvency", gettext_lazy("insolvency proceedings")
    CREDITWORTHINESS = "creditworthiness", gettext_lazy("a material change in creditworthiness")
    OTHER_AGREEMENT_BREACH = "other_agreement_breach", gettext_lazy("a breach of another agreement with us")


# Reasons the delinquency step gives (terms §27).
REASON_OVERDUE = N_("the amount due on %(due)s is not paid")
REASON_RETURNED = N_("a payment was returned unpaid")
REASON_PAID = N_("the amount overdue is paid")
REASON_LIFTED = N_("the issuer lifted it")

SUBJECTS = {
    IN_DEFAULT: N_("Your card account %(account)s is in default"),
    SUSPENDED: N_("Your card account %(account)s is suspended"),
    COLLECTIONS: N_("Your card account %(account)s is handed to collections"),
    ACTIVE: N_("Your card account %(account)s is back in good standing"),
}
CONSEQUENCES = {
    IN_DEFAULT: N_("The cards can still be used for now; if the default continues they will be suspended."),
    SUSPENDED: N_("The cards on the account are declined until the suspension is lifted."),
    COLLECTIONS: N_("The amount owed is now collected; collection costs may be charged to the account."),
    ACTIVE: N_("The cards on the account can be used again."),
}
BODY = N_("The card account %(account)s of %(name)s (cards ending %(cards)s) changed on %(on)s. "
          "Reason: %(reason)s. %(consequence)s Questions: call the credit service.")
COMPANY_SUBJECTS = {
    SUSPENDED: N_("The card programme of %(company)s is suspended"),
    ACTIVE: N_("The card programme of %(company)s is no longer suspended"),
}
COMPANY_BODIES = {
    SUSPENDED: N_("From %(on)s every card of %(company)s is declined. Reason: %(reason)s. Nothing else "
                  "about the programme changes. Questions: call the credit service."),
    ACTIVE: N_("From %(on)s the cards of %(company)s can be used again. Reason: %(reason)s."),
}


def _reason_text(reason: str | tuple[str, dict]) -> str:
    """A cause code, a translatable reason, or (reason, values), in the active language."""
    if isinstance(reason, tuple):
        text, values = reason
        # Dates in the reader's words, never ISO (issue 19 item 8, SPEC 18).
        return _(text) % {name: notice_date(value) if isinstance(value, dt.date) else value
                          for name, value in values.items()}
    if reason in StandingCause.values:
        return str(StandingCause(reason).label)
    return _(reason)


def standing_notice(*, account: Account, change: str, reason: str | tuple[str, dict], on: dt.date,
                    source_key: str) -> Notice:
    """The notice of one standing change (SPEC section 9, terms §26a): to whoever pays, with the reason."""
    cards = ", ".join(account.cards.order_by("pk").values_list("last4", flat=True)) or "-"

    def text() -> tuple[str, str]:
        values = {"account": account.number, "name": account.cardmember.full_name, "cards": cards,
                  "on": notice_date(on), "reason": _reason_text(reason), "consequence": _(CONSEQUENCES[change])}
        return _(SUBJECTS[change]) % values, _(BODY) % values

    return holder_notice(account=account, kind=Notice.Kind.STANDING, on=on, source_key=source_key, text=text)


def standing_of(account: Account, delinquent: str) -> str:
    """The worse of the delinquency step's finding and ops' hold."""
    hold = account.standing_hold or ACTIVE
    return hold if SEVERITY[hold] > SEVERITY[delinquent] else delinquent


def _delinquent_status(account: Account) -> str:
    from statements.models import Delinquency  # statements builds on accounts

    state = Delinquency.objects.filter(account=account).first()
    if state is None:
        return ACTIVE
    return SUSPENDED if state.suspended_since else IN_DEFAULT if state.in_default_since else ACTIVE


def _check(status: str, cause: str) -> None:
    if status not in (ACTIVE, IN_DEFAULT, SUSPENDED):
        raise ApplicationError(BAD_STATUS.format(statuses=", ".join((ACTIVE, IN_DEFAULT, SUSPENDED))),
                               "bad_status", {"field": "status"})
    if status != ACTIVE and cause not in StandingCause.values:
        raise ApplicationError(CAUSE_REQUIRED.format(causes=", ".join(StandingCause.values)), "cause_required",
                               {"field": "cause"})


def _account_set(account: Account, *, status: str, cause: str, note: str, by: Actor, on: dt.date,
                 company_wide: bool = False) -> Account:
    account = Account.objects.select_for_update().select_related("company", "cardmember").get(pk=account.pk)
    if account.status not in MANAGED_STATUSES:
        raise ApplicationError(NOT_MANAGED.format(account=account.number, status=account.status),
                               "account_not_open", status=409)
    if status == ACTIVE and not account.standing_hold:
        raise ApplicationError(NOTHING_TO_LIFT.format(what=f"Account {account.number}"), "nothing_to_lift",
                               status=409)
    before = account.status
    account.standing_hold = "" if status == ACTIVE else status
    account.standing_cause = "" if status == ACTIVE else cause
    account.status = standing_of(account, _delinquent_status(account))
    account.save(update_fields=["standing_hold", "standing_cause", "status"])
    # SPEC section 16: account.standing_changed, in the change's transaction.
    outbox_record(company_id=account.company_id, type=EventType.ACCOUNT_STANDING_CHANGED, data=account_data(account))
    entry = audit_record(
        by=by, action=AuditEntry.Action.STANDING_LIFTED if status == ACTIVE else AuditEntry.Action.STANDING_SET,
        on=on, company=account.company, account=account, reason=(cause or note or "lifted"),
        details={"standing": status, "cause": cause, "note": note, "status_before": before,
                 "status_after": account.status, "company_wide": company_wide},
    )
    if account.status != before:
        standing_notice(account=account, change=account.status, reason=REASON_LIFTED if status == ACTIVE else cause,
                        on=on, source_key=f"standing/{account.pk}/{account.status}/audit-{entry.pk}")
    return account


@transaction.atomic
def account_standing_set(*, account: Account, status: str, cause: str = "", note: str = "", by: Actor,
                         on: dt.date) -> Account:
    """Ops put the account in default or suspend it for a cause of terms §27b/§26a(iii), or lift what
    they set (`status="active"`): audited, and the holder (or the paying company's PAs) told with the
    reason (SPEC section 9, issue 16 item 3). A lift leaves whatever the delinquency step finds."""
    require_role(by, (Role.ISSUER,), action="change the standing of", what="account")
    _check(status, cause)
    return _account_set(account, status=status, cause=cause, note=note, by=by, on=on)


def _company_notice(company: Company, *, status: str, reason: str, on: dt.date, key: str) -> None:
    """The notice to the company's PAs (terms §26a): its programme is suspended or no longer."""
    from django.utils import translation

    from accounts.models import company_language
    from communications.services import notice_send_after_commit

    administrator = company.administrators.order_by("pk").first()
    with translation.override(administrator.language if administrator else company_language(company.market)):
        values = {"company": company.legal_name, "on": notice_date(on), "reason": _reason_text(reason)}
        subject, body = _(COMPANY_SUBJECTS[status]) % values, _(COMPANY_BODIES[status]) % values
    notice, created = Notice.objects.get_or_create(source_key=key, defaults={
        "kind": Notice.Kind.STANDING, "subject": subject[:200], "body": body, "created_on": on, "company": company})
    if created:
        notice_send_after_commit(notice)


@transaction.atomic
def company_standing_set(*, company: Company, status: str, cause: str = "", note: str = "", by: Actor,
                         on: dt.date) -> Company:
    """Ops suspend a whole company (every card declines `company_suspended`), put every open account of
    it in default, or lift both (`status="active"`), for a cause of terms §27b/§26a(iii); audited, its
    PAs and holders told (SPEC section 9, issue 16 item 3)."""
    require_role(by, (Role.ISSUER,), action="change the standing of", what="company")
    _check(status, cause)
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.status == Company.Status.TERMINATED:
        raise ApplicationError(COMPANY_TERMINATED.format(company=company.number), "company_terminated", status=409)
    open_accounts = list(company.accounts.filter(status__in=MANAGED_STATUSES).order_by("pk"))
    if status == IN_DEFAULT:
        for account in open_accounts:
            _account_set(account, status=IN_DEFAULT, cause=cause, note=note, by=by, on=on, company_wide=True)
        return company
    if status == ACTIVE:
        held = [account for account in open_accounts if account.standing_hold]
        if company.status != Company.Status.SUSPENDED and not held:
            raise ApplicationError(NOTHING_TO_LIFT.format(what=f"Company {company.number}"), "nothing_to_lift",
                                   status=409)
        for account in held:
            _account_set(account, status=ACTIVE, cause="", note=note, by=by, on=on, company_wide=True)
        if company.status != Company.Status.SUSPENDED:
            return company
    before = company.status
    company.status = Company.Status.SUSPENDED if status == SUSPENDED else Company.Status.ACTIVE
    company.save(update_fields=["status"])
    entry = audit_record(
        by=by, action=AuditEntry.Action.STANDING_LIFTED if status == ACTIVE else AuditEntry.Action.STANDING_SET,
        on=on, company=company, reason=(cause or note or "lifted"),
        details={"standing": status, "cause": cause, "note": note, "status_before": before,
                 "status_after": company.status, "scope": "company"},
    )
    reason = REASON_LIFTED if status == ACTIVE else cause
    _company_notice(company, status=company.status, reason=reason, on=on, key=f"company-standing/{company.pk}/"
                    f"{company.status}/audit-{entry.pk}")
    # Holders who pay their own account are told too (SPEC section 9); the PAs have the company's notice.
    for account in open_accounts:
        if not notice_goes_to_company(account):
            standing_notice(account=account, change=SUSPENDED if status == SUSPENDED else ACTIVE, reason=reason,
                            on=on, source_key=f"company-standing/{company.pk}/{account.pk}/audit-{entry.pk}")
    return company

