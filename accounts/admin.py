from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import lifecycle
from accounts.audit import Actor, Role
from accounts.controls import CARD_OWN_FIELDS, CONTROL_FIELDS, card_controls_set, company_controls_set
from accounts.cycle_day_admin import change_company_cycle_day
from accounts.issuer_closure_admin import accounts_issuer_close, cards_issuer_cancel
from accounts.models import (
    Account,
    ApiToken,
    AuditEntry,
    Card,
    Cardmember,
    Company,
    EmbossingOrder,
    ProgrammeAdministrator,
    ProgrammeRules,
    SpendingControls,
)
from accounts.overview_admin import CustomerOverviewMixin
from accounts.roles import CLOSE_ACCOUNT, EXPORT_PERSONAL_DATA, RENEW_CARDS, SET_STANDING, TERMINATE_COMPANY
from accounts.services import api_token_revoke
from accounts.standing_admin import STANDING_ACCOUNT_ACTIONS, STANDING_COMPANY_ACTIONS
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from communications.rule_change_admin import PublishedChangeAdmin, PublishedChangeForm

TOKENS_REVOKED = _("%(count)d API tokens revoked.")


class SpendingControlsInline(admin.StackedInline):
    model = SpendingControls
    extra = 0
    max_num = 1
    can_delete = False
    exclude = ["company"]


class CompanyControlsInline(SpendingControlsInline):
    exclude = ["card"]


def _save_controls(request, formset, save) -> None:
    """An inline SpendingControls row saved through its service, so the change is audited."""
    for inline in formset.forms:
        changes = {name: inline.cleaned_data[name] for name in inline.changed_data if name in CONTROL_FIELDS}
        if changes:
            try:
                save(changes)
            except ApplicationError as exc:
                messages.error(request, exc.message)
    # The admin's change message lists what the formset saved; the service saved instead (without this,
    # every save of a company or card change form ended in a server error).
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ReasonForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=200)


def _ops(request) -> Actor:
    return Actor(role=Role.ISSUER, label=f"admin:{request.user.get_username()}", user_id=request.user.pk)


def _apply(modeladmin, request, queryset, run) -> None:
    done, failed = 0, []
    for obj in queryset:
        try:
            run(obj)
            done += 1
        except ApplicationError as exc:
            failed.append(f"{obj}: {exc.message}")
    if done:
        modeladmin.message_user(request, _("%(count)d done.") % {"count": done}, messages.SUCCESS)
    for failure in failed:
        modeladmin.message_user(request, failure, messages.ERROR)


