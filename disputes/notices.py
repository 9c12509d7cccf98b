"""Notices to the holder about their disputes and refund requests (SPEC sections 12 and 15).

A notice goes into the portal inbox and by email, written in the holder's language. A
corporate-liability, centrally billed account's notices go to the company's PAs; a cardmember whose
contact details were marked invalid gets the portal notice but no email until they are corrected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.functional import Promise

from accounts.models import Account, Notice
from accounts.notices import holder_notice, notice_language
from amexprog.common.money import format_money


def money_text(amount, account: Account) -> str:
    return format_money(amount, account.currency, notice_language(account))


def holder_notify(*, account: Account, on: dt.date, source_key: str, subject: Promise, body: Promise,
                  **values: Any) -> Notice:
    """Create the notice once (its source key makes it idempotent) and email it after commit, as every
    holder notice is (accounts.notices.holder_notice); `subject` and `body` are format strings of `values`."""

    def text() -> tuple[str, str]:
        rendered = {name: str(value) if isinstance(value, Promise) else value for name, value in values.items()}
        return str(subject).format(**rendered), str(body).format(**rendered)

    return holder_notice(account=account, kind=Notice.Kind.OTHER, on=on, source_key=source_key, text=text)
