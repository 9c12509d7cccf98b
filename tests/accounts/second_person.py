"""A second person for tests that need a change to apply (SPEC section 17; issue 15 item 5): an ops
user holding `accounts.approve_change` approves whatever waits for the company."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission

from accounts.audit import Actor, Role
from accounts.change_requests import change_request_approve
from accounts.models import ChangeRequest, Company
from tests.accounts.factories import UserFactory


def approver() -> Actor:
    user = UserFactory(username="vera-approver", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="approve_change", content_type__app_label="accounts"))
    return Actor(role=Role.ISSUER, label=f"admin:{user.username}", user_id=user.pk)


def approve_pending(company: Company, *, on: dt.date | None = None) -> list[ChangeRequest]:
    """Approve every change waiting for `company`, oldest first; returns them."""
    by = approver()
    pending = list(ChangeRequest.objects.filter(company=company, status=ChangeRequest.Status.PENDING).order_by("pk"))
    for change_request in pending:
        change_request_approve(change_request=change_request, by=by, on=on or change_request.requested_on)
    return pending
