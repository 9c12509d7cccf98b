"""The object an event carries, as it is after the change (SPEC section 16). Each has a Python builder for
the single-object paths and, where a bulk path writes the event set-based, the same keys built in SQL
(PostgreSQL jsonb_build_object over the rows the statement wrote). Never a full card number: a card is
its id and last four digits."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def _money(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "amount", value))


def authorization_data(authorization) -> dict[str, Any]:
    return {
        "object": "authorization", "transaction_id": authorization.transaction_id,
        "card_id": authorization.card_id, "account_number": authorization.account.number,
        "type": authorization.type, "amount": _money(authorization.amount), "currency": authorization.currency,
        "merchant_name": authorization.merchant_name, "merchant_city": authorization.merchant_city,
        "merchant_country": authorization.merchant_country, "mcc": authorization.mcc,
        "entry_mode": authorization.entry_mode, "approved": authorization.approved, "reason": authorization.reason,
        "billing_currency": authorization.billing_currency, "hold_amount": _money(authorization.hold_amount),
        "available_spend": _money(authorization.available_spend), "decided_at": authorization.decided_at,
    }


# The same keys from the PostgreSQL decision function's answer (alias d, which names the card and the account
# number too) and the prepared statement's parameters ($n, see charges.authorization_sql.DECIDE_SQL).
AUTHORIZATION_JSON_PG = """jsonb_build_object(
    'object', 'authorization', 'transaction_id', $1, 'card_id', d.card, 'account_number', d.account_number,
    'type', $3, 'amount', $4::text, 'currency', $5, 'merchant_name', $6, 'merchant_city', $7,
    'merchant_country', $8, 'mcc', $9, 'entry_mode', $10, 'approved', d.approved, 'reason', coalesce(d.reason, ''),
    'billing_currency', d.billing_currency, 'hold_amount', d.hold_amount::text,
    'available_spend', d.available_spend::text, 'decided_at', $15)"""


def hold_data(hold) -> dict[str, Any]:
    return {
        "object": "hold", "id": hold.pk, "transaction_id": hold.transaction_id, "card_id": hold.card_id,
        "account_number": hold.account.number, "kind": hold.kind, "amount": _money(hold.amount),
        "currency": hold.currency, "status": hold.status, "created_on": hold.created_on,
        "expires_on": hold.expires_on, "closed_on": hold.closed_on, "posting_id": hold.posting_id,
    }


HOLD_JSON_SQL = {
    "postgresql": """jsonb_build_object(
        'object', 'hold', 'id', h.id, 'transaction_id', h.transaction_id, 'card_id', h.card_id,
        'account_number', a.number, 'kind', h.kind, 'amount', h.amount::text, 'currency', h.currency,
        'status', h.status, 'created_on', h.created_on, 'expires_on', h.expires_on, 'closed_on', h.closed_on,
        'posting_id', h.posting_id)""",
    "sqlite": """json_object(
        'object', 'hold', 'id', h.id, 'transaction_id', h.transaction_id, 'card_id', h.card_id,
        'account_number', a.number, 'kind', h.kind, 'amount', printf('%%.2f', h.amount), 'currency', h.currency,
        'status', h.status, 'created_on', h.created_on, 'expires_on', h.expires_on, 'closed_on', h.closed_on,
        'posting_id', h.posting_id)""",
}


def posting_data(posting) -> dict[str, Any]:
    return {
        "object": "posting", "id": posting.pk, "account_number": posting.account.number, "card_id": posting.card_id,
        "posting_date": posting.posting_date, "kind": posting.kind, "amount": _money(posting.amount),
        "currency": str(posting.amount.currency), "description": posting.description,
        "source_key": posting.source_key, "transaction_date": posting.transaction_date,
        "merchant_name": posting.merchant_name, "merchant_country": posting.merchant_country, "mcc": posting.mcc,
    }


def statement_data(statement) -> dict[str, Any]:
    return {
        "object": "statement", "id": statement.pk, "account_number": statement.account.number,
        "statement_date": statement.statement_date, "period_start": statement.period_start,
        "due_date": statement.due_date, "currency": statement.currency,
        "opening_balance": _money(statement.opening_balance), "closing_balance": _money(statement.closing_balance),
        "final": statement.final,
    }


def card_data(card) -> dict[str, Any]:
    return {
        "object": "card", "id": card.pk, "account_number": card.account.number, "last4": card.last4,
        "expiry": card.expiry, "status": card.status, "issued_on": card.issued_on,
        "status_changed_on": card.status_changed_on, "replaces_id": card.replaces_id,
    }


def account_data(account) -> dict[str, Any]:
    return {
        "object": "account", "number": account.number, "company_number": account.company.number,
        "currency": account.currency, "status": account.status, "standing_hold": account.standing_hold,
        "standing_cause": account.standing_cause, "closed_on": account.closed_on,
    }


def payment_data(payment, parts: list[tuple[Any, Any]]) -> dict[str, Any]:
    """A payment and what each of the company's accounts received of it (SPEC section 9)."""
    return {
        "object": "payment", "payment_id": payment.payment_id, "type": payment.type,
        "received_on": payment.received_on, "amount": _money(payment.amount), "currency": payment.currency,
        "billing_amount": _money(payment.billing_amount),
        "allocation": [{"account_number": account.number, "amount": _money(amount)} for account, amount in parts],
    }


