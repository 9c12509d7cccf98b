"""One read-only ModelAdmin for records only the product writes (SPEC sections 4 and 17; issue 15 item 4):
the ledger, loaded files and rates, the cycle's runs, reminders, accruals, SAS batches. Ops read them;
corrections go through the services (reversing postings, new versions), never through the admin."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
