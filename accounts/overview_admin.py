"""The ops console's page per customer (issue 19 item 12): one admin page for a company or a cardmember with
balances, statements, payments, disputes and standing, linked from its admin change page.

Read-only and permission-checked (SPEC section 17): it needs the view permission of the customer's model
and of the ledger's postings (balances and payments are ledger figures); it changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.overview import customer_overview
from amexprog.common import clock

VIEW_POSTINGS = "ledger.view_posting"
OVERVIEW_TITLE = N_("%(customer)s: overview")


class CustomerOverviewMixin:
    """Adds `<pk>/overview/` to a ModelAdmin of Company or Cardmember and a link to it on the change page."""

    overview_kind: str  # "company" or "cardmember"
    change_form_template = "admin/accounts/customer_change_form.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path("<path:object_id>/overview/", self.admin_site.admin_view(self.overview_view),
                 name=f"{opts.app_label}_{opts.model_name}_overview"),
            *super().get_urls(),
        ]

    def overview_view(self, request, object_id):
        customer = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not (self.has_view_permission(request, customer) and request.user.has_perm(VIEW_POSTINGS)):
            raise PermissionDenied
        overview = customer_overview(as_of=clock.today(), **{self.overview_kind: customer})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": customer,
            "title": _(OVERVIEW_TITLE) % {"customer": customer},
            "overview": overview,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/accounts/customer_overview.html", context)