def _with_reason(modeladmin, request, queryset, title: str, run):
    """An admin action that asks for a reason first (terms §26: a block names its reason)."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            _apply(modeladmin, request, queryset, lambda obj: run(obj, form.cleaned_data["reason"]))
            return None
    else:
        form = ReasonForm(initial={"_selected_action": request.POST.getlist(ACTION_CHECKBOX_NAME)})
    return TemplateResponse(request, "admin/accounts/reason_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action": request.POST.get("action"), "opts": modeladmin.model._meta,
    })


@admin.action(description=_("Activate the selected ordered cards"), permissions=["change"])
def activate_cards(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, lambda card: lifecycle.card_activate(card=card, by=_ops(request),
                                                                                on=clock.today()))


@admin.action(description=_("Block the selected cards (asks for the reason)"), permissions=["change"])
def block_cards(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, _("Block cards"), lambda card, reason: lifecycle.card_block(
        card=card, by=_ops(request), on=clock.today(), reason=reason))


@admin.action(description=_("Unblock the selected cards (asks for the reason)"), permissions=["change"])
def unblock_cards(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, _("Unblock cards"),
                        lambda card, reason: lifecycle.card_unblock(card=card, by=_ops(request), on=clock.today(),
                                                                    reason=reason))


def _report_action(status: str):
    def report(modeladmin, request, queryset):
        return _with_reason(modeladmin, request, queryset, _("Report cards and issue replacements"),
                            lambda card, reason: lifecycle.card_report(card=card, by=_ops(request), on=clock.today(),
                                                                       status=status, reason=reason))

    report.__name__ = f"report_{status}"
    return admin.action(description=_("Report %(status)s and replace (new number to the embosser)")
                        % {"status": Card.Status(status).label}, permissions=["change"])(report)


report_lost, report_stolen, report_damaged = (_report_action(status) for status in lifecycle.REPORT_STATUSES)


@admin.action(description=_("Renew the selected cards now (new number to the embosser)"), permissions=["renew_cards"])
def renew_cards(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, lambda card: lifecycle.card_renew(card=card, by=_ops(request),
                                                                             on=clock.today()))


@admin.action(description=_("Issue a new card for the selected expired cards (terms §31)"), permissions=["change"])
def reissue_cards(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, lambda card: lifecycle.card_reissue(card=card, by=_ops(request),
                                                                               on=clock.today()))


@admin.action(description=_("Cancel the selected cards (asks for the reason)"), permissions=["change"])
def cancel_cards(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, _("Cancel cards"), lambda card, reason: lifecycle.card_cancel(
        card=card, by=_ops(request), on=clock.today(), reason=reason))


@admin.action(description=_("Close the selected accounts (asks for the reason)"), permissions=["close_account"])
def close_accounts(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, _("Close accounts"),
                        lambda account, reason: lifecycle.account_close(account=account, by=_ops(request),
                                                                        on=clock.today(), reason=reason))


@admin.action(description=_("Terminate the selected companies: every account closes (asks for the reason)"),
              permissions=["terminate_company"])
def terminate_companies(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, _("Terminate companies"),
                        lambda company, reason: lifecycle.company_terminate(company=company, by=_ops(request),
                                                                            on=clock.today(), reason=reason))


# SPEC section 17, issue 15 item 4: the admin never edits money, currency, status, market, billing or
# bank details as raw fields; those change through the services (the actions below, the imports, the
# company and spending-control services), with their checks and audit.
COMPANY_READONLY = ["number", "market", "billing_type", "default_liability", "credit_limit", "annual_fee",
                    "payment_terms_days", "cycle_day", "iban", "bic", "status", "created_at"]
ACCOUNT_READONLY = ["number", "company", "cardmember", "liability", "billing_type", "currency", "cycle_day", "status",
                    "standing_hold", "standing_cause", "opened_on", "closed_on"]


@admin.register(Company)
class CompanyAdmin(CustomerOverviewMixin, admin.ModelAdmin):
    """Market, billing, money, bank details and status are read-only (issue 15 item 4): a company is onboarded
    by `import_companies` (company_create, with its currency and fee checks), terminated by the action,
    its bank details changed through company_update, its spending controls through company_controls_set."""

    list_display = ["number", "legal_name", "market", "billing_type", "default_liability", "credit_limit", "status"]
    overview_kind = "company"  # issue 19 item 12: the customer's overview page
    actions = [terminate_companies, change_company_cycle_day, *STANDING_COMPANY_ACTIONS]
    inlines = [CompanyControlsInline]

    # Ops powers from permissions (SPEC section 17, issue 15 item 3).
    def has_terminate_company_permission(self, request) -> bool:
        return request.user.has_perm(TERMINATE_COMPANY)

    def has_set_standing_permission(self, request) -> bool:  # issue 16 item 3
        return request.user.has_perm(SET_STANDING)

    def save_formset(self, request, form, formset, change):
        _save_controls(request, formset, lambda changes: company_controls_set(
            company=form.instance, by=_ops(request), on=clock.today(), **changes))
    list_filter = ["market", "billing_type", "default_liability", "status"]
    search_fields = ["number", "legal_name", "vat_number"]
    readonly_fields = COMPANY_READONLY

    def has_add_permission(self, request):
        return False  # onboarding goes through company_create (import_companies, the import API)

    def has_delete_permission(self, request, obj=None):
        return False  # a company's accounts, tokens and history hang on it: terminate it instead


@admin.register(ProgrammeAdministrator)
class ProgrammeAdministratorAdmin(admin.ModelAdmin):
    """A PA's companies change only through `company_pa_add` (a second person approves, every PA is told)
    and `company_pa_remove` (SPEC section 17, issue 15 item 5): never as a raw list in the admin."""

    list_display = ["user", "language"]
    search_fields = ["user__username", "user__email", "companies__number"]
    readonly_fields = ["user", "companies"]

    def has_add_permission(self, request):
        return False  # a PA is added to a company through the company's change request


@admin.register(Cardmember)
class CardmemberAdmin(CustomerOverviewMixin, admin.ModelAdmin):
    overview_kind = "cardmember"  # issue 19 item 12: the customer's overview page
    list_display = ["employee_id", "first_name", "last_name", "company", "email", "contact_valid"]
    list_filter = ["company__market", "language", "contact_valid"]
    search_fields = ["employee_id", "first_name", "last_name", "email", "company__number"]
    list_select_related = ["company"]
    raw_id_fields = ["company", "user"]

    def get_readonly_fields(self, request, obj=None):
        """Issue 15 item 4: a cardmember's account belongs to their company (moving them would leave it
        behind); the contact status changes with returned mail and corrections (communications.services),
        EuroBonus through the enrolment services."""
        return ["company", "contact_valid", "eurobonus_number", "eurobonus_enrolled_on"] if obj is not None else []

    def has_export_personal_data_permission(self, request) -> bool:  # audit.admin's action (SPEC section 17)
        return request.user.has_perm(EXPORT_PERSONAL_DATA)


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
    actions = [close_accounts, accounts_issuer_close, *STANDING_ACCOUNT_ACTIONS]
    readonly_fields = ACCOUNT_READONLY

    # Issue 15 item 4 (SPEC section 17): an account is opened by a card order (account_open), closed by the
    # action (account_close, which checks its cards and balance); currency, billing, status and cycle day are
    # never raw fields, and an account with postings is never deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_close_account_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(CLOSE_ACCOUNT)

    def has_set_standing_permission(self, request) -> bool:  # issue 16 item 3
        return request.user.has_perm(SET_STANDING)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    """Status changes only through the lifecycle actions, so each has its audit entry and notice."""

    list_display = ["masked_number", "account", "status", "expiry", "issued_on", "blocked_by", "block_reason"]
    list_filter = ["status", "contactless", "cash_enabled"]
    search_fields = ["last4", "account__number"]
    list_select_related = ["account"]
    readonly_fields = ["masked_number", "last4", "issued_on", "expiry", "replaces", "account", "status",
                       "status_changed_on", "blocked_by", "block_reason"]
    exclude = ["pan_hash"]
    inlines = [SpendingControlsInline]
    actions = [activate_cards, block_cards, unblock_cards, report_lost, report_stolen, report_damaged, cancel_cards,
               renew_cards, reissue_cards, cards_issuer_cancel]

    def has_add_permission(self, request):
        return False  # cards are issued by orders, replacements and renewals, with a number for the embosser

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: a card's authorizations, holds and postings refer to it (issue 15 item 4)

    def has_renew_cards_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(RENEW_CARDS)

    def has_close_account_permission(self, request) -> bool:  # terms §31a: the issuer cancels a card
        return request.user.has_perm(CLOSE_ACCOUNT)

    def save_model(self, request, obj, form, change):
        # The card's own controls go through the service, which audits them (SPEC section 1).
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in CARD_OWN_FIELDS}
        if "monthly_limit" in changes and changes["monthly_limit"] is not None:
            changes["monthly_limit"] = changes["monthly_limit"].amount
        if changes:
            card_controls_set(card=Card.objects.get(pk=obj.pk), by=_ops(request), on=clock.today(), **changes)

    def save_formset(self, request, form, formset, change):
        _save_controls(request, formset, lambda changes: card_controls_set(
            card=form.instance, by=_ops(request), on=clock.today(), **changes))


@admin.action(description=_("Revoke the selected API tokens (their keys stop working at once)"),
              permissions=["change"])
def revoke_api_tokens(modeladmin, request, queryset):
    """Revoke for good (SPEC section 17; issue 15 item 12): later calls with these keys answer 401."""
    at = clock.now()
    count = 0
    for token in queryset.filter(revoked_at__isnull=True):
        api_token_revoke(token=token, at=at, by=request.user)
        count += 1
    modeladmin.message_user(request, TOKENS_REVOKED % {"count": count}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "scope", "company", "prefix", "created_at", "revoked_at"]
    list_filter = ["kind", "scope", ("revoked_at", admin.EmptyFieldListFilter)]
    # A token's scope is fixed when it is created (a new token for another scope); revocation goes
    # through the action, which records who revoked it (issue 15 item 12).
    readonly_fields = ["prefix", "scope", "created_at", "created_by", "revoked_at", "revoked_by"]
    exclude = ["key_hash"]
    actions = [revoke_api_tokens]

    def get_readonly_fields(self, request, obj=None):
        """Issue 15 item 12: what a token may reach (its kind, its company, its scope, any field added later)
        is fixed when it is created; only its name is edited. Revocation is the "Revoke" action, which
        records who revoked it, and is final."""
        if obj is None:
            return self.readonly_fields
        return [field.name for field in ApiToken._meta.concrete_fields
                if not field.primary_key and field.name != "name" and field.name not in self.exclude]

    def has_add_permission(self, request):
        return False  # keys are created with `manage.py create_token`, which shows the key once

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail names the token


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "on", "action", "actor", "actor_role", "company", "account", "card", "reason"]
    list_filter = ["action", "actor_role"]
    search_fields = ["actor", "reason", "account__number", "company__number", "card__last4"]
    date_hierarchy = "at"
    list_select_related = ["company", "account", "card"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmbossingOrder)
class EmbossingOrderAdmin(admin.ModelAdmin):
    """Replacement, renewal and reissued cards waiting for the embosser; an empty `written at` means the
    number never reached the spool: reissue that card."""

    list_display = ["card", "reason", "created_on", "written_at", "spool_file"]
    list_filter = ["reason", ("written_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["card", "reason", "created_on", "written_at", "spool_file"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProgrammeRulesForm(PublishedChangeForm):
    """A new version takes effect 2 months after today at the earliest, or from tomorrow when ops confirm
    it is solely in the holder's favour (terms §25b; communications.rule_changes)."""

    class Meta:
        model = ProgrammeRules
        exclude: list[str] = []


