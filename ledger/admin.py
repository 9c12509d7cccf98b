from django.contrib import admin

from amexprog.common.admin_base import ReadOnlyAdmin
from ledger.models import JournalEntry, JournalLeg, LedgerAccount, Posting

# The ledger is append-only: ops read it here and correct it with reversing postings.


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type"]


class JournalLegInline(admin.TabularInline):
    model = JournalLeg
    fields = ["ledger_account", "account", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["source_key", "booked_on", "description"]
    search_fields = ["source_key"]
    date_hierarchy = "booked_on"
    inlines = [JournalLegInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["posting_date", "account", "kind", "amount", "description", "source_key"]
    list_filter = ["kind", "flagged_for_review"]
    search_fields = ["source_key", "account__number", "merchant_name"]
    date_hierarchy = "posting_date"
    list_select_related = ["account"]
