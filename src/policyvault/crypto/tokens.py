"""Tokens and signatures for the vault's messages to others: the confirmation token a
recipient sends back when it has erased what it was told to, and the signature on a webhook
call (HMAC-SHA256 over a timestamp and the body, the scheme most webhook senders use, so a
receiver can check origin and freshness).

A confirmation token is derived, not stored: HMAC-SHA256 of the forwarding's id under a
sub-key of the blind-index key (HKDF, its own label). The vault can rebuild it for every
reminder, a stolen database does not yield it, and only its SHA-256 is kept for lookup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from policyvault.crypto.hazmat import SecretKey, derive_key, hmac_sha256

_INFO_CONFIRMATION: Final = b"policyvault/v1/forwarding/confirmation-token"


def confirmation_token(vault_key: SecretKey, forwarding_id: str) -> str:
    mac = hmac_sha256(derive_key(vault_key, _INFO_CONFIRMATION), forwarding_id.encode())
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    """What is stored to find a token again: its SHA-256 (tokens are 256-bit random or
    HMAC outputs, so a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def webhook_signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``."""
    # The secret is the shared one as configured, any length: plain HMAC (RFC 2104), which
    # every receiver's standard library checks.
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
