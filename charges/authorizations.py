"""Real-time authorization: approve with a hold, or decline with one reason (SPEC section 10; terms
§3, §5, §6, §17).

The decision for one card is taken under a row lock on the card and on its company, so parallel
authorizations see each other's holds: approved holds can never add up past a card limit or the
company's credit limit. The checks run in a fixed order and the first that fails is the one reason:

1. the card: lost or stolen, expired, otherwise not active;
2. the company suspended by ops → company_suspended (terms §26a(iii), §27b; issue 16 item 3); the
   account: suspended, closing or closed (or the company terminated);
3. cash not enabled; MCC blocked; merchant country blocked;
4. cash limits (per withdrawal, day, statement period), on the cash amount itself;
5. card limits (per authorization, day, month, statement period), on the amount with its fees;
6. the company's credit limit, against every card's open holds plus what its accounts owe
   (unbilled postings and unpaid billed amounts: their balance, each account at least zero);
7. contactless without a PIN: over the per-payment limit, or past the cumulative amount or count
   since the last PIN → pin_required.
A recurring request (`"recurring": true`) from a merchant whose recurring charges were stopped on the
card (terms §16) declines `recurring_stopped` right after the card and account checks.
A decision that reaches a limit exactly approves. The hold is the amount as the charge would post:
converted to the billing currency (SPEC section 6) with its FX and cash fees (section 7).

Spend counts the card's account (so a replacement card carries on where the card it replaced
stood): open holds, plus posted purchases, cash, refunds and their fees — by transaction date for
the day and the month, and everything not yet billed for the statement period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.controls import EffectiveControls, effective_controls
from accounts.models import Account, Card, Company, ProgrammeRules
from accounts.pan import pan_hash
from accounts.rules import no_programme_rules
from amexprog.common.db import from_minor
from amexprog.common.errors import ApplicationError
from amexprog.common.money import amount_string
from amexprog.common.prepared import execute
from charges.authorization_models import (
    Authorization,
    AuthorizationType,
    CompanyExposure,
    CompanyHoldTotal,
    DeclineReason,
    EntryMode,
    ExposureChange,
    Hold,
    HoldChange,
)
from charges.authorization_rules import (
    ZERO,
    Outcome,
    Spend,
    available_spend,
    limits_refusal,
    merchant_refusal,
)
from charges.authorization_sql import authorization_decide_call, authorization_insert, card_for_update
from charges.exposure import REFRESH_AFTER, company_owed
from charges.fx import cash_fee_amount, fx_convert, fx_fee_amount, fx_rates_for
from disputes.recurring_stops import merchant_key, recurring_stop_applies
from events.models import EventType
from events.payloads import HOLD_JSON_SQL, authorization_data
from events.services import event_record, events_record_rows
from fees.selectors import fee_schedule_in_force
from ledger.models import Posting, PostingKind

CARD_NOT_FOUND = "No card has this number."
TRANSACTION_ID_REUSED = ("This transaction_id was already decided for another request; send a new transaction_id "
                         "(the same body again returns the first decision).")
FX_RATES_UNAVAILABLE = "No ECB rates to convert {currency} on {on}; the authorization cannot be decided."

# Postings that are spend on a card: charges and the fees they carry (SPEC sections 5–7).
SPEND_KINDS = (PostingKind.PURCHASE, PostingKind.CASH, PostingKind.REFUND, PostingKind.FEE_FX, PostingKind.FEE_CASH)
# The account can be charged in these states; suspension (30 DPD, SPEC section 9) stops the cards.
GOOD_STANDING = (Account.Status.ACTIVE, Account.Status.IN_DEFAULT)


@dataclass(frozen=True)
class AuthorizationRequest:
    """The body of POST /api/v1/authorizations, parsed (SPEC section 10)."""

    transaction_id: str
    card_number: str
    type: str
    amount: Decimal
    currency: str
    merchant_country: str
    mcc: str
    entry_mode: str
    pin_verified: bool = False
    merchant_name: str = ""
    merchant_city: str = ""
    recurring: bool = False  # a merchant's recurring charge (SPEC section 10; terms §16)
    # The card's number hash instead of its number: the sandbox authorizes by card id, and the issuer keeps
    # no full card number to send (SPEC section 16 "Sandbox"). Empty on the network's call.
    card_hash: str = ""

    def __repr__(self) -> str:  # never let the card number reach a log via repr()
        card = f"card ending {self.card_number[-4:]}" if self.card_number else "card by its hash"
        return f"AuthorizationRequest({self.transaction_id!r}, {card})"

    @property
    def hashed(self) -> str:
        """The card's look-up hash: the one given, or the card number's."""
        return self.card_hash or pan_hash(self.card_number)


@dataclass
class Decision:
    """The answer to one authorization request; the Authorization row is read when asked for."""

    transaction_id: str
    approved: bool
    reason: str
    hold_amount: Decimal | None
    billing_currency: str
    available_spend: Decimal | None
    replayed: bool = False
    stored: Authorization | None = field(default=None, repr=False)

    @classmethod
    def of(cls, authorization: Authorization, *, replayed: bool = False) -> Decision:
        return cls(authorization.transaction_id, authorization.approved, authorization.reason,
                   authorization.hold_amount, authorization.billing_currency, authorization.available_spend,
                   replayed, authorization)

    @property
    def authorization(self) -> Authorization:
        if self.stored is None:
            self.stored = Authorization.objects.get(transaction_id=self.transaction_id)
        return self.stored

    def body(self) -> dict[str, Any]:
        """The response of SPEC section 10: amounts as strings in the billing currency."""
        return {
            "transaction_id": self.transaction_id,
            "approved": self.approved,
            "reason": self.reason or None,
            "hold_amount": amount_string(self.hold_amount, self.billing_currency) if self.approved else None,
            "hold_currency": self.billing_currency,
            "available_spend": amount_string(self.available_spend, self.billing_currency),
        }


def _minor_sql(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def _company_holds_sql(vendor: str) -> str:
    """The company's open holds not yet expired (minor units), and how many HoldChange rows wait to be
    folded into its CompanyHoldTotal. On PostgreSQL: the kept total, plus the changes since, minus the
    open holds past their expiry that run_cycle has not closed yet (a few, by index)."""
    holds = Hold._meta.db_table
    if vendor != "postgresql":
        return (f"SELECT SUM({_minor_sql('amount')}) AS company, 0 AS pending FROM {holds}"
                f" WHERE company_id = %(company)s AND status = %(open)s AND expires_on > %(on)s")
    totals, changes = CompanyHoldTotal._meta.db_table, HoldChange._meta.db_table
    return f"""
  SELECT COALESCE((SELECT {_minor_sql("open_amount")} FROM {totals} WHERE company_id = %(company)s), 0)
       + COALESCE(pending.amount, 0)
       - COALESCE((SELECT SUM({_minor_sql("amount")}) FROM {holds}
                    WHERE company_id = %(company)s AND status = %(open)s AND expires_on <= %(on)s), 0) AS company,
         pending.count AS pending
    FROM (SELECT SUM({_minor_sql("amount")}) AS amount, COUNT(*) AS count FROM {changes}
           WHERE company_id = %(company)s) pending"""


# Everything a decision needs to know about spend, in one round trip (the hot path of SPEC section 10):
# the company's open holds and, of those, the account's; the account's posted spend; and what the
# company's accounts owe, as cached by charges.exposure with the count of changes since.
@lru_cache(maxsize=2)
def _spend_sql(vendor: str) -> str:
    from statements.models import Statement  # a read of the statements app; import late to keep layers one-way

    kinds = ", ".join(f"'{kind}'" for kind in SPEND_KINDS)  # constants of the code, not input
    statements = Statement._meta.db_table
    fence = "OFFSET 0" if vendor == "postgresql" else ""  # keeps PostgreSQL's planner from flattening it
    return f"""
