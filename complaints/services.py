"""Opening and answering complaints (SPEC section 12, terms §21b–d).

A holder complains about their own account; a PA or the company's token about the company or one of
its accounts. The complaint is acknowledged at once with the date its written answer is due — 15
bank days later (`DisputeRules.complaint_answer_bank_days`, a rule) — and ops give the final answer,
which names the market's authorities (`ComplaintAuthority`, market data) and says that no
out-of-court dispute scheme is used (terms §21d). A complaint still unanswered after its due date is
flagged by the daily `complaints_overdue` step and shown to ops.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.audit import Role, actor_for
from accounts.authentication import ApiClient
from accounts.models import Account, Company, Notice, company_language
from accounts.roles import ops_may
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from amexprog.common.money import date_locale
from complaints.models import Complaint, ComplaintAuthority
from disputes.rules import add_bank_days, rules_in_force

ANSWER_PERMISSION = "complaints.answer_complaint"
NOT_YOURS = _("You can only complain about your own account or your company's.")
ACCOUNT_OF_OTHER_COMPANY = _("Account {account} does not belong to company {company}.")
SUBJECT_REQUIRED = _("Give the complaint a subject.")
DESCRIPTION_REQUIRED = _("Describe what the complaint is about.")
ANSWER_REQUIRED = _("Write the answer: it is sent to the complainant as it is.")
ALREADY_ANSWERED = _("Complaint #{number} was answered on {date}: its final answer cannot change.")
NOT_ALLOWED = _("Only ops with the permission to answer complaints can give the final answer.")
NO_AUTHORITIES = _("No complaint authorities are on file for market {market}: ops must add them before answering.")

ACKNOWLEDGED_SUBJECT = _("Complaint #{number} received")
ACKNOWLEDGED_BODY = _(
    "We have received your complaint \"{subject}\" on {received}. We will answer you in writing by {due} at the "
    "latest (terms §21b)."
)
ANSWER_SUBJECT = _("Our answer to your complaint #{number}")
ANSWER_BODY = _(
    "{answer}\n\nThis is our final answer to your complaint \"{subject}\" of {received}. If you are not "
    "satisfied with it, you can contact:\n{authorities}\nWe do not use an out-of-court dispute resolution scheme "
    "(terms §21d)."
)
AUTHORITY_LINE = _("- {name} ({handles}): {address}{website}")


def _actor_label(user: Any) -> str:
    if isinstance(user, ApiClient):
        return f"API token {user.token.name} ({user.token.prefix}…)"[:150]
    name = user.get_full_name() or user.get_username()
    return (f"{name} ({user.get_username()})" if name != user.get_username() else name)[:150]


def may_answer(user: Any) -> bool:
    """Ops powers come from permissions (SPEC section 17): `complaints.answer_complaint`, held by the ops
    user or by the ops user an ops token acts as."""
    return ops_may(user, ANSWER_PERMISSION)


def _language(complaint: Complaint) -> str:
    if complaint.by_holder:
        return complaint.account.cardmember.language
    administrator = complaint.company.administrators.order_by("pk").first()
    return administrator.language if administrator is not None else company_language(complaint.company.market)


def _notify(complaint: Complaint, *, source_key: str, title, text, on: dt.date, **values: Any) -> Notice:
    """The complainant reads the notice: the holder who complained, else the company's PAs (SPEC section 15)."""
    from communications.services import notice_send_after_commit  # the inbox app builds on accounts

    language = _language(complaint)
    to_holder = complaint.by_holder
    locale = date_locale(language)
    dates = {name: format_date(value, format="long", locale=locale)
             for name, value in values.items() if isinstance(value, dt.date)}
    with translation.override(language):
        rendered = {name: str(value) for name, value in values.items()} | dates
        if "authorities" in values:
            rendered["authorities"] = authorities_text(complaint.company.market)
        text_subject, text_body = str(title).format(**rendered), str(text).format(**rendered)
    notice, created = Notice.objects.get_or_create(source_key=source_key, defaults={
        "kind": Notice.Kind.OTHER, "subject": text_subject[:200], "body": text_body, "created_on": on,
        "cardmember": complaint.account.cardmember if to_holder else None,
        "company": None if to_holder else complaint.company,
    })
    if created:
        notice_send_after_commit(notice)
    return notice


