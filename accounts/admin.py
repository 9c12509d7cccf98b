from django.contrib import admin

from accounts.models import Account, ApiToken, Card, Cardmember, Company, ProgrammeAdministrator


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["number", "legal_name", "market", "billing_type", "default_liability", "credit_limit", "status"]
    list_filter = ["market", "billing_type", "default_liability", "status"]
    search_fields = ["number", "legal_name", "vat_number"]


@admin.register(ProgrammeAdministrator)
class ProgrammeAdministratorAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    filter_horizontal = ["companies"]
    search_fields = ["user__username", "user__email", "companies__number"]


@admin.register(Cardmember)
class CardmemberAdmin(admin.ModelAdmin):
    list_display = ["employee_id", "first_name", "last_name", "company", "email", "contact_valid"]
    list_filter = ["company__market", "language", "contact_valid"]
    search_fields = ["employee_id", "first_name", "last_name", "email", "company__number"]
    list_select_related = ["company"]
    raw_id_fields = ["company", "user"]


class CardInline(admin.TabularInline):
    model = Card
    fields = ["masked_number", "status", "expiry", "issued_on", "replaces"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["number", "cardmember", "company", "liability", "billing_type", "cycle_day", "status"]
    list_filter = ["status", "liability", "billing_type", "company__market"]
    search_fields = ["number", "cardmember__last_name", "cardmember__employee_id", "company__number"]
    list_select_related = ["cardmember", "company"]
    raw_id_fields = ["company", "cardmember"]
    inlines = [CardInline]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["masked_number", "account", "status", "expiry", "issued_on"]
    list_filter = ["status", "contactless", "cash_enabled"]
    search_fields = ["last4", "account__number"]
    list_select_related = ["account"]
    readonly_fields = ["masked_number", "last4", "issued_on", "replaces", "account"]
    exclude = ["pan_hash"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "company", "prefix", "created_at", "revoked_at"]
    list_filter = ["kind"]
    readonly_fields = ["prefix", "created_at", "created_by"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False  # keys are created with `manage.py create_token`, which shows the key once
