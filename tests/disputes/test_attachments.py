"""Evidence files are judged by their first bytes, not their name or claimed type (SPEC section 12)."""

import io

import pytest

from amexprog.common.errors import ApplicationError
from disputes.attachments import FILE_EMPTY, FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, attachment_check
from tests.disputes.conftest import JPEG, PDF, PNG


@pytest.mark.parametrize(("content", "content_type", "extension"), [
    (PDF, "application/pdf", ".pdf"), (PNG, "image/png", ".png"), (JPEG, "image/jpeg", ".jpg")])
def test_pdf_png_and_jpeg_pass(content, content_type, extension):
    checked = attachment_check(io.BytesIO(content))
    assert (checked.content_type, checked.extension, checked.size) == (content_type, extension, len(content))


@pytest.mark.parametrize("content", [b"GIF89a....", b"PK\x03\x04 a zip or docx", b"<svg onload=alert(1)>",
                                     b"MZ\x90\x00 an .exe", b" %PDF-1.4 (not at the start)"])
def test_anything_else_is_refused(content):
    with pytest.raises(ApplicationError) as error:
        attachment_check(io.BytesIO(content))
    assert (error.value.code, error.value.message) == ("invalid_attachment", FILE_TYPE_NOT_ALLOWED)


def test_the_size_limit_and_empty_files(settings):
    settings.DISPUTE_ATTACHMENT_MAX_BYTES = 2048
    assert attachment_check(io.BytesIO(PDF + b"\x00" * (2048 - len(PDF)))).size == 2048
    with pytest.raises(ApplicationError) as error:
        attachment_check(io.BytesIO(PDF + b"\x00" * (2049 - len(PDF))))
    assert error.value.message == FILE_TOO_LARGE.format(size=2049, limit=2048)
    with pytest.raises(ApplicationError) as error:
        attachment_check(io.BytesIO(b""))
    assert error.value.message == FILE_EMPTY
