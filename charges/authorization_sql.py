"""The authorization path's own statements (SPEC section 10), written once per process.

DESIGN says single-object paths use the ORM; this one is the exception because it carries a
throughput target (issue 5: ≥ 300 decisions/s on 2 cores). Compiling the card look-up with its four
joins and the two inserts cost more Python time per decision than the rest of the decision together,
so the statements are built from the models' own field lists once, and rows are turned into model
instances with the fields' own converters (Model.from_db), exactly as the ORM would.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

from django.db import connection
from django.db.models import Model

from accounts.models import Account, Card, Company, ProgrammeRules, SpendingControls
from amexprog.common.prepared import RowPlan, execute, row_plan
from charges.authorization_models import Authorization, Hold
from events.payloads import AUTHORIZATION_JSON_PG

# (alias, model) in the order the card look-up returns their columns.
LOOKUP = (("c", Card), ("a", Account), ("co", Company), ("kc", SpendingControls), ("cc", SpendingControls),
          ("pr", ProgrammeRules))


@lru_cache(maxsize=2)
def _lookup(vendor: str) -> tuple[str, list[RowPlan]]:
    plans = [row_plan(model, alias, vendor) for alias, model in LOOKUP]
    # The card and its company are locked for the whole decision (see charges.authorizations).
    # NO KEY UPDATE: decisions still take turns per card and company, but do not wait for a charge
    # import, whose inserted postings hold FOR KEY SHARE on the cards they reference until it commits
    # (FOR UPDATE would queue every authorization on those cards behind the whole import).
    lock = " FOR NO KEY UPDATE OF c, co" if vendor == "postgresql" else ""
    sql = (
        f"SELECT {', '.join(column for plan in plans for column in plan.columns)} FROM {Card._meta.db_table} c"
        f" JOIN {Account._meta.db_table} a ON a.id = c.account_id"
        f" JOIN {Company._meta.db_table} co ON co.id = a.company_id"
        f" LEFT JOIN {SpendingControls._meta.db_table} kc ON kc.company_id = co.id"
        f" LEFT JOIN {SpendingControls._meta.db_table} cc ON cc.card_id = c.id"
        # The company's market's programme rules in force on the day (accounts.rules.programme_rules).
        f" LEFT JOIN {ProgrammeRules._meta.db_table} pr ON pr.id = (SELECT r.id FROM {ProgrammeRules._meta.db_table} r"
        f" WHERE r.market = co.market AND r.effective_from <= %s ORDER BY r.effective_from DESC LIMIT 1)"
        f" WHERE c.pan_hash = %s{lock}"
    )
    return sql, plans


def card_for_update(
    hashed: str, on: dt.date
) -> tuple[Card, SpendingControls | None, SpendingControls | None, ProgrammeRules | None] | None:
    """The card with its account and company (locked), the company's and the card's controls, and the
    programme rules in force on `on` for the company's market."""
    sql, plans = _lookup(connection.vendor)
    with connection.cursor() as cursor:
        execute(cursor, "authorization_card", sql, [on, hashed], ["date", "varchar"])
        row = cursor.fetchone()
    if row is None:
        return None
    instances: list[Model | None] = []
    start = 0
    for plan in plans:
        values = row[start:start + len(plan.attnames)]
        start += len(plan.attnames)
        instances.append(None if values[0] is None else plan.instance(values))  # None: a LEFT JOIN without a row
    card, account, company, company_controls, card_controls, rules = instances
    account.company = company
    card.account = account
    return card, company_controls, card_controls, rules