WITH billed AS (
  SELECT COALESCE(MAX(statement_date), %(opened_before)s) AS through FROM {statements} WHERE account_id = %(account)s
)
SELECT c.company, h.day, h.month, h.period, h.cash_day, h.cash_period,
       p.day, p.month, p.period, p.cash_day, p.cash_period, o.owed, o.computed_at, o.changes, c.pending
FROM ({_company_holds_sql(vendor)}) c, (
  SELECT SUM(CASE WHEN created_on = %(on)s THEN {_minor_sql("amount")} END) AS day,
         SUM(CASE WHEN created_on >= %(month)s THEN {_minor_sql("amount")} END) AS month,
         SUM({_minor_sql("amount")}) AS period,
         SUM(CASE WHEN kind = %(cash)s AND created_on = %(on)s THEN {_minor_sql("base_amount")} END) AS cash_day,
         SUM(CASE WHEN kind = %(cash)s THEN {_minor_sql("base_amount")} END) AS cash_period
    FROM {Hold._meta.db_table}
   WHERE account_id = %(account)s AND status = %(open)s AND expires_on > %(on)s
) h, (
  SELECT SUM(CASE WHEN transaction_date = %(on)s THEN {_minor_sql("amount")} END) AS day,
         SUM(CASE WHEN transaction_date >= %(month)s AND transaction_date <= %(on)s
                  THEN {_minor_sql("amount")} END) AS month,
         SUM(CASE WHEN unbilled THEN {_minor_sql("amount")} END) AS period,
         SUM(CASE WHEN kind = %(cash)s AND transaction_date = %(on)s THEN {_minor_sql("amount")} END) AS cash_day,
         SUM(CASE WHEN kind = %(cash)s AND unbilled THEN {_minor_sql("amount")} END) AS cash_period
    FROM (
      -- The account's postings since it was last billed or since the month began; the kinds are
      -- filtered after the account's index scan (a plan that intersects it with the index on kind
      -- reads every spend posting of every account).
      SELECT kind, amount, transaction_date, posting_date > billed.through AS unbilled, kind IN ({kinds}) AS spend
        FROM {Posting._meta.db_table}, billed
       WHERE account_id = %(account)s AND (posting_date > billed.through OR transaction_date >= %(month)s)
      {fence}
    ) account_postings
   WHERE spend
) p, (
  SELECT (SELECT {_minor_sql("owed")} FROM {CompanyExposure._meta.db_table} WHERE company_id = %(company)s) AS owed,
         (SELECT computed_at FROM {CompanyExposure._meta.db_table} WHERE company_id = %(company)s) AS computed_at,
         (SELECT COUNT(*) FROM {ExposureChange._meta.db_table} WHERE company_id = %(company)s) AS changes
) o
"""


SPEND_PARAM_TYPES = {"account": "bigint", "company": "bigint", "on": "date", "month": "date", "opened_before": "date",
                     "cash": "text", "open": "text"}


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """A timestamp read with a raw cursor: SQLite returns text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def spend_of(*, card: Card, on: dt.date, at: dt.datetime, contactless: bool = False) -> Spend:
    """The account's spend for the day, the month and the statement period, and the company's exposure:
    open holds, plus posted purchases, cash, refunds and their fees (by transaction date for the day
    and the month; everything not yet billed for the period), plus what the company's accounts owe
    (unbilled postings and unpaid billed amounts: each account's balance, at least zero — one holder's
    credit does not lend spend to another)."""
    account, company = card.account, card.account.company
    params = {
        "account": account.pk, "company": company.pk, "on": on, "month": on.replace(day=1),
        "opened_before": account.opened_on - dt.timedelta(days=1), "cash": AuthorizationType.CASH.value,
        "open": Hold.Status.OPEN.value,
    }
    with connection.cursor() as cursor:
        execute(cursor, "authorization_spend", _spend_sql(connection.vendor), params, SPEND_PARAM_TYPES)
        *figures, owed, computed_at, changes, pending_hold_changes = cursor.fetchone()
    if pending_hold_changes >= FOLD_HOLD_CHANGES_AT:
        hold_changes_fold(company_id=company.pk)
    row = [from_minor(value) for value in figures]
    owed = company_owed(company_id=company.pk, cached=from_minor(owed) if owed is not None else None,
                        computed_at=_aware(computed_at), changes=changes, at=at)
    spend = Spend(day=row[1] + row[6], month=row[2] + row[7], period=row[3] + row[8], cash_day=row[4] + row[9],
                  cash_period=row[5] + row[10], company_exposure=row[0] + owed)
    if contactless:
        with connection.cursor() as cursor:
            execute(cursor, "authorization_contactless", _contactless_sql(),
                    {"card": card.pk, "contactless": EntryMode.CONTACTLESS.value},
                    {"card": "bigint", "contactless": "text"})
            amount, count = cursor.fetchone()
        spend.contactless_amount = from_minor(amount)
        spend.contactless_count = count
    return spend


