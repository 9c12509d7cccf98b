"""Writing the outbox and numbering it (SPEC section 16; DESIGN "Jobs": an event is written in the same
transaction as the change, delivery is a Celery task reading the outbox, never a side effect of it).

Domain services call `event_record` for one change and `events_record_rows` (one INSERT … SELECT) for
a bulk path, or `events_record_batch` / `events_batch_insert_sql` (one row naming many objects, as the
ledger's bulk inserts and the statement day write);
none takes a lock, so an authorization never waits for a charge import's events. The numbers per
company are given by `events_sequence` after commit (see events.models).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from amexprog.common import clock
from events.models import Event, EventSequence, EventType

UNKNOWN_EVENT_TYPE = "Unknown event type {type!r}."

_SEQUENCE_SQL = """
UPDATE events_event SET seq = %(base)s + numbered.rn
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM events_event
         WHERE company_id = %(company)s AND seq IS NULL) AS numbered
 WHERE events_event.id = numbered.id
"""

# PostgreSQL, one statement: the company's unnumbered events in the order they were written, each batch
# (`object_ids`) standing for one event per id, in id order (the objects' creation order), at its own
# place; single events get their number, each batch becomes numbered events naming one object each, and
# the batch row goes. Returns how many were numbered.
_SEQUENCE_BATCHES_SQL = """
WITH pending AS MATERIALIZED (
  SELECT id, type, object_ids, created_at FROM events_event WHERE company_id = %(company)s AND seq IS NULL
),
items AS (
  SELECT p.id AS origin, false AS batch, NULL::bigint AS object_id FROM pending p WHERE p.object_ids IS NULL
  UNION ALL
  SELECT p.id, true, o.value::bigint
    FROM pending p CROSS JOIN LATERAL jsonb_array_elements_text(p.object_ids) AS o(value)
   WHERE p.object_ids IS NOT NULL
),
numbered AS MATERIALIZED (
  SELECT origin, batch, object_id, %(base)s + row_number() OVER (ORDER BY origin, object_id) AS seq FROM items
),
single AS (
  UPDATE events_event e SET seq = n.seq FROM numbered n WHERE NOT n.batch AND e.id = n.origin RETURNING 1
),
expanded AS (
  INSERT INTO events_event (company_id, seq, type, data, object_id, created_at)
  SELECT %(company)s, n.seq, p.type, '{}'::jsonb, n.object_id, p.created_at
    FROM numbered n JOIN pending p ON p.id = n.origin
   WHERE n.batch
   ORDER BY n.seq
  RETURNING 1
),
batches AS (
  DELETE FROM events_event e USING pending p WHERE e.id = p.id AND p.object_ids IS NOT NULL
)
SELECT (SELECT count(*) FROM single) + (SELECT count(*) FROM expanded)
"""


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    """Dates, decimals and money as JSON strings, exactly as DjangoJSONEncoder writes them."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def event_record(*, company_id: int, type: str, data: dict[str, Any]) -> Event:
    """Write one event in the caller's transaction (SPEC section 16: an outbox): rolled back with the
    change, committed with it. Its number per company is given once it has committed."""
    if type not in EventType.values:
        raise ValueError(UNKNOWN_EVENT_TYPE.format(type=type))
    event = Event.objects.create(company_id=company_id, type=type, data=_json_ready(data), created_at=clock.now())
    transaction.on_commit(lambda: webhooks_kick(company_id=company_id))
    return event


def events_record_rows(*, type: str, select_sql: str, params: dict[str, Any] | list | tuple = ()) -> int:
    """The set-based twin of event_record for bulk paths (SPEC section 16, DESIGN "Fast paths"): one
    INSERT … SELECT of the events `select_sql` yields as (company_id, data) rows, where data is the JSON
    object (PostgreSQL json/jsonb, SQLite json text). Returns how many were written."""
    if type not in EventType.values:
        raise ValueError(UNKNOWN_EVENT_TYPE.format(type=type))
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO events_event (company_id, type, data, created_at)"
                       f" SELECT rows.company_id, '{type}', rows.data{cast}, CURRENT_TIMESTAMP FROM ({select_sql})"
                       " AS rows", params)
        written = cursor.rowcount
    if written:
        events_recorded()
    return written


def events_batch_insert_sql(*, type: str, select_sql: str) -> str:
    """PostgreSQL: `events_record_batch` set-based, for a bulk path's own statement (the import's
    posting.created, the statement day's statement.ready): one outbox row per company naming every object
    `select_sql` yields as (company_id, object_id) rows. The objects must not change after they are written
    in any field their event shows (events.payloads.events_hydrate reads them when shown); the caller then
    calls `events_recorded`."""
    if type not in EventType.values:
        raise ValueError(UNKNOWN_EVENT_TYPE.format(type=type))
    return ("INSERT INTO events_event (company_id, type, data, object_ids, created_at)"
            f" SELECT rows.company_id, '{type}', '{{}}'::jsonb, to_jsonb(array_agg(rows.object_id)), now()"
            f" FROM ({select_sql}) AS rows GROUP BY rows.company_id")


