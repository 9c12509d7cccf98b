"""The cycle monitor (issue 19 item 12; DESIGN "Jobs"; SPEC section 17, issue 15 item 4).

`run_cycle` advances the business date and records each step and chunk it completed; a re-run skips
what is recorded. Adding, changing or deleting one by hand would make the cycle skip or repeat a day's
fees, interest and statements, so ops do not get the records as admin rows at all: one read-only page
shows the days run, each day's steps in order with their counts, chunks, durations and failures.
It needs the monitor's own view permission (`common.view_cyclemonitor`, every ops group has it).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from amexprog.common.admin_base import ReadOnlyAdmin
from amexprog.common.models import CycleMonitor
from amexprog.common.monitor import cycle_day, cycle_days

MONITOR_TITLE = N_("Cycle monitor")


@admin.register(CycleMonitor)
class CycleMonitorAdmin(ReadOnlyAdmin):
    """Written only by run_cycle and its chunks: no add, change or delete; no rows, one page."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        days = cycle_days()
        chosen = None
        try:
            chosen = dt.date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            chosen = days[0].day if days else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _(MONITOR_TITLE),
            "days": days,
            "detail": cycle_day(day=chosen) if chosen else None,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/common/cycle_monitor.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.changelist_view(request, extra_context)
