"""One redactor for every text that may quote a secret: logs, errors, API answers.

A secret is masked in the forms it travels in, not only as typed: URL-encoded, base64 (an
``Authorization: Basic`` value of ``user:password``, or of a token sent as the Basic user or
password), inside URLs' ``user:password@``, and the parts a secret carries (the password of a
broker URL, the ``user:password`` inside a saved ``Basic ...`` value). Credentials after
``Basic``/``Bearer``/``Token`` are masked even when they are not known.

:func:`redact_logs` applies redactors to every log record of the process, whoever logs it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import weakref
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

#: What every answer and log shows instead of a secret's value.
MASK = "********"

#: Shorter values are not masked: they would blank out ordinary words and digits.
MIN_SECRET_LENGTH = 3
#: A secret at least this long is also masked when a text shows it cut (``abcd...wxyz``, or
#: cut off at the end), as long as the part shown has :data:`MIN_CUT_LENGTH` characters.
MIN_CUT_SECRET = 16
MIN_CUT_LENGTH = 8
_CUT_MARK = re.compile(r"\.\.\.|…")

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


def _basic_value(secret: str) -> tuple[str, str] | None:
    """(user, password) of a ``Basic <base64>`` header value, else ``None``."""
    scheme, _, encoded = secret.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _url_login(secret: str) -> tuple[str, str] | None:
    """(user, password) of a URL's ``user:password@`` (percent-decoded), else ``None``."""
    if "://" not in secret or "@" not in secret:
        return None
    try:
        parts = urlsplit(secret.strip())
    except ValueError:
        return None
    if parts.password is None:
        return None
    return unquote(parts.username or ""), unquote(parts.password)


class Redactor:
    """Masks known secrets (and their encodings) and unknown credentials in texts.

    A long secret is also masked where a text shows it cut: the two ends of an elided dump
    (websockets logs frames as ``'{"access_token": "eyJhbGc...Xk9a"}'``) or a quote cut off at
    a length limit.

    Safe to share between threads: adding a secret replaces the sets of forms (never mutates
    them), and the compiled pattern is rebuilt when the set it was built from is no longer the
    current one.
    """

    __slots__ = ("__weakref__", "_compiled", "_cuts", "_forms")

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._forms: frozenset[str] = frozenset()
        self._cuts: frozenset[str] = frozenset()
        self._compiled: tuple[frozenset[str], re.Pattern[str]] | None = None
        for secret in secrets:
            self.add(secret)

    def _extend(self, forms: Iterable[str], cuts: Iterable[str] = ()) -> None:
        new = {form for form in forms if len(form) >= MIN_SECRET_LENGTH} - self._forms
        if new:
            self._forms = self._forms | new
        long = {form for form in cuts if len(form) >= MIN_CUT_SECRET} - self._cuts
        if long:
            self._cuts = self._cuts | long

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on: as typed, URL-encoded, base64, base64 as a Basic
        credential's user or password, and the credentials it carries itself (the password of
        a ``scheme://user:password@host`` URL, the ``user:password`` of a ``Basic`` value)."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        forms = {secret, secret.strip(), quote(secret, safe=""), quote_plus(secret)}
        forms |= _b64_forms(secret.encode())
        # A token sent as the Basic user with no password (openHAB), or as the password.
        forms |= _b64_forms(f"{secret}:".encode()) | _b64_forms(f":{secret}".encode())
        self._extend(forms, {secret.strip()})
        for login in (_basic_value(secret), _url_login(secret)):
            if login is not None:
                self.add_basic(*login)

    def add_basic(self, user: str | None, password: str | None) -> None:
        """Mask the ``Authorization: Basic`` value of ``user:password``, the pair in clear and
        the password."""
        self.add(password)
        if password:
            pair = f"{user or ''}:{password}"
            self._extend(_b64_forms(pair.encode()) | {pair})

    def merge(self, other: Redactor) -> None:
        """Mask every secret ``other`` masks, from now on."""
        self._extend(other._forms, other._cuts)

    def __call__(self, text: str) -> str:
        """``text`` with every secret form and credential replaced by :data:`MASK`."""
        forms = self._forms
        if forms:
            compiled = self._compiled
            if compiled is None or compiled[0] is not forms:
                # Longest first, so that a secret inside a longer form is not masked half-way.
                ordered = sorted(forms, key=len, reverse=True)
                compiled = (forms, re.compile("|".join(re.escape(form) for form in ordered)))
                self._compiled = compiled
            text = compiled[1].sub(MASK, text)
        if self._cuts:
            text = _mask_cuts(text, self._cuts)
        text = _SCHEME_CREDENTIAL.sub(_mask_credential, text)
        return _URL_USERINFO.sub(lambda m: f"{m[1]}{MASK}@", text)