@lru_cache(maxsize=1)
def _contactless_sql() -> str:
    """The card's approved contactless payments without a PIN since its last approved payment with one."""
    table = Authorization._meta.db_table
    return f"""
SELECT SUM({_minor_sql("billed_amount")}), COUNT(*) FROM {table}
 WHERE card_id = %(card)s AND approved AND entry_mode = %(contactless)s AND NOT pin_verified
   AND id > COALESCE((SELECT MAX(id) FROM {table} WHERE card_id = %(card)s AND approved AND pin_verified), 0)
"""


# Pending HoldChange rows are summed by every decision on the company: fold them into the total once
# this many have piled up (one extra statement every so many decisions).
FOLD_HOLD_CHANGES_AT = 32


def hold_changes_fold(*, company_id: int) -> None:
    """Fold the company's pending HoldChange rows into its CompanyHoldTotal (PostgreSQL). Runs under the
    company's row lock (the decision's), so two folds of one company never interleave; changes committed
    meanwhile by other transactions are new rows, left for the next fold."""
    totals, changes = CompanyHoldTotal._meta.db_table, HoldChange._meta.db_table
    with connection.cursor() as cursor:
        execute(cursor, "authorization_hold_fold", f"""
WITH folded AS (DELETE FROM {changes} WHERE company_id = %(company)s RETURNING amount)
INSERT INTO {totals} (company_id, open_amount) SELECT %(company)s, COALESCE(SUM(amount), 0) FROM folded
ON CONFLICT (company_id) DO UPDATE SET open_amount = {totals}.open_amount + EXCLUDED.open_amount""",
                {"company": company_id}, {"company": "bigint"})


