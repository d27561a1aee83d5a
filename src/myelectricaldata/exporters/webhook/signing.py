"""Standard Webhooks 1.0 signatures: ``whsec_`` secrets and ``v1,<base64 HMAC-SHA256>``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

_SECRET_PREFIX = "whsec_"
SECRET_HOWTO = (
    'python3 -c "import base64, secrets; '
    "print('whsec_' + base64.b64encode(secrets.token_bytes(32)).decode())\""
)


def decode_secret(secret: str) -> list[bytes]:
    """The HMAC keys of a ``secret`` setting: one per space-separated ``whsec_<base64>`` value.

    Raises ``ValueError`` naming the fix (never quoting the secret).
    """
    keys = []
    for part in secret.split():
        if not part.startswith(_SECRET_PREFIX):
            raise ValueError(
                "secret: expected whsec_ followed by base64 (Standard Webhooks); "
                f"create one with: {SECRET_HOWTO}"
            )
        try:
            key = base64.b64decode(part[len(_SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                "secret: the part after whsec_ is not valid base64; "
                f"create one with: {SECRET_HOWTO}"
            ) from None
        if not 24 <= len(key) <= 64:
            raise ValueError(
                "secret: the key must be 24 to 64 bytes once base64-decoded "
                f"(32 is usual); create one with: {SECRET_HOWTO}"
            )
        keys.append(key)
    return keys


def sign(keys: Sequence[bytes], event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64>`` per key, space-separated."""
    prefix = f"{event_id}.{timestamp}.".encode()
    signatures = []
    for key in keys:
        mac = hmac.new(key, prefix, hashlib.sha256)
        mac.update(body)
        signatures.append("v1," + base64.b64encode(mac.digest()).decode())
    return " ".join(signatures)
