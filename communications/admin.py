"""Ops: notices, their deliveries, returned mail (SPEC section 15)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.models import Notice
from accounts.roles import MARK_NOTICE_RETURNED
from amexprog.common.errors import ApplicationError
from communications.models import AdministratorContact, NoticeDelivery, NoticeRead
from communications.services import notice_mark_returned


def _returned(modeladmin, request, pairs) -> None:
    done = 0
    for notice, email in pairs:
        try:
            notice_mark_returned(notice=notice, email=email, by=f"admin:{request.user.get_username()}")
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{notice}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(
            request, _("%(count)d returned; those contacts are marked invalid.") % {"count": done}, messages.SUCCESS)


@admin.action(description=_("Mark the selected notices as returned (single recipient)"),
              permissions=["mark_notice_returned"])
def notices_returned(modeladmin, request, queryset):
    _returned(modeladmin, request, [(notice, None) for notice in queryset])


@admin.action(description=_("Mark the selected emails as returned"), permissions=["mark_notice_returned"])
def deliveries_returned(modeladmin, request, queryset):
    pairs = [(delivery.notice, delivery.email) for delivery in queryset.select_related("notice")]
    _returned(modeladmin, request, pairs)


class NoticeDeliveryInline(admin.TabularInline):
    model = NoticeDelivery
    extra = 0
    can_delete = False
    fields = ["email", "language", "sent_at", "returned_at", "returned_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class NoticeReadInline(admin.TabularInline):
    """Who opened the notice in their inbox, and when (Notice.read_at is the first of them)."""

    model = NoticeRead
    extra = 0
    can_delete = False
    fields = ["user", "read_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "cardmember", "company", "created_on", "sent_at", "read_at"]
    list_filter = ["kind", "created_on", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "source_key", "cardmember__last_name", "company__number"]
    raw_id_fields = ["cardmember", "company"]
    # What was sent to a holder or PA is a record (SPEC section 15): never rewritten or deleted here
    # (issue 15 item 4); returned mail is marked by the action, through notice_mark_returned.
    readonly_fields = ["kind", "cardmember", "company", "subject", "body", "created_on", "sent_at", "read_at",
                       "source_key"]
    list_select_related = ["cardmember", "company"]
    inlines = [NoticeDeliveryInline, NoticeReadInline]
    actions = [notices_returned]

    def has_mark_notice_returned_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(MARK_NOTICE_RETURNED)

    def has_add_permission(self, request):
        return False  # notices are made by the services that have something to say

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(admin.ModelAdmin):
    list_display = ["notice", "email", "sent_at", "returned_at"]
    list_filter = [("returned_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "notice__subject"]
    list_select_related = ["notice"]
    readonly_fields = ["notice", "cardmember", "administrator", "email", "language", "sent_at", "returned_at",
                       "returned_by"]
    actions = [deliveries_returned]

    def has_mark_notice_returned_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(MARK_NOTICE_RETURNED)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdministratorContact)
class AdministratorContactAdmin(admin.ModelAdmin):
    """A PA's contact status changes only through the services: returned mail (the actions above,
    notice_mark_returned) makes it invalid, a corrected email (contact_corrected) valid again."""

    list_display = ["administrator", "contact_valid", "invalid_email", "changed_at"]
    list_filter = ["contact_valid"]
    readonly_fields = ["administrator", "contact_valid", "invalid_email", "changed_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from communications import rule_change_admin  # noqa: E402,F401  (published rule changes, terms §25b)
