"""The top bar's inbox link with the unread count, and the links to the terms and the PA guide."""

from __future__ import annotations

from django import template

from accounts.models import ProgrammeAdministrator
from communications.selectors import inbox_unread_count

register = template.Library()


@register.inclusion_tag("portal/notices/_topbar_links.html", takes_context=True)
def topbar_links(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "unread": inbox_unread_count(user),
        "is_pa": ProgrammeAdministrator.objects.filter(user=user).exists(),
    }