def events_recorded() -> None:
    """After a bulk path wrote events: deliver them once its transaction commits."""
    transaction.on_commit(lambda: webhooks_kick(company_id=None))


def events_record_many(*, events: list[tuple[int, str, dict[str, Any]]]) -> int:
    """event_record for a batch built in Python (an ORM fallback of a bulk path): one INSERT per batch."""
    if not events:
        return 0
    at = clock.now()
    for _company_id, type, _data in events:
        if type not in EventType.values:
            raise ValueError(UNKNOWN_EVENT_TYPE.format(type=type))
    Event.objects.bulk_create([Event(company_id=company_id, type=type, data=_json_ready(data), created_at=at)
                               for company_id, type, data in events], batch_size=2000)
    transaction.on_commit(lambda: webhooks_kick(company_id=None))
    return len(events)


def events_record_batch(*, company_id: int, type: str, object_ids: list[int]) -> Event | None:
    """Many events of one type in one outbox row, each naming one (append-only) object by id (issue 18
    item 7: what a bulk path writes). `events_sequence` turns it into one numbered event per id, in id
    order (the objects' creation order), at the batch's place among the company's events; until then
    no reader sees it."""
    if type not in EventType.values:
        raise ValueError(UNKNOWN_EVENT_TYPE.format(type=type))
    if not object_ids:
        return None
    event = Event.objects.create(company_id=company_id, type=type, object_ids=list(object_ids), created_at=clock.now())
    transaction.on_commit(lambda: webhooks_kick(company_id=company_id))
    return event


def events_sequence(*, company_id: int) -> int:
    """Number the company's committed, unnumbered events after the last number, in the order they were
    written (SPEC section 16: a monotonically increasing id per company), a batch's events at the batch's
    place and in its order. Readers and the webhook dispatcher call this first, so what they see is numbered
    and nothing can later slip in below it. Returns how many were numbered."""
    with transaction.atomic():
        EventSequence.objects.bulk_create([EventSequence(company_id=company_id)], ignore_conflicts=True)
        # One numberer per company at a time; the changes themselves never take this lock.
        sequence = EventSequence.objects.select_for_update().get(company_id=company_id)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_SEQUENCE_BATCHES_SQL, {"base": sequence.last, "company": company_id})
                numbered = cursor.fetchone()[0]
        else:
            numbered = _sequence_portable(company_id=company_id, base=sequence.last)
        if numbered:
            EventSequence.objects.filter(pk=company_id).update(last=sequence.last + numbered)
    return numbered


def _sequence_portable(*, company_id: int, base: int) -> int:
    """events_sequence's numbering without PostgreSQL's one statement (SQLite): the same order and result."""
    pending = list(Event.objects.filter(company_id=company_id, seq__isnull=True).order_by("id")
                   .values_list("id", "type", "object_ids", "created_at"))
    if all(object_ids is None for _id, _type, object_ids, _at in pending):
        with connection.cursor() as cursor:
            cursor.execute(_SEQUENCE_SQL, {"base": base, "company": company_id})
            return cursor.rowcount
    seq, singles, expanded, batches = base, [], [], []
    for pk, type, object_ids, created_at in pending:
        if object_ids is None:
            seq += 1
            singles.append(Event(pk=pk, seq=seq))
            continue
        batches.append(pk)
        for object_id in sorted(object_ids):
            seq += 1
            expanded.append(Event(company_id=company_id, seq=seq, type=type, data={}, object_id=object_id,
                                  created_at=created_at))
    Event.objects.bulk_update(singles, ["seq"], batch_size=500)
    Event.objects.bulk_create(expanded, batch_size=2000)
    Event.objects.filter(pk__in=batches).delete()
    return seq - base


def events_last_seq(*, company_id: int) -> int:
    """The company's last event number (after numbering what has committed)."""
    events_sequence(company_id=company_id)
    return EventSequence.objects.filter(company_id=company_id).values_list("last", flat=True).first() or 0


def webhooks_kick(*, company_id: int | None) -> None:
    """After a commit that wrote events: ask the workers to deliver them now rather than at the next beat.
    Under eager tasks (the embedded default, tests) the delivery runs here, in-process; with workers, at
    most one kick per company a second is queued (the beat every few seconds catches anything later)."""
    from events.tasks import webhooks_dispatch

    if not settings.CELERY_TASK_ALWAYS_EAGER and not cache.add(f"events:kick:{company_id}", 1, timeout=1):
        return
    webhooks_dispatch.delay(company_id=company_id)
