"""A logging filter that masks anything shaped like a card number (SPEC section 3)."""

from __future__ import annotations

import logging
import re

# 13–19 digits, optionally separated by spaces or dashes: wide enough for any PAN, and for a
# mistyped one (which fails Luhn but is still nearly a card number). Digits after a decimal point
# (timings, amounts) are left alone.
_PAN_RE = re.compile(r"(?<![\d.])(?:\d[ -]?){12,18}\d(?!\d)")


def mask_pans(text: str) -> str:
    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"****{digits[-4:]}"

    return _PAN_RE.sub(_mask, text)


class MaskPanFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_pans(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
