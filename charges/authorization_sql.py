"""The authorization path's own statements (SPEC section 10), written once per process.

DESIGN says single-object paths use the ORM; this one is the exception because it carries a
throughput target (issue 5: ≥ 300 decisions/s on 2 cores). Compiling the card look-up with its four
joins and the two inserts cost more Python time per decision than the rest of the decision together,
so the statements are built from the models' own field lists once, and rows are turned into model
instances with the fields' own converters (Model.from_db), exactly as the ORM would.
"""

from __future__ import annotations

import re
import weakref
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Model

from accounts.models import Account, Card, Company, SpendingControls
from charges.authorization_models import Authorization, Hold

# Statements prepared on each PostgreSQL connection: planning the look-up and the spend query cost more
# server time than running them. Prepared statements outlive transactions, so once per connection.
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_NAMED = re.compile(r"%\((\w+)\)s")


def execute(cursor: Any, name: str, sql: str, params: dict[str, Any] | list[Any],
            types: dict[str, str] | list[str]) -> None:
    """Run `sql` (pyformat placeholders) — on PostgreSQL as the connection's prepared statement `name`,
    its parameters cast to `types` (by name, or by position for %s). Needs session-level connections
    (not a transaction-pooling bouncer, which would drop prepared statements between transactions)."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    order = _order(sql) if isinstance(params, dict) else None
    values = [params[key] for key in order] if order is not None else list(params)
    names = _prepared.get(connection.connection)
    if names is None:
        # Plan these once per connection (the default re-plans a prepared statement five times first,
        # and keeps doing so when the generic plan looks costlier); the session's other queries are
        # not prepared, so this touches nothing else.
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        names = _prepared.setdefault(connection.connection, set())
    if name not in names:
        typed = tuple(types.items()) if isinstance(types, dict) else tuple(types)
        cursor.execute(f"PREPARE {name} AS {_positional(sql, typed)}")
        names.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(values))})", values)


@lru_cache(maxsize=16)
def _order(sql: str) -> list[str]:
    return list(dict.fromkeys(_NAMED.findall(sql)))


def _positional(sql: str, types: tuple) -> str:
    """%(name)s or %s placeholders as $n::type, for PREPARE."""
    if types and isinstance(types[0], tuple):
        by_name = dict(types)
        positions = {key: index + 1 for index, key in enumerate(_order(sql))}
        text = _NAMED.sub(lambda m: f"${positions[m.group(1)]}::{by_name[m.group(1)]}", sql)
    else:
        counter = iter(range(1, sql.count("%s") + 1))
        text = re.sub(r"%s", lambda _m: (lambda n: f"${n}::{types[n - 1]}")(next(counter)), sql)
    return text.replace("%%", "%")


# (alias, model) in the order the card look-up returns their columns.
LOOKUP = (("c", Card), ("a", Account), ("co", Company), ("kc", SpendingControls), ("cc", SpendingControls))


@lru_cache(maxsize=2)
def _lookup(vendor: str) -> tuple[str, list[tuple[type[Model], list[str], list[tuple[Any, list]]]]]:
    columns: list[str] = []
    plan = []
    for alias, model in LOOKUP:
        fields = model._meta.concrete_fields
        columns += [f'{alias}."{field.column}"' for field in fields]
        converters = []
        for field in fields:
            col = field.get_col(alias)
            converters.append((col, [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]))
        plan.append((model, [field.attname for field in fields], converters))
    # The card and its company are locked for the whole decision (see charges.authorizations).
    # NO KEY UPDATE: decisions still take turns per card and company, but do not wait for a charge
    # import, whose inserted postings hold FOR KEY SHARE on the cards they reference until it commits
    # (FOR UPDATE would queue every authorization on those cards behind the whole import).
    lock = " FOR NO KEY UPDATE OF c, co" if vendor == "postgresql" else ""
    sql = (
        f"SELECT {', '.join(columns)} FROM {Card._meta.db_table} c"
        f" JOIN {Account._meta.db_table} a ON a.id = c.account_id"
        f" JOIN {Company._meta.db_table} co ON co.id = a.company_id"
        f" LEFT JOIN {SpendingControls._meta.db_table} kc ON kc.company_id = co.id"
        f" LEFT JOIN {SpendingControls._meta.db_table} cc ON cc.card_id = c.id"
        f" WHERE c.pan_hash = %s{lock}"
    )
    return sql, plan


def card_for_update(hashed: str) -> tuple[Card, SpendingControls | None, SpendingControls | None] | None:
    """The card with its account and company (locked), and the company's and the card's controls."""
    sql, plan = _lookup(connection.vendor)
    with connection.cursor() as cursor:
        execute(cursor, "authorization_card", sql, [hashed], ["varchar"])
        row = cursor.fetchone()
    if row is None:
        return None
    instances: list[Model | None] = []
    start = 0
    for model, attnames, converters in plan:
        values = list(row[start:start + len(attnames)])
        start += len(attnames)
        if values[0] is None:  # a LEFT JOIN without a row
            instances.append(None)
            continue
        for index, (col, functions) in enumerate(converters):
            for function in functions:
                values[index] = function(values[index], col, connection)
        instances.append(model.from_db(connection.alias, attnames, values))
    card, account, company, company_controls, card_controls = instances
    account.company = company
    card.account = account
    return card, company_controls, card_controls


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
    return [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]


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
