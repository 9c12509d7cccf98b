"""Trust II item 4 (issue 16), terms §9c and §27d: documented collection costs on an account in default.

Ops post an agency's invoice of DKK 1,250.00 once, as `fee_collection` against its own income account,
with the invoice as evidence; the statement explains it. Not on an account in good standing, not
without the invoice, not twice for one invoice, not by a view-only ops user.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from amexprog.common.errors import ApplicationError
from fees.collection import collection_cost_post
from fees.models import CollectionCost
from ledger.models import Posting, PostingKind
from ledger.selectors import posting_legs
from ledger.verification import verify_ledger
from statements.models import Statement
from statements.rendering.data import statement_document
from tests.accounts.factories import UserFactory
from tests.conftest import token_client
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ON = dt.date(2026, 2, 10)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _ops(*codenames: str):
    user = UserFactory(username="finn-" + "-".join(codenames), is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="fees"))
    return type(user).objects.get(pk=user.pk)


def _in_default(account: Account) -> Account:
    Account.objects.filter(pk=account.pk).update(status=Account.Status.IN_DEFAULT)
    account.refresh_from_db()
    return account


def _post(account, user, invoice="INV-2026-77", evidence=PDF):
    return collection_cost_post(account=account, amount=Decimal("1250.00"), agency="Inkasso Nord A/S",
                                invoice_reference=invoice, evidence=None if evidence is None else io.BytesIO(evidence),
                                filename="invoice.pdf", user=user, on=ON)


def test_issue16_item4_a_documented_cost_is_posted_once_against_its_own_income_account(overdue_account):
    account = _in_default(overdue_account)
    cost = _post(account, _ops("post_collection_cost"))
    posting = cost.posting
    assert (posting.kind, posting.amount.amount, str(posting.amount.currency)) == (
        PostingKind.FEE_COLLECTION, Decimal("1250.00"), "DKK")
    legs = {leg.ledger_account: leg.amount.amount for leg in posting_legs(posting=posting)}
    assert legs == {"receivable": Decimal("1250.00"), "fee_income_collection": Decimal("-1250.00")}
    assert cost.evidence.read().startswith(b"%PDF-")
    with pytest.raises(ApplicationError) as error:
        _post(account, _ops("post_collection_cost"))
    assert error.value.code == "invoice_already_posted"
    assert Posting.objects.filter(kind=PostingKind.FEE_COLLECTION).count() == 1
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_issue16_item4_refused_unless_in_default_documented_and_permitted(overdue_account):
    poster = _ops("post_collection_cost")
    with pytest.raises(ApplicationError) as error:
        _post(overdue_account, poster)
    assert error.value.code == "account_not_in_default"
    account = _in_default(overdue_account)
    with pytest.raises(ApplicationError) as error:
        _post(account, poster, evidence=None)
    assert error.value.code == "evidence_required"
    with pytest.raises(ApplicationError) as error:
        _post(account, poster, evidence=b"MZ\x90\x00 not an invoice")
    assert error.value.code == "invalid_attachment"
    with pytest.raises(ApplicationError) as error:
        _post(account, _ops("view_collectioncost"))
    assert error.value.code == "not_allowed"
    assert not Posting.objects.filter(kind=PostingKind.FEE_COLLECTION).exists()
    assert not CollectionCost.objects.exists()


def test_issue16_item4_the_statement_explains_the_cost(overdue_account):
    account = _in_default(overdue_account)
    _post(account, _ops("post_collection_cost"))
    run_through(dt.date(2026, 2, 28))
    statement = Statement.objects.get(account=account, statement_date=dt.date(2026, 2, 28))
    line = next(line for line in statement_document(statement, language="en").lines
                if line.kind == PostingKind.FEE_COLLECTION)
    assert line.amount == Decimal("1250.00")
    assert line.note == "Collection costs invoiced by Inkasso Nord A/S, invoice INV-2026-77 (terms §9c, §27d)"


def test_issue16_item4_api_is_for_ops_and_the_admin_posts_through_the_service(overdue_account, tokens, client):
    account = _in_default(overdue_account)
    body = {"account_number": account.number, "amount": "1250.00", "agency": "Inkasso Nord A/S",
            "invoice_reference": "INV-API-1"}
    refused = token_client(tokens.a).post("/api/v1/collection-costs/",
                                          {**body, "file": SimpleUploadedFile("i.pdf", PDF)}, format="multipart")
    assert refused.status_code in (403, 404)
    created = token_client(tokens.ops).post("/api/v1/collection-costs/",
                                            {**body, "file": SimpleUploadedFile("i.pdf", PDF)}, format="multipart")
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "1250.00" and created.json()["invoice_reference"] == "INV-API-1"

    viewer = _ops("view_collectioncost")
    client.force_login(viewer)
    assert client.get(reverse("admin:fees_collectioncost_add")).status_code == 403
    poster = _ops("view_collectioncost", "add_collectioncost", "post_collection_cost")
    client.force_login(poster)
    response = client.post(reverse("admin:fees_collectioncost_add"), {
        **body, "invoice_reference": "INV-ADMIN-1", "evidence": SimpleUploadedFile("i.pdf", PDF)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CollectionCost.objects.filter(invoice_reference="INV-ADMIN-1").count() == 1
    again = client.post(reverse("admin:fees_collectioncost_add"), {
        **body, "invoice_reference": "INV-ADMIN-1", "evidence": SimpleUploadedFile("i.pdf", PDF)})
    assert again.status_code == 200 and "already charged" in again.content.decode()