def _card_refusal(card: Card, on: dt.date) -> str:
    if card.status in (Card.Status.LOST, Card.Status.STOLEN):
        return DeclineReason.CARD_LOST_OR_STOLEN
    if card.status == Card.Status.EXPIRED or card.expiry < on:
        return DeclineReason.CARD_EXPIRED
    if card.status != Card.Status.ACTIVE:
        return DeclineReason.CARD_NOT_ACTIVE
    account = card.account
    if account.company.status == Company.Status.SUSPENDED:  # loaded with the card: no extra query
        return DeclineReason.COMPANY_SUSPENDED
    if account.status not in GOOD_STANDING or account.company.status != Company.Status.ACTIVE:
        return DeclineReason.ACCOUNT_NOT_IN_GOOD_STANDING
    return ""


def _convert(request: AuthorizationRequest, card: Card, on: dt.date) -> tuple[Decimal, Decimal]:
    return convert_amounts(request, card.account.currency, card.account.company.market, on)


def convert_amounts(request: AuthorizationRequest, billing: str, market: str, on: dt.date) -> tuple[Decimal, Decimal]:
    """(billed amount, amount with fees) as the charge would post (SPEC sections 6, 7)."""
    foreign = request.currency != billing
    try:
        rates = fx_rates_for(processing_date=on) if foreign else None
        conversion = fx_convert(amount=request.amount, currency=request.currency, billing_currency=billing,
                                rates=rates)
    except ApplicationError as exc:
        raise ApplicationError(FX_RATES_UNAVAILABLE.format(currency=request.currency, on=on), "fx_rates_unavailable",
                               exc.extra, status=503) from exc
    billed = conversion.billed_amount
    fees = ZERO
    if foreign or request.type == AuthorizationType.CASH:
        schedule = fee_schedule_in_force(market=market, on=on)
        if foreign:
            fees += fx_fee_amount(converted=billed, percent=schedule.fx_fee_percent, currency=billing)
        if request.type == AuthorizationType.CASH:
            fees += cash_fee_amount(converted=billed, percent=schedule.cash_fee_percent,
                                    minimum=schedule.cash_fee_minimum, currency=billing)
    return billed, billed + fees


