"""Prepared statements and model rows without the ORM's query compiler, for the few hot reads and
writes that carry a throughput target (issue 5: the authorization path, and the reference data it
reads: fee schedules and ECB rates).

DESIGN says single-object paths use the ORM; compiling a query costs more Python time than
PostgreSQL needs to run it (about 1 ms for a select_related look-up against 0.1 ms of execution),
so these statements are written once per process from the models' own field lists, prepared once
per connection on PostgreSQL, and rows become model instances through the fields' own converters
(Model.from_db), exactly as the ORM would build them. On SQLite the same SQL runs unprepared.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Model

# Statements prepared on each PostgreSQL connection: planning them costs more server time than running
# them. Prepared statements outlive transactions (a rollback keeps them), so once per connection.
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_NAMED = re.compile(r"%\((\w+)\)s")


def execute(cursor: Any, name: str, sql: str, params: dict[str, Any] | Sequence[Any],
            types: dict[str, str] | Sequence[str]) -> None:
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


@lru_cache(maxsize=32)
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


class RowPlan:
    """How one model's columns are selected (under a table alias) and turned back into an instance."""

    def __init__(self, model: type[Model], alias: str, field_names: Sequence[str] | None = None) -> None:
        fields = [field for field in model._meta.concrete_fields
                  if field_names is None or field.name in field_names or field.attname in field_names]
        self.model = model
        self.columns = [f'{alias}."{field.column}"' for field in fields]
        self.attnames = [field.attname for field in fields]
        self.converters = []
        for field in fields:
            col = field.get_col(alias)
            self.converters.append(
                (col, [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]))

    def convert(self, values: Sequence[Any]) -> list[Any]:
        """The row's raw values as the ORM would give them (dates, Decimals, JSON …)."""
        converted = list(values)
        for index, (col, functions) in enumerate(self.converters):
            for function in functions:
                converted[index] = function(converted[index], col, connection)
        return converted

    def instance(self, values: Sequence[Any]) -> Model:
        return self.model.from_db(connection.alias, self.attnames, self.convert(values))


@lru_cache(maxsize=64)
def row_plan(model: type[Model], alias: str, vendor: str, field_names: tuple[str, ...] | None = None) -> RowPlan:
    """The RowPlan of `model` for this database vendor (converters differ between them)."""
    return RowPlan(model, alias, field_names)


def fetch_instance(name: str, model: type[Model], where: str, params: Sequence[Any], types: Sequence[str],
                   *, order_by: str = "") -> Model | None:
    """The first `model` row matching `where` (SQL over alias t, %s placeholders), or None."""
    plan = row_plan(model, "t", connection.vendor)
    order = f" ORDER BY {order_by}" if order_by else ""
    sql = f"SELECT {', '.join(plan.columns)} FROM {model._meta.db_table} t WHERE {where}{order} LIMIT 1"
    with connection.cursor() as cursor:
        execute(cursor, name, sql, params, types)
        row = cursor.fetchone()
    return None if row is None else plan.instance(row)
