"""Read-only queries about authorizations for other apps' screens and API objects."""

from __future__ import annotations

from collections.abc import Iterable

from charges.authorization_models import Authorization, Hold


def authorizations_of_postings(*, posting_ids: Iterable[int]) -> dict[int, Authorization]:
    """The authorization each charge posting settled, by posting id (SPEC section 10: a presented charge
    settles its authorization's hold; issue 18 item 9). One query; postings without one are absent."""
    holds = (Hold.objects.filter(posting_id__in=list(posting_ids), authorization__isnull=False)
             .select_related("authorization__card", "authorization__account"))
    return {hold.posting_id: hold.authorization for hold in holds}


def authorizations_of_transactions(rows) -> dict[tuple[str, int], Authorization]:
    """The authorization of each company-transactions row (charges.transaction_models.CompanyTransaction),
    by (source, source_id): a posting's is the one it settled, an authorization row's is itself (issue 18
    item 9: `expand[]=authorization` on GET /api/v1/transactions). Two queries whatever the page holds."""
    postings = [row.source_id for row in rows if row.source == "posting"]
    found: dict[tuple[str, int], Authorization] = {
        ("posting", posting_id): authorization
        for posting_id, authorization in authorizations_of_postings(posting_ids=postings).items()}
    own = [row.source_id for row in rows if row.source == "authorization"]
    if own:
        for authorization in Authorization.objects.filter(pk__in=own).select_related("card", "account", "hold"):
            found[("authorization", authorization.pk)] = authorization
    return found
