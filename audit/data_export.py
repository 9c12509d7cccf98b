"""A cardmember's personal data as JSON (SPEC section 15: access and portability).

Everything the issuer holds about one cardmember: profile, account, cards (masked: last four digits
only, SPEC section 3), statements, postings, disputes and refund requests, EuroBonus, notices and
accepted terms. Amounts are strings with the currency's decimals, dates ISO 8601. Callers scope
first (accounts.selectors.visible_cardmembers): this function exports whomever it is given.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Q

from accounts.models import Account, Cardmember, Notice
from accounts.pan import mask_pan
from amexprog.common import clock
from disputes.models import Dispute, RefundRequest
from ledger.models import Posting
from rewards.models import Enrolment, PointsPosting
from statements.models import Statement

EXPORT_FORMAT = "amexprog-cardmember-export/1"


def _value(value: Any) -> Any:
    """JSON for one field value: Money and Decimal as strings, dates ISO."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "amount") and hasattr(value, "currency"):  # Money
        return {"amount": str(value.amount), "currency": str(value.currency)}
    if isinstance(value, list | dict):
        return value
    return str(value)


def _fields(obj: Any, names: list[str]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in names}


PROFILE_FIELDS = ["employee_id", "cost_centre", "first_name", "last_name", "email", "phone", "address_line",
                  "postal_code", "city", "country", "language", "contact_valid", "eurobonus_number",
                  "eurobonus_enrolled_on", "created_at"]
ACCOUNT_FIELDS = ["number", "liability", "billing_type", "currency", "cycle_day", "status", "opened_on", "closed_on"]
CARD_FIELDS = ["last4", "expiry", "status", "issued_on", "status_changed_on", "contactless", "cash_enabled",
               "monthly_limit", "blocked_mccs", "blocked_by", "block_reason"]
STATEMENT_FIELDS = ["statement_date", "period_start", "due_date", "currency", "opening_balance", "closing_balance",
                    "billed_amount", "payments_amount", "totals", "eurobonus_points"]
POSTING_FIELDS = ["posting_date", "kind", "amount", "description", "transaction_date", "merchant_name",
                  "merchant_city", "merchant_country", "mcc", "original_amount", "usd_amount", "fx_rate_to_usd",
                  "fx_rate", "fx_rate_date", "explanation"]
DISPUTE_FIELDS = ["reason", "amount", "fee_amount", "status", "late", "opened_on", "opened_by", "resolved_on"]
REFUND_REQUEST_FIELDS = ["expected_amount", "explanation", "status", "submitted_on", "submitted_by",
                         "decision_due_on", "decided_on", "decision_reason"]
ENROLMENT_FIELDS = ["member_number", "status", "source", "requested_on", "first_enrolled_on", "active_since",
                    "suspended_on", "ended_on"]
POINTS_FIELDS = ["statement_date", "period_start", "currency", "eligible_spend", "points", "cumulative_points",
                 "forfeited"]
NOTICE_FIELDS = ["kind", "subject", "body", "created_on", "sent_at", "read_at"]


def _account(account: Account) -> dict[str, Any]:
    cards = list(account.cards.select_related("replaces").order_by("issued_on", "id"))
    postings = Posting.objects.filter(account=account).select_related("card").order_by("posting_date", "id")
    balance = sum((posting.amount.amount for posting in postings), Decimal("0.00"))
    enrolment = Enrolment.objects.filter(account=account).first()
    return {
        **_fields(account, ACCOUNT_FIELDS),
        "company_number": account.company.number,
        "balance": str(balance),
        "cards": [
            {"card_number": card.masked_number, **_fields(card, CARD_FIELDS),
             "replaces": card.replaces.masked_number if card.replaces else None}
            for card in cards
        ],
        "statements": [_fields(statement, STATEMENT_FIELDS)
                       for statement in Statement.objects.filter(account=account).order_by("statement_date")],
        "postings": [
            {**_fields(posting, POSTING_FIELDS), "card": mask_pan(posting.card.last4) if posting.card else None}
            for posting in postings
        ],
        "disputes": [
            {**_fields(dispute, DISPUTE_FIELDS), "charge_date": _value(dispute.charge.posting_date),
             "charge_description": dispute.charge.description}
            for dispute in Dispute.objects.filter(account=account).select_related("charge").order_by("opened_at")
        ],
        "refund_requests": [
            {**_fields(request, REFUND_REQUEST_FIELDS), "charge_date": _value(request.charge.posting_date),
             "charge_description": request.charge.description}
            for request in RefundRequest.objects.filter(account=account).select_related("charge")
            .order_by("submitted_at")
        ],
        "eurobonus": None if enrolment is None else {
            **_fields(enrolment, ENROLMENT_FIELDS),
            "points": [_fields(points, POINTS_FIELDS)
                       for points in PointsPosting.objects.filter(enrolment=enrolment).order_by("statement_date")],
        },
    }


def _terms_acceptances(cardmember: Cardmember) -> list[dict[str, Any]]:
    if not apps.is_installed("documents"):
        return []
    TermsAcceptance = apps.get_model("documents", "TermsAcceptance")
    return [
        {"version": acceptance.terms.version, "effective_from": _value(acceptance.terms.effective_from),
         "accepted_at": _value(acceptance.accepted_at)}
        for acceptance in TermsAcceptance.objects.filter(cardmember=cardmember).select_related("terms")
        .order_by("accepted_at")
    ]


def cardmember_data_export(*, cardmember: Cardmember) -> dict[str, Any]:
    """Everything about `cardmember`, JSON-ready (SPEC section 15). No full card number: the issuer
    does not hold one in clear, and the export shows the last four digits like every page."""
    cardmember = Cardmember.objects.select_related("company", "user").get(pk=cardmember.pk)
    accounts = Account.objects.filter(cardmember=cardmember).select_related("company").order_by("number")
    # Notices to the holder themselves; a centrally billed corporate account's notices go to its PAs.
    notices = Notice.objects.filter(Q(cardmember=cardmember)).order_by("created_on", "id")
    return {
        "format": EXPORT_FORMAT,
        "generated_at": clock.now().isoformat(),
        "cardmember": {
            "id": cardmember.pk,
            "company_number": cardmember.company.number,
            "company_name": cardmember.company.legal_name,
            **_fields(cardmember, PROFILE_FIELDS),
            "portal_username": cardmember.user.get_username() if cardmember.user else None,
        },
        "accounts": [_account(account) for account in accounts],
        "notices": [_fields(notice, NOTICE_FIELDS) for notice in notices],
        "terms_acceptances": _terms_acceptances(cardmember),
    }
