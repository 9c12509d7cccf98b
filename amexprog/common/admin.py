from django.contrib import admin

from amexprog.common.models import BusinessDate, CycleStepRun


@admin.register(BusinessDate)
class BusinessDateAdmin(admin.ModelAdmin):
    list_display = ["last_completed", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # advanced only by run_cycle


@admin.register(CycleStepRun)
class CycleStepRunAdmin(admin.ModelAdmin):
    list_display = ["day", "step", "count", "completed_at"]
    list_filter = ["step"]
    date_hierarchy = "day"

    def has_change_permission(self, request, obj=None):
        return False
