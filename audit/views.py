"""Portal download of a cardmember's data (SPEC section 15): the cardmember their own, a PA their
companies' cardmembers, ops with accounts.export_personal_data anyone; everyone else gets a 404."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from accounts.roles import EXPORT_PERSONAL_DATA, is_ops, ops_may
from accounts.selectors import visible_cardmembers
from audit.data_export import cardmember_data_export


def export_response(data: object, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def cardmember_data_download(request: HttpRequest, pk: int) -> HttpResponse:
    if is_ops(request.user) and not ops_may(request.user, EXPORT_PERSONAL_DATA):
        raise Http404  # SPEC section 17: ops export personal data with the permission to, not as staff
    cardmember = get_object_or_404(visible_cardmembers(request.user), pk=pk)
    return export_response(cardmember_data_export(cardmember=cardmember), f"cardmember-{cardmember.pk}-data.json")
