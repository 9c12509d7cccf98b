"""The portal inbox (SPEC section 15): a cardmember's notices, and a PA's notices to their companies.

Another person's notice is a 404, exactly like one that does not exist. Opening a notice marks it
read for the person opening it (each PA reads a company notice for themselves); the unread count
is in the top bar (portal.templatetags.portal_inbox).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import Notice
from communications.selectors import inbox_notices, inbox_ordered, with_read_at
from communications.services import notice_mark_read

NOTICES_PER_PAGE = 25
ORDERS = ("newest", "unread")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    order = request.GET.get("order") if request.GET.get("order") in ORDERS else "newest"
    kind = request.GET.get("kind") if request.GET.get("kind") in Notice.Kind.values else ""
    notices = with_read_at(inbox_notices(request.user), request.user).select_related("cardmember")
    if kind:
        notices = notices.filter(kind=kind)
    if request.GET.get("unread") == "1":
        notices = notices.filter(reader_read_at__isnull=True)
    page = Paginator(inbox_ordered(notices, order), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    query = "&".join(f"{name}={value}" for name, value in
                     (("order", order), ("kind", kind), ("unread", request.GET.get("unread", ""))) if value)
    return render(request, "portal/notices/inbox.html", {
        "page": page, "order": order, "kind": kind, "kinds": Notice.Kind.choices, "query": query,
        "unread_only": request.GET.get("unread") == "1",
    })


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(inbox_notices(request.user).select_related("cardmember", "company"), pk=pk)
    notice = notice_mark_read(notice=notice, user=request.user)
    return render(request, "portal/notices/detail.html", {"notice": notice})
