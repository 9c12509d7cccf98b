"""Webhook signatures (SPEC section 16): HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret,
sent as `Amexprog-Signature: t=<unix seconds>,v1=<hex>` — one v1 per valid secret, so during a rotation
a receiver holding either the old or the new secret can check it (as Stripe's `Stripe-Signature`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Amexprog-Signature"
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def webhook_secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature_of(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secrets_in_force: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature_of(secret=s, timestamp=timestamp, body=body)}"
                                         for s in secrets_in_force)])


def signature_verify(*, header: str, body: bytes, secret: str, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (the README shows the same in a few lines): the timestamp is recent and one
    v1 matches the HMAC of "<t>.<body>" under its secret, compared in constant time."""
    timestamp, candidates = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    expected = signature_of(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
