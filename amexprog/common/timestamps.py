"""`updated_at` moves on every change, however it is written (SPEC section 16; issue 18 item 6).

`auto_now` is applied by a full `Model.save()` only: a `save(update_fields=[...])` without it, a
`QuerySet.update()` or `bulk_update()` (which the services use for status changes, settlements and
bulk paths) would leave `updated_at` behind, and an integrator syncing with `updated_after` would never
learn of the change. `timestamps_install` (called from the common app's `ready()`) makes all three set
it too, unless the caller sets it itself. Raw SQL that
changes such a table sets `updated_at = now()` itself (charges.authorizations.HOLDS_SETTLE_STAGED_SQL).
"""

from __future__ import annotations

from functools import cache

from django.db.models import DateTimeField, Model, QuerySet
from django.utils import timezone

UPDATED_AT = "updated_at"


@cache
def _auto_updated(model) -> bool:
    try:
        field = model._meta.get_field(UPDATED_AT)
    except Exception:  # noqa: BLE001 (FieldDoesNotExist: nothing to move)
        return False
    return isinstance(field, DateTimeField) and field.auto_now


def timestamps_install() -> None:
    """Make `update()` and `bulk_update()` move `updated_at` (module docstring). Idempotent."""
    if getattr(QuerySet, "_timestamps_installed", False):
        return
    update = QuerySet.update
    bulk_update = QuerySet.bulk_update
    save = Model.save

    def timestamped_save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields and UPDATED_AT not in update_fields and _auto_updated(type(self)):
            kwargs["update_fields"] = [*update_fields, UPDATED_AT]
        return save(self, *args, **kwargs)

    def timestamped_update(self, **kwargs):
        if kwargs and UPDATED_AT not in kwargs and _auto_updated(self.model):
            kwargs[UPDATED_AT] = timezone.now()
        return update(self, **kwargs)

    def timestamped_bulk_update(self, objs, fields, *args, **kwargs):
        if UPDATED_AT not in fields and _auto_updated(self.model):
            objs = list(objs)
            now = timezone.now()
            for obj in objs:
                setattr(obj, UPDATED_AT, now)
            fields = [*fields, UPDATED_AT]
        return bulk_update(self, objs, fields, *args, **kwargs)

    Model.save = timestamped_save
    QuerySet.update = timestamped_update
    QuerySet.bulk_update = timestamped_bulk_update
    QuerySet._timestamps_installed = True
