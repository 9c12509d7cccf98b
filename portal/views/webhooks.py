"""A PA's webhook endpoints (SPEC section 16, issue 18 item 7): list and add, revoke, re-key with overlap,
see the delivery attempts and send one event again. The secret is shown once, on the page that made it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from events.tasks import webhook_event_replay_task
from events.webhooks import webhook_endpoint_create, webhook_endpoint_revoke, webhook_endpoint_rotate_secret
from portal.forms.webhooks import RotateSecretForm, WebhookEndpointForm, add_webhook_error
from portal.selectors import administered_company_or_404
from portal.selectors.webhooks import company_webhook_endpoint_or_404, company_webhook_endpoints, endpoint_attempts


def _by(request: HttpRequest) -> str:
    return f"user:{request.user.get_username()}"


@login_required
def company_webhooks(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)  # PA pages: ops use the admin
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(company=company, url=form.cleaned_data["url"],
                                               description=form.cleaned_data["description"], by=_by(request),
                                               at=clock.now())
        except ApplicationError as exc:
            add_webhook_error(form, exc)
        else:
            return render(request, "portal/webhooks/secret.html", {"company": company, "endpoint": endpoint})
    return render(request, "portal/webhooks/list.html", {
        "company": company, "form": form, "endpoints": company_webhook_endpoints(company),
    }, status=400 if form.errors else 200)


@login_required
def company_webhook_detail(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    endpoint = company_webhook_endpoint_or_404(company, pk)
    return render(request, "portal/webhooks/detail.html", {
        "company": company, "endpoint": endpoint, "attempts": endpoint_attempts(endpoint),
        "rotate_form": RotateSecretForm(),
    })


@login_required
@require_POST
def company_webhook_revoke(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    endpoint = company_webhook_endpoint_or_404(company, pk)
    webhook_endpoint_revoke(endpoint=endpoint, by=_by(request), at=clock.now())
    messages.success(request, _("The endpoint %(url)s is revoked: nothing more is sent to it.") % {"url": endpoint.url})
    return redirect("portal:company_webhooks", number=company.number)


@login_required
@require_POST
def company_webhook_rotate(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    endpoint = company_webhook_endpoint_or_404(company, pk)
    form = RotateSecretForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_rotate_secret(endpoint=endpoint, at=clock.now(),
                                                      overlap_hours=form.cleaned_data["overlap_hours"])
        except ApplicationError as exc:
            add_webhook_error(form, exc)
        else:
            return render(request, "portal/webhooks/secret.html", {"company": company, "endpoint": endpoint,
                                                                   "rotated": True})
    return render(request, "portal/webhooks/detail.html", {
        "company": company, "endpoint": endpoint, "attempts": endpoint_attempts(endpoint), "rotate_form": form,
    }, status=400)


@login_required
@require_POST
def company_webhook_replay(request: HttpRequest, number: str, pk: int, attempt_id: int) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    endpoint = company_webhook_endpoint_or_404(company, pk)
    attempt = get_object_or_404(endpoint.attempts.select_related("event"), pk=attempt_id)
    webhook_event_replay_task.delay(endpoint.pk, attempt.event_id, _by(request))
    messages.success(request, _("Event %(id)s is being sent again; its attempt appears below.")
                     % {"id": attempt.event.seq})
    return redirect("portal:company_webhook_detail", number=company.number, pk=endpoint.pk)
