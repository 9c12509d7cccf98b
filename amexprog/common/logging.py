"""Masking card numbers in what people and logs see (SPEC sections 3 and 17, PCI DSS 3.4.1).

`mask_pans` rewrites anything shaped like a card number to `****` and its last four digits.
`MaskPanFilter` does it to every log record — its message, its traceback and its stack — and
`pan_masking_install` puts that filter on every handler, so records of loggers that do not
propagate to the root (Django's own, Celery's) pass through it too (issue 15 item 12).
"""

from __future__ import annotations

import logging
import re

# 13–19 digits, optionally separated by single spaces or dashes, standing on their own: not inside a
# word, a hex string or a UUID (issue 15 item 12: the old pattern turned a Celery task id into
# `3b2ca8fe-****7805…`), and not the digits after a decimal point (timings, amounts).
_PAN_RE = re.compile(
    r"(?<![0-9A-Za-z.])(?<![0-9A-Za-z]-)"  # not glued to a word or to a dashed identifier before it
    r"\d(?:[ -]?\d){12,18}"
    r"(?![0-9A-Za-z])(?!-[0-9A-Za-z])"  # nor after it
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def mask_pans(text: str, *, luhn_only: bool = False) -> str:
    """`text` with every card-number-shaped run of digits masked to `****` + its last four.

    Error reports mask any such run, Luhn-valid or not: a mistyped card number is still nearly one.
    Logs (`luhn_only=True`) mask the Luhn-valid runs, which every issued card number is, and leave
    other long numbers (timestamps in milliseconds, references) readable."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if luhn_only and not _luhn_valid(digits):
            return match.group(0)
        return f"****{digits[-4:]}"

    return _PAN_RE.sub(_mask, text)


def _mask_log_text(text: str) -> str:
    return mask_pans(text, luhn_only=True)


class MaskPanFilter(logging.Filter):
    """Masks card numbers in a record's message, formatted traceback and stack (issue 15 item 12)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: mask what there is rather than drop it
            message = str(record.msg)
        masked = _mask_log_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            # The formatted traceback (with the exception's message, which may carry the number) is
            # cached on the record, where formatters look first; the live exception is dropped so that
            # no handler formats it again unmasked.
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = _mask_log_text(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = _mask_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = _mask_log_text(record.stack_info)
        return True


def pan_masking_install() -> None:
    """Put a MaskPanFilter on every handler of every logger configured so far (root, Django's, Celery's):
    a filter on a logger sees only records logged to that very logger, a filter on a handler sees them all."""
    loggers = [logging.getLogger()] + [logger for logger in logging.Logger.manager.loggerDict.values()
                                       if isinstance(logger, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(existing, MaskPanFilter) for existing in handler.filters):
                handler.addFilter(MaskPanFilter())
