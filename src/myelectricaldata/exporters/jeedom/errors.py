"""What can go wrong talking to Jeedom, as one small hierarchy.

Every failure is a :class:`JeedomError` whose message says what to fix. The transient ones are
also a :class:`~myelectricaldata.support.retry.Retryable` (:class:`JeedomUnavailable`), so the
export's delivery retries them with the project's one backoff policy; the others are permanent
(a wrong key, an unknown id, a refused request) and stop the run.
"""

from __future__ import annotations

from typing import ClassVar

from myelectricaldata.support.retry import Retryable


class JeedomError(Exception):
    """Jeedom could not be used; the message says what to fix. Permanent unless
    :attr:`retryable`."""

    retryable: ClassVar[bool] = False


class JeedomUnavailable(JeedomError, Retryable):
    """No usable answer this time (down, timeout, 5xx, database busy): try again later."""

    retryable: ClassVar[bool] = True

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        Retryable.__init__(self, reason, status=status, retry_after=retry_after)


class JeedomProtocolError(JeedomError):
    """The answer is not Jeedom's JSON-RPC (wrong URL, a proxy, a banned address, a shape this
    client does not know)."""


class JeedomTimezoneUnknown(JeedomError):
    """Jeedom did not tell its time zone (a plugin key cannot read the core configuration)."""


class JeedomRpcError(JeedomError):
    """A JSON-RPC ``error`` answer: ``code`` as received, ``jeedom_message`` (key masked)."""

    def __init__(self, method: str, code: int, jeedom_message: str, hint: str) -> None:
        super().__init__(f"Jeedom refused {method} (code {code}: {jeedom_message}): {hint}")
        self.method = method
        self.code = code
        self.jeedom_message = jeedom_message


class JeedomAuthError(JeedomRpcError):
    """The key was refused, or the API is disabled for it: fix ``api_key`` / ``plugin``."""


class JeedomNotFound(JeedomRpcError):
    """An object, equipment or command id that Jeedom does not have."""


class JeedomUnknownMethod(JeedomRpcError):
    """A method this Jeedom does not know (older than 4.x, or the method is forbidden)."""


class JeedomSetupError(JeedomError):
    """Jeedom's side is not set up the way the export needs (a disabled equipment, a command
    that is not historized, a name taken by another command): the message says what to change
    in Jeedom."""