def _evaluate(request: AuthorizationRequest, card: Card, controls: EffectiveControls, spend: Spend,
              on: dt.date) -> Outcome:
    reason = _card_refusal(card, on)
    if reason:
        return Outcome(reason)
    # Terms §16 (issue 16 item 9): the holder stopped this merchant's recurring charges. Asked only for
    # a recurring request, so the common decision reads nothing more.
    if request.recurring and recurring_stop_applies(account_id=card.account_id, merchant_name=request.merchant_name,
                                                    mcc=request.mcc, on=on):
        return Outcome(DeclineReason.RECURRING_STOPPED, explanation={"merchant_name": request.merchant_name})
    refused = merchant_refusal(request, controls)
    if refused is not None:
        return refused
    billed, hold = _convert(request, card, on)
    return limits_refusal(request, controls, spend, billed=billed, hold=hold)


def _lock_card(hashed: str, on: dt.date) -> tuple[Card, EffectiveControls, ProgrammeRules]:
    # Lock the card and its company (always in this order) for the whole decision: parallel
    # authorizations on one card, or on cards sharing a company credit limit, queue here instead of
    # both approving against the same headroom. Controls come along in the same query.
    found = card_for_update(hashed, on)
    if found is None:
        raise ApplicationError(CARD_NOT_FOUND, "card_not_found", status=404)
    card, company_controls, card_controls, rules = found
    if rules is None:
        raise no_programme_rules(market=card.account.company.market, on=on)
    return card, effective_controls(card=card, levels=(company_controls, card_controls), rules=rules), rules


@transaction.atomic
def _decide(request: AuthorizationRequest, on: dt.date, at: dt.datetime) -> Decision:
    card, controls, rules = _lock_card(request.hashed, on)
    # A transaction id seen before fails the unique insert below; authorization_decide answers with
    # the first decision. Replays are rare, so the common path does not look first.
    contactless = request.entry_mode == EntryMode.CONTACTLESS and not request.pin_verified
    spend = spend_of(card=card, on=on, at=at, contactless=contactless)
    outcome = _evaluate(request, card, controls, spend, on)
    approved = not outcome.reason
    hold_amount = outcome.hold if approved and outcome.hold is not None else ZERO
    account = card.account
    authorization = Authorization(
        transaction_id=request.transaction_id, card=card, account=account, type=request.type,
        amount=request.amount, currency=request.currency, merchant_name=request.merchant_name,
        merchant_city=request.merchant_city, merchant_country=request.merchant_country, mcc=request.mcc,
        entry_mode=request.entry_mode, pin_verified=request.pin_verified, recurring=request.recurring,
        approved=approved, reason=outcome.reason,
        billing_currency=account.currency, billed_amount=outcome.billed, hold_amount=outcome.hold,
        available_spend=available_spend(controls, spend, hold_amount), explanation=outcome.explanation,
        decided_on=on, decided_at=at,
    )
    hold = Hold(
        transaction_id=request.transaction_id, card=card, account=account, company=account.company,
        kind=request.type, amount=hold_amount, base_amount=outcome.billed, currency=account.currency,
        created_on=on, expires_on=on + dt.timedelta(days=rules.hold_days),
    ) if approved else None
    authorization_insert(authorization, hold)
    # SPEC section 16: the decision's event, in the decision's transaction (PostgreSQL writes it in the
    # decision's own statement, see charges.authorization_sql.DECIDE_SQL).
    event_record(company_id=account.company_id, type=EventType.AUTHORIZATION_APPROVED if approved
                 else EventType.AUTHORIZATION_DECLINED, data=authorization_data(authorization))
    return Decision.of(authorization)