@admin.register(ProgrammeRules)
class ProgrammeRulesAdmin(PublishedChangeAdmin):
    """Ops add a version with an effective date; versions are history and are not edited. Each rule
    reads the version in force on the day it acts (accounts.rules). Adding one publishes it with a
    notice to every affected holder (terms §25b)."""

    rule_change_kind = "programme_rules"
    list_display = ["market", "effective_from", "reminder_days_after_due", "reminder_interval_days", "suspend_dpd",
                    "collections_dpd", "hold_days", "card_validity_months", "card_unused_months",
                    "contactless_charge_limit", "contactless_cumulative_limit", "contactless_count_limit",
                    "currency"]
    list_filter = ["market"]
    form = ProgrammeRulesForm
    fieldsets = [
        (None, {"fields": ["market", "effective_from"]}),
        (_("Reminders and delinquency"), {"fields": ["reminder_days_after_due", "reminder_interval_days",
                                                     "suspend_dpd", "collections_dpd"]}),
        (_("Authorization"), {"fields": ["hold_days", "contactless_charge_limit", "contactless_cumulative_limit",
                                         "contactless_count_limit"]}),
        (_("Card lifecycle"), {"fields": ["card_validity_months", "card_renewal_lead_days", "card_unused_months",
                                          "card_reissue_window_months", "card_closure_notice_months"]}),
        (_("Closure"), {"fields": ["final_statement_days"]}),
        (_("Payouts"), {"fields": ["bank_details_cooling_off_days"]}),
    ]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


from accounts import change_request_admin  # noqa: E402,F401  (changes waiting for a second person)
