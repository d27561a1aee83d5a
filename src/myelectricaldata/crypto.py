"""Secrets at rest: Fernet with a key from MED_SECRET_KEY or a 0600 key file in the data dir."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from myelectricaldata.domain.errors import MedError
from myelectricaldata.support.redaction import MASK

__all__ = ["MASK", "SecretBox", "SecretKeyError", "load_or_create_key", "mask"]


class SecretKeyError(MedError):
    """The key can't decrypt stored secrets: restore MED_SECRET_KEY or the key file."""


def load_or_create_key(data_dir: Path, env_key: str = "") -> bytes:
    """The Fernet key: MED_SECRET_KEY when set, else ``data_dir/secret.key`` (created 0600)."""
    if env_key:
        return env_key.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class SecretBox:
    """Encrypts and decrypts secrets; its repr never shows the key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise SecretKeyError(
                "MED_SECRET_KEY is not a valid Fernet key (32 url-safe base64 bytes); "
                "generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from exc

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def encrypt(self, plain: str) -> str:
        """Ciphertext of ``plain`` as text."""
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Plain text of a ciphertext made by :meth:`encrypt`."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError(
                "a stored secret can't be decrypted with the current key: restore the "
                "MED_SECRET_KEY or data-dir secret.key used when it was saved, or save it again"
            ) from exc


def mask(value: str | None) -> str:
    """The mask for a set secret, empty for an unset one."""
    return MASK if value else ""
