"""The embosser's public key: the only way a full card number is written at rest (SPEC sections 16, 17;
issue 15 item 6).

The embossing spool (accounts.embossing) and the `import_cards --report` file are the only outputs that
carry a full PAN, and only for the embosser. Under production settings each is encrypted with `age`
(https://age-encryption.org) to the recipient ops configure in `EMBOSSER_AGE_RECIPIENT` (an
`age1…` X25519 public key; the embosser keeps the identity). With no recipient configured, production
writes nothing and refuses: an order is refused before any card is created. Only the development
default (`EMBOSSING_CLEARTEXT_ALLOWED`, never in production.py) may write them in clear, and says so.
"""

from __future__ import annotations

import logging

import pyrage
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from amexprog.common.errors import ApplicationError

logger = logging.getLogger(__name__)

NO_EMBOSSER_KEY = _(
    "No embosser key is configured (EMBOSSER_AGE_RECIPIENT): a card number cannot be written for the embosser, "
    "so no card was issued. Ask ops to configure the embosser's age public key."
)
CLEAR_TEXT_WARNING = (
    "WARNING: no embosser key is configured (EMBOSSER_AGE_RECIPIENT); this development setup writes full card "
    "numbers in clear. Production settings encrypt them to the embosser's age key and refuse without one."
)


def embosser_recipient() -> pyrage.x25519.Recipient | None:
    """The configured recipient; None when the development default allows clear text.

    Raises ApplicationError `embosser_key_missing` (503, a configuration fault) when neither applies
    (issue 15 item 6: no key, no file)."""
    value = (settings.EMBOSSER_AGE_RECIPIENT or "").strip()
    if value:
        try:
            return pyrage.x25519.Recipient.from_str(value)
        except pyrage.RecipientError as exc:
            raise ImproperlyConfigured("EMBOSSER_AGE_RECIPIENT is not an age X25519 recipient (age1…)") from exc
    if settings.EMBOSSING_CLEARTEXT_ALLOWED:
        return None
    raise ApplicationError(NO_EMBOSSER_KEY, "embosser_key_missing", status=503)


def embosser_key_required() -> None:
    """Refuse before anything is issued when a card number could not be written (issue 15 item 6)."""
    embosser_recipient()


def writes_in_clear() -> bool:
    """True on the development default without a key: the caller says so (issue 15 item 6)."""
    return not (settings.EMBOSSER_AGE_RECIPIENT or "").strip() and settings.EMBOSSING_CLEARTEXT_ALLOWED


def sealed(data: bytes) -> tuple[bytes, bool]:
    """`data` encrypted to the embosser (binary age format), or `data` itself on the development default.
    Returns (bytes, encrypted)."""
    recipient = embosser_recipient()
    if recipient is None:
        logger.warning("embosser output written in clear: no EMBOSSER_AGE_RECIPIENT (development settings)")
        return data, False
    return pyrage.encrypt(data, [recipient]), True
