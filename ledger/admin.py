from django.contrib import admin

from amexprog.common.admin_base import ReadOnlyAdmin
from ledger.models import JournalEntry, LedgerAccount, Posting

# The ledger is append-only: ops read it here and correct it with reversing postings.


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["source_key", "booked_on", "debit_account", "credit_account", "amount", "description"]
    search_fields = ["source_key"]
    date_hierarchy = "booked_on"


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["posting_date", "account", "kind", "amount", "counter_account", "description", "source_key"]
    list_filter = ["kind", "counter_account", "flagged_for_review"]
    search_fields = ["source_key", "account__number", "merchant_name"]
    date_hierarchy = "posting_date"
    list_select_related = ["account"]