def authorities_text(market: str) -> str:
    """The market's authorities, one line each, in the active language."""
    return "\n".join(
        str(AUTHORITY_LINE).format(name=authority.name, handles=authority.get_kind_display(),
                                   address=authority.address.replace("\n", ", "),
                                   website=f", {authority.website}" if authority.website else "")
        for authority in ComplaintAuthority.objects.filter(market=market)
    )


def answer_due(*, market: str, received: dt.date) -> dt.date:
    """Terms §21b: the written answer is due 15 bank days (a rule) after the complaint was received."""
    rules = rules_in_force(market=market, on=received)
    return add_bank_days(received, rules.complaint_answer_bank_days, market)


@transaction.atomic
def complaint_open(*, user: Any, company: Company, account: Account | None, topic: str, subject: str,
                   description: str, on: dt.date) -> Complaint:
    """Record a complaint and acknowledge it at once (terms §21b)."""
    if account is not None and account.company_id != company.pk:
        raise ApplicationError(str(ACCOUNT_OF_OTHER_COMPANY).format(account=account.number, company=company.number),
                               "account_not_in_company", {"field": "account"})
    actor = actor_for(user, company=company, account=account, permission=None)  # holders and companies only
    if actor is None or actor.role not in (Role.HOLDER, Role.COMPANY) or (actor.role == Role.HOLDER
                                                                          and account is None):
        raise ApplicationError(str(NOT_YOURS), "not_allowed", status=403)
    if not subject.strip():
        raise ApplicationError(str(SUBJECT_REQUIRED), "subject_required", {"field": "subject"})
    if not description.strip():
        raise ApplicationError(str(DESCRIPTION_REQUIRED), "description_required", {"field": "description"})
    complaint = Complaint.objects.create(
        company=company, account=account, topic=Complaint.Topic(topic), subject=subject.strip()[:200],
        description=description.strip(), opened_on=on, opened_at=clock.now(), opened_by=_actor_label(user),
        opened_by_user=None if isinstance(user, ApiClient) else user, by_holder=actor.role == Role.HOLDER,
        answer_due_on=answer_due(market=company.market, received=on),
    )
    _notify(complaint, source_key=f"complaint/{complaint.pk}/acknowledged", title=ACKNOWLEDGED_SUBJECT,
            text=ACKNOWLEDGED_BODY, on=on, **_values(complaint))
    return complaint


def _values(complaint: Complaint) -> dict[str, Any]:
    return {"number": complaint.pk, "subject": complaint.subject, "received": complaint.opened_on,
            "due": complaint.answer_due_on}


@transaction.atomic
def complaint_answer(*, complaint: Complaint, user: Any, answer: str, on: dt.date) -> Complaint:
    """Ops give the final answer in writing; it names the market's authorities (terms §21d)."""
    if not may_answer(user):
        raise ApplicationError(str(NOT_ALLOWED), "not_allowed", status=403)
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related(
        "company", "account__cardmember").get(pk=complaint.pk)
    if complaint.status == Complaint.Status.ANSWERED:
        raise ApplicationError(str(ALREADY_ANSWERED).format(number=complaint.pk, date=complaint.answered_on),
                               "complaint_answered")
    if not answer.strip():
        raise ApplicationError(str(ANSWER_REQUIRED), "answer_required", {"field": "answer"})
    if not ComplaintAuthority.objects.filter(market=complaint.company.market).exists():
        raise ApplicationError(str(NO_AUTHORITIES).format(market=complaint.company.market), "no_complaint_authorities")
    complaint.status = Complaint.Status.ANSWERED
    complaint.answer = answer.strip()
    complaint.answered_on = on
    complaint.answered_by = _actor_label(user)
    complaint.save()
    _notify(complaint, source_key=f"complaint/{complaint.pk}/answered", title=ANSWER_SUBJECT, text=ANSWER_BODY,
            on=on, answer=complaint.answer, authorities="", **_values(complaint))
    return complaint


@transaction.atomic
def complaints_flag_overdue(*, on: dt.date) -> int:
    """Complaints still unanswered after their due date surface to ops (daily; once each)."""
    return Complaint.objects.filter(status=Complaint.Status.OPEN, answer_due_on__lt=on,
                                    overdue_since__isnull=True).update(overdue_since=on)
