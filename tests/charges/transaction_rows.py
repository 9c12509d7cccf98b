"""Test data for the company-wide transactions (issue 19 item 3, issue 18 item 6): postings and
authorizations in each status, written straight to the tables (the decision path has its own tests)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone
from moneyed import Money

from charges.models import Authorization, Hold
from ledger.services import posting_create

_ids = itertools.count(1)


def charge(account, card, amount: str, *, on: dt.date, merchant: str = "Café Nørrebro", mcc: str = "5812",
           country: str = "DK", kind: str = "purchase", **details):
    n = next(_ids)
    posting, _ = posting_create(account=account, kind=kind, amount=Money(Decimal(amount), account.currency),
                                posting_date=on, source_key=f"test-txn/{n}", card=card, merchant_name=merchant,
                                merchant_city="København", merchant_country=country, mcc=mcc,
                                transaction_date=on, **details)
    return posting


def authorization(account, card, amount: str, *, on: dt.date, status: str, merchant: str = "Hotel Oslo",
                  mcc: str = "7011", country: str = "NO", reason: str = "card_limit_exceeded",
                  currency: str | None = None):
    """An authorization that is `declined`, `pending` (open hold), `expired` or `settled` (charge presented)."""
    n = next(_ids)
    currency = currency or account.currency
    approved = status != "declined"
    billed = Decimal(amount)
    auth = Authorization.objects.create(
        transaction_id=f"T-{n}", card=card, account=account, type="purchase", amount=Decimal(amount),
        currency=currency, merchant_name=merchant, merchant_city="Oslo", merchant_country=country, mcc=mcc,
        entry_mode="chip", pin_verified=True, approved=approved, reason="" if approved else reason,
        billing_currency=account.currency, billed_amount=billed, hold_amount=billed if approved else None,
        decided_on=on, decided_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))))
    if approved:
        Hold.objects.create(authorization=auth, transaction_id=auth.transaction_id, card=card, account=account,
                            company=account.company, kind="purchase", amount=billed, base_amount=billed,
                            currency=account.currency, status={"pending": "open"}.get(status, status),
                            created_on=on, expires_on=on + dt.timedelta(days=7))
    return auth
