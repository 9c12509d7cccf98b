"""The top bar's inbox link with the unread count, the terms link (flagged while a cardmember has not
accepted the version in force) and, for PAs, the guide. One query per page, whatever the inbox holds."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value

from accounts.models import Cardmember, ProgrammeAdministrator
from accounts.security import otp_required_for
from amexprog.common import clock
from communications.selectors import inbox_notices, inbox_unread
from documents.models import TermsAcceptance, TermsVersion

register = template.Library()


def topbar_state(user) -> dict:
    in_force = (TermsVersion.objects.filter(effective_from__lte=clock.today())
                .order_by("-effective_from", "-version").values("pk")[:1])
    unread = (inbox_unread(inbox_notices(user), user).order_by().annotate(one=Value(1))
              .values("one").annotate(total=Count("pk")).values("total"))
    row = (
        get_user_model().objects.filter(pk=user.pk)
        .annotate(
            unread=Subquery(unread, output_field=IntegerField()),
            is_pa=Exists(ProgrammeAdministrator.objects.filter(user=OuterRef("pk"))),
            is_cardmember=Exists(Cardmember.objects.filter(user=OuterRef("pk"))),
            has_terms=Exists(in_force),
            accepted=Exists(TermsAcceptance.objects.filter(cardmember__user=OuterRef("pk"), terms=Subquery(in_force))),
        )
        .values("unread", "is_pa", "is_cardmember", "has_terms", "accepted")
        .first()
    )
    if row is None:
        return {"unread": 0, "is_pa": False, "terms_pending": False}
    return {
        "unread": row["unread"] or 0,
        "is_pa": row["is_pa"],
        # A cardmember who has not accepted the terms in force is asked to (terms §1, §25).
        "terms_pending": row["is_cardmember"] and row["has_terms"] and not row["accepted"],
    }


@register.inclusion_tag("portal/notices/_topbar_links.html", takes_context=True)
def topbar_links(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "pk", None):
        return {"show": False}
    return {"show": True, **topbar_state(user)}


@register.simple_tag(takes_context=True)
def past_second_factor(context) -> bool:
    """Whether the top bar may show who is signed in: not before a PA's or ops user's second factor
    (issue 19 item 7); the OTP pages have their own log-out button."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not settings.OTP_REQUIRED_FOR_PAS or not otp_required_for(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())
