"""Collection costs (terms §9c, §27d; SPEC section 7; Trust II item 4).

When an account is in default, the issuer may charge the documented costs of a collection agency or
a lawyer. Ops post each invoice once — `fee_collection` against its own income account — with the
invoice reference and the invoice itself as evidence; the statement line names the agency and the
invoice. Nothing is posted on an account that is not in default, without evidence, or twice for one
invoice.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from decimal import Decimal
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from accounts.authentication import ApiClient
from accounts.models import Account
from accounts.roles import ops_may
from amexprog.common.errors import ApplicationError
from amexprog.common.money import has_at_most_minor_units, require_decimal
from disputes.attachments import attachment_check
from fees.models import CollectionCost
from ledger.models import PostingKind
from ledger.services import posting_create

NOT_IN_DEFAULT = _("Collection costs can only be charged to an account in default (terms §27d); account {account} "
                   "is {status}.")
AMOUNT_INVALID = _("The cost must be a positive amount in {currency} with at most two decimals.")
INVOICE_REQUIRED = _("Give the agency's invoice reference.")
AGENCY_REQUIRED = _("Name the collection agency or lawyer who sent the invoice.")
ALREADY_POSTED = _("Invoice {invoice} is already charged to account {account}.")
EVIDENCE_REQUIRED = _("Attach the invoice: collection costs are charged only as documented (terms §9c).")
NOT_ALLOWED = _("Only ops with the permission to charge collection costs can do this.")


def may_post(user: Any) -> bool:
    """SPEC section 17: the power comes from `fees.post_collection_cost`, held by the ops user or by the
    ops user an ops token acts as."""
    return ops_may(user, "fees.post_collection_cost")


def _label(user: Any) -> str:
    if isinstance(user, ApiClient):
        return f"API token {user.token.name} ({user.token.prefix}…)"[:150]
    return (user.get_full_name() or user.get_username())[:150]


@transaction.atomic
def collection_cost_post(*, account: Account, amount: Decimal, agency: str, invoice_reference: str,
                         evidence: IO[bytes] | None, filename: str, user: Any, on: dt.date) -> CollectionCost:
    """Charge one documented collection invoice to an account in default, once (terms §9c, §27d)."""
    if not may_post(user):
        raise ApplicationError(str(NOT_ALLOWED), "not_allowed", status=403)
    account = Account.objects.select_for_update(of=("self",)).get(pk=account.pk)
    if account.status != Account.Status.IN_DEFAULT:
        raise ApplicationError(str(NOT_IN_DEFAULT).format(account=account.number,
                                                          status=account.get_status_display()),
                               "account_not_in_default", {"field": "account"})
    require_decimal(amount)
    if amount <= 0 or not has_at_most_minor_units(amount, account.currency):
        raise ApplicationError(str(AMOUNT_INVALID).format(currency=account.currency), "invalid_amount",
                               {"field": "amount"})
    agency, invoice_reference = (agency or "").strip(), (invoice_reference or "").strip()
    if not agency:
        raise ApplicationError(str(AGENCY_REQUIRED), "agency_required", {"field": "agency"})
    if not invoice_reference:
        raise ApplicationError(str(INVOICE_REQUIRED), "invoice_reference_required", {"field": "invoice_reference"})
    if CollectionCost.objects.filter(account=account, invoice_reference=invoice_reference).exists():
        raise ApplicationError(str(ALREADY_POSTED).format(invoice=invoice_reference, account=account.number),
                               "invoice_already_posted", {"field": "invoice_reference"})
    if evidence is None:
        raise ApplicationError(str(EVIDENCE_REQUIRED), "evidence_required", {"field": "file"})
    checked = attachment_check(evidence)
    posting, _created = posting_create(
        account=account, kind=PostingKind.FEE_COLLECTION, amount=Money(amount, account.currency), posting_date=on,
        source_key=f"collection/{account.number}/{invoice_reference}"[:200],
        description=f"Collection costs: {agency}, invoice {invoice_reference} (terms §9c, §27d)"[:255],
        explanation={"rule": "collection_cost", "agency": agency, "invoice": invoice_reference},
    )
    cost = CollectionCost(uid=uuid.uuid4().hex, account=account, posting=posting, agency=agency[:200],
                          invoice_reference=invoice_reference[:100], content_type=checked.content_type,
                          extension=checked.extension.lstrip("."), posted_on=on, posted_by=_label(user),
                          original_name=os.path.basename(filename or "invoice")[:200])
    cost.evidence.save(f"{cost.uid}{checked.extension}", File(evidence), save=False)
    cost.save()
    return cost
