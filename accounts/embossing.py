"""The embossing spool: where the full number of a card issued by the lifecycle goes (SPEC section 11).

The number is never stored in the database (SPEC section 3) and never shown to a PA or an API
client. When the transaction that issued the card commits, one JSON line with the number is
appended to `EMBOSSING_DIR/embossing-<issue date>.jsonl` (mode 0600), the file the embosser
collects, and the card's EmbossingOrder records that it was written. A write that fails leaves
`written_at` empty: ops see it in the admin and reissue the card.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.models import Company, EmbossingOrder
from accounts.services import CardOrder, IssuedCard, card_order
from amexprog.common import clock

logger = logging.getLogger(__name__)


def spool_path(on: dt.date) -> Path:
    return Path(settings.EMBOSSING_DIR) / f"embossing-{on.isoformat()}.jsonl"


def embossing_order_create(*, issued: IssuedCard, reason: str, on: dt.date) -> EmbossingOrder:
    order = EmbossingOrder.objects.create(card=issued.card, reason=reason, created_on=on)
    card = issued.card
    account = card.account
    line = {
        "embossing_order": order.pk, "reason": reason, "issued_on": on.isoformat(),
        "company_number": account.company.number, "account_number": account.number,
        "employee_id": account.cardmember.employee_id, "name": account.cardmember.full_name,
        "address_line": account.cardmember.address_line, "postal_code": account.cardmember.postal_code,
        "city": account.cardmember.city, "country": account.cardmember.country,
        "card_number": issued.pan, "expiry": card.expiry.strftime("%m/%y"),
        "replaces_last4": card.replaces.last4 if card.replaces_id else None,
    }
    transaction.on_commit(lambda: _write(order.pk, spool_path(on), line))
    return order


@transaction.atomic
def card_order_embossed(*, company: Company, order: CardOrder, issued_on: dt.date) -> IssuedCard:
    """Issue a card (SPEC section 11) and send its number to the embosser: the portal's and the API's
    orders, and a Central Order Card file loaded without an embossing report. The caller gets the
    card; its full number leaves only through the spool."""
    issued = card_order(company=company, order=order, issued_on=issued_on)
    embossing_order_create(issued=issued, reason=EmbossingOrder.Reason.NEW, on=issued_on)
    return issued


def _write(order_id: int, path: Path, line: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(descriptor, (json.dumps(line, ensure_ascii=False) + "\n").encode())
        finally:
            os.close(descriptor)
    except OSError as exc:
        # The message names the order only: never the card number.
        logger.error("embossing order %s could not be written to the spool: %s", order_id, exc.strerror)
        return
    EmbossingOrder.objects.filter(pk=order_id).update(written_at=clock.now(), spool_file=path.name)


def spool_cards(on: dt.date) -> list[dict]:
    """The lines written for one issue date (ops tooling and tests)."""
    path = spool_path(on)
    if not path.exists():
        return []
    return [json.loads(text) for text in path.read_text().splitlines() if text.strip()]
