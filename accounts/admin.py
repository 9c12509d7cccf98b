from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import lifecycle
from accounts.audit import Actor, Role
from accounts.controls import CARD_OWN_FIELDS, CONTROL_FIELDS, card_controls_set, company_controls_set
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
from accounts.roles import CLOSE_ACCOUNT, EXPORT_PERSONAL_DATA, ONBOARD_COMPANY, RENEW_CARDS, TERMINATE_COMPANY
from amexprog.common import clock
from amexprog.common.errors import ApplicationError


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


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["number", "legal_name", "market", "billing_type", "default_liability", "credit_limit", "status"]
    actions = [terminate_companies]
    inlines = [CompanyControlsInline]

    # Ops powers from permissions (SPEC section 17, issue 15 item 3).
    def has_terminate_company_permission(self, request) -> bool:
        return request.user.has_perm(TERMINATE_COMPANY)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and request.user.has_perm(ONBOARD_COMPANY)

    def save_formset(self, request, form, formset, change):
        _save_controls(request, formset, lambda changes: company_controls_set(
            company=form.instance, by=_ops(request), on=clock.today(), **changes))
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
    actions = [close_accounts]

    def has_close_account_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(CLOSE_ACCOUNT)


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
               renew_cards, reissue_cards]

    def has_add_permission(self, request):
        return False  # cards are issued by orders, replacements and renewals, with a number for the embosser

    def has_renew_cards_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(RENEW_CARDS)

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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "company", "prefix", "created_at", "revoked_at"]
    list_filter = ["kind"]
    readonly_fields = ["prefix", "created_at", "created_by"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False  # keys are created with `manage.py create_token`, which shows the key once


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


class ProgrammeRulesForm(forms.ModelForm):
    class Meta:
        model = ProgrammeRules
        exclude: list[str] = []

    def clean_effective_from(self):
        effective_from = self.cleaned_data["effective_from"]
        if effective_from <= clock.today():
            raise forms.ValidationError(_("A new version takes effect from tomorrow at the earliest: the rules of "
                                          "days already begun, and dates already promised to holders, stay as "
                                          "they were."))
        return effective_from


@admin.register(ProgrammeRules)
class ProgrammeRulesAdmin(admin.ModelAdmin):
    """Ops add a version with an effective date; versions are history and are not edited. Each rule
    reads the version in force on the day it acts (accounts.rules)."""

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
    ]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
