"""The embossing spool: where the full number of a card issued by the lifecycle goes (SPEC sections 11,
16, 17; issue 15 item 6).

The number is never stored in the database (SPEC section 3) and never shown to a PA or an API
client. When the transaction that issued the card commits, one JSON line is appended to
`EMBOSSING_DIR/embossing-<issue date>.jsonl` (mode 0600), the file the embosser collects, and the
card's EmbossingOrder records that it was written. Under production settings the line is
`{"embossing_order": id, "age": base64}`: the record (number, name, address, expiry) encrypted to the
embosser's age key (accounts.embosser_key); only the development default writes the record in clear.

Ops hand the files to the embosser with `manage.py collect_embossing --out DIR`, which deletes each
spool file once copied out; the daily `embossing_spool_retention` step deletes any spool file older
than EMBOSSING_SPOOL_RETENTION_DAYS. A write that fails (or finds no embosser key under production
settings) leaves `written_at` empty: ops see it in the admin and reissue the card.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from accounts.embosser_key import embosser_key_required, sealed
from accounts.models import Company, EmbossingOrder
from accounts.services import CardOrder, IssuedCard, card_order
from amexprog.common import clock
from amexprog.common.errors import ApplicationError

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
    card; its full number leaves only through the spool. With no embosser key under production
    settings the order is refused before any card exists (issue 15 item 6: no key, no file)."""
    embosser_key_required()
    issued = card_order(company=company, order=order, issued_on=issued_on)
    embossing_order_create(issued=issued, reason=EmbossingOrder.Reason.NEW, on=issued_on)
    return issued


def _write(order_id: int, path: Path, line: dict) -> None:
    try:
        record = (json.dumps(line, ensure_ascii=False)).encode()
        data, encrypted = sealed(record)
        if encrypted:
            record = json.dumps({"embossing_order": order_id, "age": base64.b64encode(data).decode()}).encode()
        _append(path, record + b"\n")
    except (ApplicationError, ImproperlyConfigured) as exc:
        # No (usable) embosser key under production settings (issue 15 item 6): nothing is written in clear.
        code = exc.code if isinstance(exc, ApplicationError) else "embosser_key_invalid"
        logger.error("embossing order %s was not written to the spool: %s; reissue the card once the key is set.",
                     order_id, code)
        return
    except OSError as exc:
        # The message names the order only: never the card number.
        logger.error("embossing order %s could not be written to the spool: %s", order_id, exc.strerror)
        return
    EmbossingOrder.objects.filter(pk=order_id).update(written_at=clock.now(), spool_file=path.name)


def _append(path: Path, data: bytes) -> None:
    """Append under an exclusive lock; if a collection took the file away meanwhile (it was unlinked
    while we waited), start a new file rather than write into a deleted one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    while True:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if os.fstat(descriptor).st_nlink == 0:
                continue
            os.write(descriptor, data)
            return
        finally:
            os.close(descriptor)


def spool_cards(on: dt.date) -> list[dict]:
    """The lines written for one issue date (ops tooling and tests): records in clear on the
    development default, `{"embossing_order", "age"}` envelopes under production settings."""
    path = spool_path(on)
    if not path.exists():
        return []
    return [json.loads(text) for text in path.read_text().splitlines() if text.strip()]


_SPOOL_NAME = re.compile(r"^embossing-(\d{4}-\d{2}-\d{2})\.jsonl(\.collecting)?$")
COLLECTING_SUFFIX = ".collecting"


@dataclass(frozen=True)
class CollectedFile:
    name: str
    records: int


def _spool_files() -> list[tuple[dt.date, Path]]:
    folder = Path(settings.EMBOSSING_DIR)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        match = _SPOOL_NAME.match(path.name)
        if match and path.is_file():
            found.append((dt.date.fromisoformat(match.group(1)), path))
    return found


def embossing_spool_collect(*, out_dir: Path) -> list[CollectedFile]:
    """Hand every spool file to the embosser and delete it from the spool (SPEC section 16, issue 15
    item 6: the spool is deleted once collected).

    Each file is first renamed (new orders start a new file), then copied to `out_dir` under its own
    name (never overwriting, mode 0600) and unlinked while its lock is held, so a line appended during
    the collection is either copied or goes to the next file, never lost."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    collected = []
    for _day, path in _spool_files():
        taken = path if path.name.endswith(COLLECTING_SUFFIX) else path.with_name(path.name + COLLECTING_SUFFIX)
        if taken != path:
            if taken.exists():
                continue  # an earlier collection of this day is unfinished: its own entry handles it
            os.rename(path, taken)
        descriptor = os.open(taken, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # waits for an append in progress
            content = b""
            while chunk := os.read(descriptor, 1 << 20):
                content += chunk
            target = out_dir / taken.name.removesuffix(COLLECTING_SUFFIX)
            if target.exists():
                target = out_dir / f"{target.stem}-{clock.now().strftime('%H%M%S%f')}.jsonl"
            out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(out, content)
                os.fsync(out)
            finally:
                os.close(out)
            os.unlink(taken)
        finally:
            os.close(descriptor)
        collected.append(CollectedFile(name=target.name, records=content.count(b"\n")))
    return collected


def embossing_spool_purge(*, on: dt.date) -> int:
    """Delete spool files of issue dates more than EMBOSSING_SPOOL_RETENTION_DAYS before `on` (SPEC
    section 16, issue 15 item 6: deleted after its retention even if never collected). Returns the
    number of files deleted; the embossing orders keep `written_at`, so ops can reissue those cards."""
    cutoff = on - dt.timedelta(days=settings.EMBOSSING_SPOOL_RETENTION_DAYS)
    deleted = 0
    for day, path in _spool_files():
        if day < cutoff:
            path.unlink(missing_ok=True)
            logger.warning("embossing spool file %s deleted after its retention (never collected)", path.name)
            deleted += 1
    return deleted