@lru_cache(maxsize=4)
def _insert_sql(model: type[Model], vendor: str) -> tuple[str, list]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(f'"{field.column}"' for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({placeholders}) RETURNING id", fields


@lru_cache(maxsize=4)
def _types(model: type[Model], vendor: str, without: str = "") -> list[str]:
    return [field.db_type(connection) or "text" for field in model._meta.concrete_fields
            if not field.primary_key and field.attname != without]


def _values(instance: Model, fields: list) -> list:
    # pre_save: what save() would write (the auto_now `created_at`/`updated_at` get their moment, SPEC 16).
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def authorization_insert(authorization: Authorization, hold: Hold | None) -> None:
    """Insert the decision and its hold (sets their ids). A transaction id seen before raises IntegrityError."""
    _insert(authorization, hold)
    for instance in (authorization, hold):
        if instance is not None:
            instance._state.adding, instance._state.db = False, connection.alias


def _insert(authorization: Authorization, hold: Hold | None) -> None:
    sql, fields = _insert_sql(Authorization, connection.vendor)
    with connection.cursor() as cursor:
        if hold is None:
            execute(cursor, "authorization_decline", sql, _values(authorization, fields),
                    _types(Authorization, connection.vendor))
            authorization.pk = cursor.fetchone()[0]
            return
        hold_sql, hold_fields = _insert_sql(Hold, connection.vendor)
        if connection.vendor == "postgresql":
            # One round trip: the hold takes the authorization's new id from the CTE.
            hold_fields = [field for field in hold_fields if field.attname != "authorization_id"]
            columns = ", ".join(f'"{field.column}"' for field in hold_fields)
            execute(cursor, "authorization_approve",
                    f"WITH new AS ({sql}) INSERT INTO {Hold._meta.db_table} (authorization_id, {columns})"
                    f" SELECT new.id, {', '.join(['%s'] * len(hold_fields))} FROM new RETURNING authorization_id, id",
                    _values(authorization, fields) + _values(hold, hold_fields),
                    _types(Authorization, connection.vendor) + _types(Hold, connection.vendor, "authorization_id"))
            authorization.pk, hold.pk = cursor.fetchone()
            hold.authorization = authorization
            return
        cursor.execute(sql, _values(authorization, fields))
        authorization.pk = cursor.fetchone()[0]
        hold.authorization = authorization
        cursor.execute(hold_sql, _values(hold, hold_fields))
        hold.pk = cursor.fetchone()[0]


# The decision of SPEC section 10 in one round trip on PostgreSQL (issue 17 item 5): the server-side
# function of migrations charges 0012 and 0015, prepared once per connection.
# The decision's event (SPEC section 16: authorization.approved or .declined, written in the same transaction
# as the decision) comes in the same statement: the function's answer (with the card, company and account
# number it read) feeds an INSERT into the outbox, so the hot path keeps its one round trip. $n are the
# function's own parameters ($1 transaction id, $2 card hash, $3-$10 the request, $15 the decision time).
DECIDE_SQL = (
    "WITH d AS MATERIALIZED (SELECT * FROM charges_authorization_decide(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
    " %s, %s, %s, %s, %s, %s, %s)),"
    " e AS (INSERT INTO events_event (company_id, type, data, created_at)"
    " SELECT d.company, CASE WHEN d.approved THEN 'authorization.approved' ELSE 'authorization.declined' END,"
    f" ({AUTHORIZATION_JSON_PG})::jsonb, now()"
    " FROM d WHERE d.outcome = 'decided')"
    " SELECT outcome, approved, reason, hold_amount, billing_currency, available_spend, detail FROM d")
DECIDE_TYPES = ["text", "text", "text", "numeric", "text", "text", "text", "text", "text", "text", "boolean", "boolean",
                "text", "date", "timestamptz", "jsonb", "integer", "interval"]


@lru_cache(maxsize=1)
def _exponents() -> str:
    """The minor-unit digits of the currencies that do not have two (JSON, for the function)."""
    from charges.validation import supported_currencies

    return json.dumps({code: digits for code, digits in sorted(supported_currencies().items()) if digits != 2})


def authorization_decide_call(*, request, hashed: str, merchant_key: str, on: dt.date, at: dt.datetime,
                              fold_at: int, refresh_after: dt.timedelta) -> tuple:
    """(outcome, approved, reason, hold_amount, billing_currency, available_spend, detail) from the function."""
    with connection.cursor() as cursor:
        execute(cursor, "authorization_decide", DECIDE_SQL, [
            request.transaction_id, hashed, request.type, request.amount, request.currency, request.merchant_name,
            request.merchant_city, request.merchant_country, request.mcc, request.entry_mode, request.pin_verified,
            request.recurring, merchant_key, on, at, _exponents(), fold_at, refresh_after], DECIDE_TYPES)
        return cursor.fetchone()
