from django.contrib import admin

from fees.models import FeeSchedule


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["market", "effective_from", "published_on", "label", "fx_fee_percent", "cash_fee_percent",
                    "cash_fee_minimum", "reminder_fee", "eurobonus_fee"]
    list_filter = ["market"]