def payment_return_data(returned, original, postings) -> dict[str, Any]:
    """A returned payment (SPEC section 9): which payment the bank took back, what each account was
    re-debited (its share of the original) and the bank's cost charged for it."""
    return {
        "object": "payment", "payment_id": returned.payment_id, "type": returned.type,
        "original_payment_id": original.payment_id, "received_on": returned.received_on,
        "amount": _money(returned.amount), "currency": returned.currency,
        "billing_amount": _money(returned.billing_amount), "cost": _money(returned.cost),
        "reversal": [{"account_number": posting.account.number, "amount": _money(posting.amount),
                      "posting_id": posting.pk} for posting in postings if posting.kind == "payment_return"],
    }


def notice_data(notice) -> dict[str, Any]:
    """The notice without its body (which the portal shows to its reader); to a holder or to the company."""
    return {
        "object": "notice", "id": notice.pk, "kind": notice.kind, "subject": notice.subject,
        "created_on": notice.created_on, "cardmember_id": notice.cardmember_id,
        "to_company": notice.company_id is not None,
    }


def dispute_data(dispute) -> dict[str, Any]:
    return {
        "object": "dispute", "id": dispute.pk, "status": dispute.status, "reason": dispute.reason,
        "account_number": dispute.account.number, "charge_posting_id": dispute.charge_id,
        "amount": _money(dispute.amount), "currency": str(dispute.amount.currency) if dispute.amount else None,
        "opened_on": dispute.opened_on, "resolved_on": dispute.resolved_on,
    }


def events_hydrate(events) -> None:
    """Fill in the object of the events a bulk path wrote by reference (`object_id`): posting.created names
    an append-only posting, statement.ready a statement the statement day wrote, whose shown fields never
    change after (a final statement, whose due date is set after, records its whole object instead: see
    statements.services.statement_final_generate). So this is the object as the event saw it. One query per
    type for the lot."""
    from ledger.selectors import postings_by_id
    from statements.selectors import statements_by_id

    for type, load, build in (("posting.created", postings_by_id, posting_data),
                              ("statement.ready", statements_by_id, statement_data)):
        wanted = [event for event in events if not event.data and event.object_id and event.type == type]
        if not wanted:
            continue
        objects = load(ids=[event.object_id for event in wanted])
        for event in wanted:
            found = objects.get(event.object_id)
            if found is not None:
                event.data = json.loads(json.dumps(build(found), cls=DjangoJSONEncoder))
