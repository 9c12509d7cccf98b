"""Notices to the holder about their disputes and refund requests (SPEC sections 12 and 15).

A notice goes into the portal inbox and by email, written in the holder's language. A
corporate-liability, centrally billed account's notices go to the company's PAs; a cardmember whose
contact details were marked invalid gets the portal notice but no email until they are corrected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

from accounts.models import Account, BillingType, Liability, Notice
from amexprog.common.money import format_money
from communications.services import notice_send_after_commit


def _to_company(account: Account) -> bool:
    return account.liability == Liability.CORPORATE and account.billing_type == BillingType.CENTRAL


def _language(account: Account) -> str:
    if _to_company(account):
        administrator = account.company.administrators.order_by("pk").first()
        return administrator.language if administrator else "en"
    return account.cardmember.language


def money_text(amount, account: Account) -> str:
    return format_money(amount, account.currency, _language(account))


def holder_notify(*, account: Account, on: dt.date, source_key: str, subject: Promise, body: Promise,
                  **values: Any) -> Notice:
    """Create the notice once (its source key makes it idempotent) and email it after commit."""
    existing = Notice.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    with translation.override(_language(account)):
        rendered = {name: str(value) if isinstance(value, Promise) else value for name, value in values.items()}
        subject_text = str(subject).format(**rendered)[:200]
        body_text = str(body).format(**rendered)
    to_company = _to_company(account)
    notice = Notice.objects.create(
        kind=Notice.Kind.OTHER, cardmember=None if to_company else account.cardmember,
        company=account.company if to_company else None, subject=subject_text, body=body_text, created_on=on,
        source_key=source_key,
    )
    # communications sends it after commit: once per recipient, in their language, never to a returned contact.
    notice_send_after_commit(notice)
    return notice
