"""Card numbers (SPEC section 3): 15 digits, prefix 37, Luhn-valid; stored only as HMAC + last 4.

The full PAN exists in memory between generation and the embossing report, and when a charge file
or authorization presents it; it is never written to the database, a log or a page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

PAN_PREFIX = "37"
PAN_LENGTH = 15


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial + digit` pass the Luhn check."""
    total = 0
    # Walking from the right of the partial number, the first digit is the one that gets doubled.
    for index, char in enumerate(reversed(partial)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or len(number) < 2:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def generate_pan() -> str:
    body = PAN_PREFIX + "".join(secrets.choice("0123456789") for _ in range(PAN_LENGTH - len(PAN_PREFIX) - 1))
    return body + luhn_check_digit(body)


def is_valid_pan(number: str) -> bool:
    return len(number) == PAN_LENGTH and number.startswith(PAN_PREFIX) and luhn_valid(number)


def pan_hash(number: str) -> str:
    """The keyed look-up hash of a card number (HMAC-SHA256 with settings.PAN_HMAC_KEY)."""
    return hmac.new(settings.PAN_HMAC_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask_pan(last4: str) -> str:
    """What PAs and cardmembers see: the last four digits only."""
    return f"•••• •••••• •{last4}"
