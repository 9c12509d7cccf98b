"""Ops see loaded charge files and ECB rates; both change only through their loaders (SPEC sections 5, 6)."""

from django.contrib import admin

from amexprog.common.admin_base import ReadOnlyAdmin
from charges.models import ChargeFile, FxRate


class LoadedDataAdmin(ReadOnlyAdmin):
    """Rates converted posted charges and files produced postings: never edited by hand."""


@admin.register(FxRate)
class FxRateAdmin(LoadedDataAdmin):
    list_display = ["rate_date", "currency", "rate"]
    list_filter = ["currency"]
    date_hierarchy = "rate_date"


@admin.register(ChargeFile)
class ChargeFileAdmin(LoadedDataAdmin):
    list_display = ["filename", "loaded_at", "row_count", "posting_count", "flagged_count", "content_hmac"]
    search_fields = ["filename"]
    date_hierarchy = "loaded_at"
    readonly_fields = ["content_hmac", "filename", "loaded_at", "row_count", "posting_count", "flagged_count",
                       "totals"]


from charges import authorization_admin  # noqa: E402,F401  (authorizations and holds, beside charges)