def authorization_decide(*, request: AuthorizationRequest, on: dt.date, at: dt.datetime) -> Decision:
    """Decide one authorization (SPEC section 10). The same transaction id with the same body returns the
    first decision and holds nothing more; with another body it is ApplicationError
    `transaction_id_reused` (409); an unknown card number is ApplicationError `card_not_found`.

    On PostgreSQL the decision is one call of the server-side function charges_authorization_decide
    (migration charges 0012, issue 17 item 5), the same rules in the same order as the Python below,
    which decides on SQLite; the tests of tests/charges run on both."""
    if connection.vendor == "postgresql":
        return _decide_in_database(request, on, at)
    try:
        return _decide(request, on, at)
    except (IntegrityError, ApplicationError):
        # Replays are rare, so the common path does not look first: the unique insert fails, or the new
        # body could not be decided at all (another card number, a currency without rates).
        existing = Authorization.objects.filter(transaction_id=request.transaction_id).select_related("card").first()
        if existing is None:
            raise
        if not same_request(existing, request):
            raise ApplicationError(TRANSACTION_ID_REUSED, "transaction_id_reused", status=409) from None
        return Decision.of(existing, replayed=True)


def _decide_in_database(request: AuthorizationRequest, on: dt.date, at: dt.datetime) -> Decision:
    outcome, approved, reason, hold_amount, billing, available, detail = authorization_decide_call(
        request=request, hashed=request.hashed, merchant_key=merchant_key(request.merchant_name),
        on=on, at=at, fold_at=FOLD_HOLD_CHANGES_AT, refresh_after=REFRESH_AFTER)
    if outcome in ("decided", "replayed"):
        return Decision(request.transaction_id, approved, reason, hold_amount, billing, available,
                        replayed=outcome == "replayed")
    if outcome == "reused":
        raise ApplicationError(TRANSACTION_ID_REUSED, "transaction_id_reused", status=409)
    if outcome == "card_not_found":
        raise ApplicationError(CARD_NOT_FOUND, "card_not_found", status=404)
    if outcome == "no_programme_rules":
        raise no_programme_rules(market=detail, on=on)
    # fx_rates_unavailable, no_fee_schedule: the Python conversion raises the same error as on SQLite.
    convert_amounts(request, billing, detail, on)
    raise RuntimeError(f"authorization function outcome {outcome!r} not raised again")


def same_request(authorization: Authorization, request: AuthorizationRequest) -> bool:
    """Was `authorization` decided for this very body (SPEC section 10: a replay returns the first decision,
    the same transaction id with a different body is `transaction_id_reused`)?"""
    return (authorization.card.pan_hash == request.hashed and authorization.type == request.type
            and authorization.amount == request.amount and authorization.currency == request.currency
            and authorization.merchant_name == request.merchant_name
            and authorization.merchant_city == request.merchant_city
            and authorization.merchant_country == request.merchant_country and authorization.mcc == request.mcc
            and authorization.entry_mode == request.entry_mode
            and authorization.pin_verified == request.pin_verified and authorization.recurring == request.recurring)


# ── Holds: matched by the presented charge, or expired by the daily cycle ───────────────────────


