"""Evidence files (SPEC section 12): PDF, PNG or JPEG only, judged by their first bytes rather than
by the name or the content type the browser claims, and no larger than the configured limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from amexprog.common.errors import ApplicationError

FILE_TOO_LARGE = _("The file is {size} bytes; evidence files may be at most {limit} bytes.")
FILE_EMPTY = _("The file is empty.")
FILE_TYPE_NOT_ALLOWED = _("Only PDF, PNG and JPEG files can be attached; this file is none of them.")

# The signature each allowed type starts with, and the type stored and served.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int


def max_attachment_bytes() -> int:
    return settings.DISPUTE_ATTACHMENT_MAX_BYTES


def attachment_check(upload: IO[bytes], *, size: int | None = None) -> CheckedFile:
    """Check an uploaded file's size and type; raises ApplicationError (code `invalid_attachment`)."""
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    limit = max_attachment_bytes()
    if size > limit:
        raise ApplicationError(str(FILE_TOO_LARGE).format(size=size, limit=limit), "invalid_attachment",
                               {"field": "file"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        raise ApplicationError(str(FILE_EMPTY), "invalid_attachment", {"field": "file"})
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return CheckedFile(content_type=content_type, extension=extension, size=size)
    raise ApplicationError(str(FILE_TYPE_NOT_ALLOWED), "invalid_attachment", {"field": "file"})
