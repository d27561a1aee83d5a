"""One redactor for every text that may quote a secret: logs, errors, API answers.

A secret is masked in the forms it travels in, not only as typed: URL-encoded, base64 (an
``Authorization: Basic`` value of ``user:password``), and inside URLs' ``user:password@``.
Credentials after ``Basic``/``Bearer``/``Token`` are masked even when they are not known.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

#: What every answer and log shows instead of a secret's value.
MASK = "********"

#: Shorter values are not masked: they would blank out ordinary words and digits.
MIN_SECRET_LENGTH = 3

_SCHEME_CREDENTIAL = re.compile(
    r"\b(Basic|BASIC|basic|Bearer|BEARER|bearer|Token)(\s+|%20|\+)([A-Za-z0-9._~+/=%:-]{8,})"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")


def _b64_forms(raw: bytes) -> set[str]:
    encoded = base64.b64encode(raw).decode()
    return {encoded, encoded.rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}


def _mask_credential(match: re.Match[str]) -> str:
    credential = match[3]
    # Words after "Basic" in prose ("Basic authentication failed") are left alone: credentials
    # carry digits or base64/token punctuation.
    if credential == MASK or not any(c.isdigit() or c in "+/=._~-%:" for c in credential):
        return match[0]
    return f"{match[1]}{match[2]}{MASK}"


class Redactor:
    """Masks known secrets (and their encodings) and unknown credentials in texts."""

    __slots__ = ("_forms", "_pattern")

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on, with its URL-encoded and base64 forms."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        forms = {secret, secret.strip(), quote(secret, safe=""), quote_plus(secret)}
        forms |= _b64_forms(secret.encode())
        self._forms |= {form for form in forms if len(form) >= MIN_SECRET_LENGTH}
        self._pattern = None

    def add_basic(self, user: str | None, password: str | None) -> None:
        """Mask the ``Authorization: Basic`` value of ``user:password`` and the password."""
        self.add(password)
        if password:
            self._forms |= _b64_forms(f"{user or ''}:{password}".encode())
            self._pattern = None

    def __call__(self, text: str) -> str:
        """``text`` with every secret form and credential replaced by :data:`MASK`."""
        if self._forms:
            if self._pattern is None:
                # Longest first, so that a secret inside a longer form is not masked half-way.
                ordered = sorted(self._forms, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(form) for form in ordered))
            text = self._pattern.sub(MASK, text)
        text = _SCHEME_CREDENTIAL.sub(_mask_credential, text)
        return _URL_USERINFO.sub(lambda m: f"{m[1]}{MASK}@", text)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with ``secrets`` (and any credential after an auth scheme) masked."""
    return Redactor(secrets)(text)
