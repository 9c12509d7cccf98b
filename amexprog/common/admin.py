"""The cycle's own records, as a read-only monitor (DESIGN "Jobs"; SPEC section 17, issue 15 item 4).

`run_cycle` advances the business date and records each step and chunk it completed; a re-run skips
what is recorded. Adding, changing or deleting one by hand would make the cycle skip or repeat a day's
fees, interest and statements, so ops only read them here.
"""

from django.contrib import admin

from amexprog.common.admin_base import ReadOnlyAdmin
from amexprog.common.models import BusinessDate, ChunkRun, CycleStepRun


class CycleRecordAdmin(ReadOnlyAdmin):
    """Written only by run_cycle and its chunks: no add, change or delete."""


@admin.register(BusinessDate)
class BusinessDateAdmin(CycleRecordAdmin):
    list_display = ["last_completed", "updated_at"]


@admin.register(CycleStepRun)
class CycleStepRunAdmin(CycleRecordAdmin):
    list_display = ["day", "step", "count", "completed_at"]
    list_filter = ["step"]
    date_hierarchy = "day"


@admin.register(ChunkRun)
class ChunkRunAdmin(CycleRecordAdmin):
    list_display = ["day", "step", "first_id", "last_id", "size", "count", "dispatched_at", "completed_at"]
    list_filter = ["step", ("completed_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "day"