def _cut_spans(text: str, secret: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where ``text`` shows a part of ``secret`` next to a cut: its start just before
    ``start``, its end just after ``end``."""
    spans = []
    head = secret[:MIN_CUT_LENGTH]
    found = text.find(head, max(0, start - len(secret) + 1), start)
    while found != -1:  # the leftmost match is the longest part
        if secret.startswith(text[found:start]) and start - found >= MIN_CUT_LENGTH:
            spans.append((found, start))
            break
        found = text.find(head, found + 1, start)
    tail = secret[-MIN_CUT_LENGTH:]
    stop = min(len(text), end + len(secret) - 1)
    found = text.rfind(tail, end, stop)
    while found != -1:  # the rightmost match is the longest part
        if secret.endswith(text[end : found + MIN_CUT_LENGTH]):
            spans.append((end, found + MIN_CUT_LENGTH))
            break
        found = text.rfind(tail, end, found + MIN_CUT_LENGTH - 1)
    return spans


def _mask_cuts(text: str, secrets: Iterable[str]) -> str:
    """``text`` with the parts of ``secrets`` it shows next to a cut (``...``, ``…``, its
    start or its end) masked."""
    cuts = [(m.start(), m.end()) for m in _CUT_MARK.finditer(text)]
    cuts += [(len(text), len(text)), (0, 0)]
    spans = sorted(
        span
        for start, end in cuts
        for secret in secrets
        for span in _cut_spans(text, secret, start, end)
    )
    if not spans:
        return text
    parts, last = [], 0
    for begin, finish in spans:
        if begin < last:  # overlapping spans: one mask
            last = max(last, finish)
            continue
        parts += [text[last:begin], MASK]
        last = finish
    parts.append(text[last:])
    return "".join(parts)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with ``secrets`` (and any credential after an auth scheme) masked."""
    return Redactor(secrets)(text)


# -- logs ------------------------------------------------------------------------------------------


def _scrub(record: logging.LogRecord, clean: Callable[[str], str]) -> None:
    """Mask secrets in a record's message, traceback and stack, in place."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format: logging reports it itself when the record is written
        message = None
    if message is not None:
        masked = clean(message)
        if masked != message:
            _replace_message(record, masked, clean)
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = clean(record.exc_text)
    if record.stack_info:
        record.stack_info = clean(record.stack_info)


def _replace_message(record: logging.LogRecord, masked: str, clean: Callable[[str], str]) -> None:
    # Formatters such as uvicorn's access log read ``record.args``: keep their shape when the
    # secrets sat in text arguments, else the record carries the masked text alone.
    args = record.args
    if isinstance(args, tuple) and isinstance(record.msg, str):
        kept = tuple(clean(a) if isinstance(a, str) else a for a in args)
        template = clean(record.msg)
        try:
            same = (template % kept if kept else template) == masked
        except (TypeError, ValueError, KeyError):
            same = False
        if same:
            record.msg, record.args = template, kept
            return
    record.msg, record.args = masked, ()


class _ScrubbingFactory:
    """The log record factory that masks the secrets of every registered redactor."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous
        self.redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()

    def clean(self, text: str) -> str:
        for redactor in list(self.redactors):
            text = redactor(text)
        return text

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        if len(self.redactors):
            _scrub(record, self.clean)
        return record


def redact_logs(redactor: Redactor) -> None:
    """Mask ``redactor``'s secrets (those it knows now and those added later) in every log record
    of this process, whichever library logs it at whichever level and whichever handler writes
    it: the masking happens when the record is made (a record factory), before any handler.

    The redactor is held weakly: it stops applying once its owner is gone, or after
    :func:`stop_redacting_logs`.
    """
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _ScrubbingFactory):
        factory = _ScrubbingFactory(factory)
        logging.setLogRecordFactory(factory)
    factory.redactors.add(redactor)


def stop_redacting_logs(redactor: Redactor) -> None:
    """Stop applying ``redactor`` to log records."""
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _ScrubbingFactory):
        factory.redactors.discard(redactor)