def _hold_events(hold_ids: list[int], type: str) -> int:
    """The holds' events (SPEC section 16), set-based from the rows as they are now, in the caller's transaction."""
    written = 0
    for start in range(0, len(hold_ids), 500):
        chunk = hold_ids[start:start + 500]
        written += events_record_rows(type=type, params=chunk, select_sql=(
            f"SELECT h.company_id, {HOLD_JSON_SQL[connection.vendor]} AS data FROM charges_hold h"
            f" JOIN accounts_account a ON a.id = h.account_id WHERE h.id IN ({', '.join(['%s'] * len(chunk))})"
            " ORDER BY h.id"))
    return written


def holds_settle(*, transaction_ids: list[str], on: dt.date) -> int:
    """The holds of these presented charges are settled by them (SPEC section 10): they stop counting
    against available spend, as the charge's posting now does. Called in the charge's transaction;
    each settled hold is a hold.settled event (SPEC section 16)."""
    if not transaction_ids:
        return 0
    posting = Posting.objects.filter(source_key=Concat(Value("charge/"), OuterRef("transaction_id"))).values("id")[:1]
    hold_ids = list(Hold.objects.filter(transaction_id__in=transaction_ids).exclude(status=Hold.Status.SETTLED)
                    .values_list("id", flat=True))
    if not hold_ids:
        return 0
    settled = (Hold.objects.filter(id__in=hold_ids)
               .update(status=Hold.Status.SETTLED, closed_on=on, posting_id=Subquery(posting)))
    _hold_events(hold_ids, EventType.HOLD_SETTLED)
    return settled


# The holds the plan's charges settle, and their hold.settled events (SPEC section 16) from what the
# UPDATE returns, in one statement; the row count is the holds'.
HOLDS_SETTLE_STAGED_SQL = """
WITH h AS (
UPDATE charges_hold h
   SET status = %(settled)s, closed_on = p.pdate, posting_id = p.charge_posting_id, updated_at = now()
  FROM {table} p
 WHERE h.transaction_id = p.transaction_id AND h.status <> %(settled)s
RETURNING h.id, h.transaction_id, h.card_id, h.account_id, h.company_id, h.kind, h.amount, h.currency, h.status,
          h.created_on, h.expires_on, h.closed_on, h.posting_id)
INSERT INTO events_event (company_id, type, data, created_at)
SELECT h.company_id, 'hold.settled', ({hold_json})::jsonb, now() FROM h JOIN accounts_account a ON a.id = h.account_id
"""


def holds_settle_staged(*, cursor: Any, table: str = "charge_plan") -> int:
    """holds_settle for the set-based import (charges/bulk.py): one UPDATE joined to its plan table."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the staged settle runs on PostgreSQL only")
    cursor.execute(HOLDS_SETTLE_STAGED_SQL.format(table=table, hold_json=HOLD_JSON_SQL["postgresql"]),
                   {"settled": Hold.Status.SETTLED})
    return cursor.rowcount


def hold_expire(*, hold: Hold, on: dt.date) -> bool:
    """One open hold lapses now, as run_cycle lapses it after hold_days (SPEC section 10; the sandbox's
    "expire a hold", SPEC section 16): it stops counting against available spend. False when it was no
    longer open (settled by its charge, or expired already)."""
    expired = Hold.objects.filter(pk=hold.pk, status=Hold.Status.OPEN).update(status=Hold.Status.EXPIRED,
                                                                               closed_on=on)
    hold.refresh_from_db(fields=["status", "closed_on"])
    return bool(expired)


@transaction.atomic
def holds_expire(*, on: dt.date) -> int:
    """Holds whose charge was not presented within the programme's hold_days lapse (run_cycle, SPEC section 10);
    each is a hold.expired event (SPEC section 16)."""
    hold_ids = list(Hold.objects.filter(status=Hold.Status.OPEN, expires_on__lte=on).values_list("id", flat=True))
    if not hold_ids:
        return 0
    expired = Hold.objects.filter(id__in=hold_ids, status=Hold.Status.OPEN).update(
        status=Hold.Status.EXPIRED, closed_on=on)
    _hold_events(hold_ids, EventType.HOLD_EXPIRED)
    return expired
