"""Upload size limits enforced while the request streams in (SPEC section 17, issue 15 item 12).

Django spools an upload to memory or a temporary file before any form or serializer sees its size,
so a check in the form comes too late: a client could fill the disk. `LimitedUploadHandler` runs
first among settings.FILE_UPLOAD_HANDLERS, for the portal and the API alike: it refuses a request
whose declared length is over the limit before reading a byte, and stops one that streams past it
(chunked, or lying about its length) at the chunk that crosses it, before that chunk is handed on.
The API answers 413 `upload_too_large`; a portal page gets Django's 400 for a suspicious request.
The forms' own, smaller limits (order files, dispute evidence) still apply to what gets through.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext, gettext_noop
from rest_framework import exceptions, status

UPLOAD_TOO_LARGE = gettext_noop("The upload is larger than {limit} MB; nothing was stored.")


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


class UploadTooLarge(exceptions.APIException, SuspiciousOperation):
    """An upload over the limit: 413 in the API (an APIException), 400 elsewhere (a SuspiciousOperation)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(gettext(UPLOAD_TOO_LARGE).format(limit=max(1, limit // (1024 * 1024))), "upload_too_large")


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the request and stops at settings.UPLOAD_MAX_BYTES."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit:
            raise UploadTooLarge(self.limit)
        return None  # let the other handlers parse as usual

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(self.limit)
        return raw_data

    def file_complete(self, file_size: int):
        return None
