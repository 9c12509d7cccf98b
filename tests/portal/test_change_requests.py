"""Issue 15 item 5 in the portal and the admin (SPEC section 17): PAs see the changes that wait for a
second person and approve or reject those of others; ops decide in the admin only with
`accounts.approve_change`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import ChangeRequest, Company, SpendingControls
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory

NEW_IBAN = "DK3130003456789012"
DATA = {"address_line": "", "postal_code": "", "city": "", "country": "DK", "iban": NEW_IBAN, "bic": "",
        "authorised_signatories": "Mette Nordlys (CFO)"}
CHANGES = reverse("portal:company_changes", args=["10001"])


@pytest.fixture
def anna(company_a):
    return ProgrammeAdministratorFactory(user=UserFactory(username="anna"), companies=[company_a]).user


def decide(pk: int, decision: str) -> str:
    return reverse("portal:company_change_decide", args=["10001", pk, decision])


def test_issue15_item5_portal_pa_cannot_approve_own_iban_change_another_pa_can(client, alice, anna, company_a):
    client.force_login(alice)
    page = client.post(reverse("portal:company_edit", args=["10001"]), DATA, follow=True).content.decode()
    assert "The new bank details wait for approval" in page and "Withdraw" in page
    request = ChangeRequest.objects.get()
    assert decide(request.pk, "approve") not in page  # no approve button on one's own request
    refused = client.post(decide(request.pk, "approve"), follow=True).content.decode()
    assert "someone else must approve it" in refused
    assert Company.objects.get(pk=company_a.pk).iban == ""
    client.force_login(anna)
    page = client.get(CHANGES).content.decode()
    assert decide(request.pk, "approve") in page and "…9012" in page
    client.post(decide(request.pk, "approve"))
    assert Company.objects.get(pk=company_a.pk).iban == NEW_IBAN
    assert "Nothing is waiting for approval." in client.get(CHANGES).content.decode()


def test_issue15_item5_portal_raising_a_limit_waits_and_rejecting_keeps_it(client, alice, anna, company_a):
    SpendingControls.objects.create(company=company_a, daily_limit=Decimal("2000.00"))
    client.force_login(alice)
    page = client.post(reverse("portal:company_controls", args=["10001"]), {"daily_limit": "5000.00"},
                       follow=True).content.decode()
    assert "The higher limits wait for approval" in page
    request = ChangeRequest.objects.get(kind="company_limits")
    client.force_login(anna)
    client.post(decide(request.pk, "reject"), {"reason": "Too high"})
    assert SpendingControls.objects.get(company=company_a).daily_limit == Decimal("2000.00")
    assert ChangeRequest.objects.get().status == "rejected"


def test_issue15_item5_outsider_gets_404_on_the_changes_pages(client, carol, alice, company_a):
    request = ChangeRequest.objects.create(company=company_a, kind="bank_details", requested_on="2026-03-02",
                                           requested_at="2026-03-02T10:00Z", requested_by="user:alice",
                                           changes={"iban": {"before": "", "after": NEW_IBAN}})
    client.force_login(carol)
    assert client.get(CHANGES).status_code == 404
    assert client.post(decide(request.pk, "approve")).status_code == 404
    assert ChangeRequest.objects.get().status == "pending"


def test_issue15_item5_admin_approval_needs_the_permission(client, alice, company_a):
    request = ChangeRequest.objects.create(company=company_a, kind="bank_details", requested_on="2026-03-02",
                                           requested_at="2026-03-02T10:00Z", requested_by="user:alice",
                                           requested_by_user=alice,
                                           changes={"iban": {"before": "", "after": NEW_IBAN},
                                                    "bic": {"before": "", "after": ""}})
    url = reverse("admin:accounts_changerequest_changelist")
    view = Permission.objects.get(codename="view_changerequest")
    victor = UserFactory(username="victor", is_staff=True)
    victor.user_permissions.add(view)
    client.force_login(victor)
    assert "approve_changes" not in client.get(url).content.decode()
    client.post(url, {"action": "approve_changes", ACTION_CHECKBOX_NAME: [request.pk]})
    assert Company.objects.get(pk=company_a.pk).iban == ""
    vera = UserFactory(username="vera", is_staff=True)
    vera.user_permissions.add(view, Permission.objects.get(codename="approve_change"))
    client.force_login(vera)
    client.post(url, {"action": "approve_changes", ACTION_CHECKBOX_NAME: [request.pk]})
    assert Company.objects.get(pk=company_a.pk).iban == NEW_IBAN
    assert ChangeRequest.objects.get().decided_by == "admin:vera"
