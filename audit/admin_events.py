"""pghistory's "Events" page across every audited table, which reads the PostgreSQL trigger tables.

On SQLite there is no audit trail (README), so the page says so instead of failing on SQL it cannot run.
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from pghistory.admin.core import EventsAdmin as PghistoryEventsAdmin

from audit.context import audit_enabled


class EventsAdmin(PghistoryEventsAdmin):
    def changelist_view(self, request, extra_context=None):
        if audit_enabled():
            return super().changelist_view(request, extra_context)
        context = {**self.admin_site.each_context(request), "title": _("Audit trail"),
                   "message": _("The audit trail is kept on PostgreSQL only; this database (SQLite) has none.")}
        return TemplateResponse(request, "admin/audit/unavailable.html", context)
