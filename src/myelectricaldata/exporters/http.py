"""HTTP plumbing shared by the exporters that write over HTTP (part of the exporter kit).

InfluxDB and VictoriaMetrics take the same settings (a base URL, Basic auth or a token, a timeout,
TLS checking), read ``k=v,k2=v2`` tag/label lists from the environment, and report a failed
request the same way: an :class:`ExportError` whose ``retryable`` says whether trying again can
help (and ``retry_after`` how long the server asked to wait). What each server answers, and
what to tell the user about it, stays in each exporter.
"""

from __future__ import annotations

from typing import Any

import httpx

from myelectricaldata.exporters.base import ExportError
from myelectricaldata.exporters.fields import setting
from myelectricaldata.support.retry import parse_retry_after

#: User-Agent of the database exporters' requests.
USER_AGENT = "myelectricaldata"
#: Longest wait for a TCP connection, whatever the answer timeout.
CONNECT_TIMEOUT_S = 5.0


def retryable_status(status: int | None) -> bool:
    """Whether a request that got ``status`` (None: no answer, e.g. down or a timeout) may
    succeed when tried again: no answer, 408, 429 and 5xx may; any other status will not."""
    return status is None or status in (408, 429) or status >= 500


class ExportHTTPError(ExportError):
    """A request to a database failed; the message says what to fix.

    ``status`` is the HTTP status when the server answered with an error, else None.
    ``retryable`` is False when trying again can't help; when not given, it follows
    :func:`retryable_status`. ``retry_after`` is the wait the server asked for.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        *,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            retryable=retryable_status(status) if retryable is None else retryable,
            retry_after=retry_after,
        )
        self.status = status


def retry_after_of(response: httpx.Response) -> float | None:
    """Seconds the answer's ``Retry-After`` asks to wait, or ``None``."""
    return parse_retry_after(response.headers.get("Retry-After"))


def parse_pairs(value: Any, what: str) -> Any:
    """Accept ``{"k": "v"}`` or the environment form ``k=v,k2=v2`` (a pydantic "before"
    validator); ``what`` names the setting in the error, e.g. ``tags`` or ``labels``."""
    if isinstance(value, str):
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            key, sep, val = item.partition("=")
            if not sep:
                raise ValueError(f"{item!r} is not name=value: write {what} as k=v,k2=v2")
            pairs[key.strip()] = val.strip()
        return pairs
    return value


def check_base_url(value: str, example: str) -> str:
    """A server's base URL without a trailing slash; ``ValueError`` unless it is http(s) with a
    host and no credentials (those belong in username/password or token)."""
    url = httpx.URL(value.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"must be an http:// or https:// URL, e.g. {example}")
    if url.userinfo:
        raise ValueError("must not contain credentials: use username/password or token")
    return str(url).rstrip("/")


def timeout_field() -> Any:
    """The ``timeout_seconds`` config field: seconds to wait for one HTTP answer."""
    return setting(
        30.0,
        gt=0,
        le=600,
        fr=("Délai d'attente (s)", "Secondes d'attente d'une réponse HTTP."),
        en=("Timeout (s)", "Seconds to wait for one HTTP answer."),
    )


def verify_tls_field() -> Any:
    """The ``verify_tls`` config field: check the server's TLS certificate."""
    return setting(
        True,
        fr=("Vérifier le certificat TLS", "Vérifie le certificat TLS du serveur (https)."),
        en=("Verify the TLS certificate", "Check the server's TLS certificate (https)."),
    )


def make_client(
    url: str,
    *,
    timeout_s: float,
    verify_tls: bool,
    authorization: str | None = None,
    username: str = "",
    password: str = "",
) -> httpx.AsyncClient:
    """A client for ``url``: ``Authorization: <authorization>`` when given, else HTTP Basic
    when a username or password is set; ``timeout_s`` per answer (connecting: at most
    :data:`CONNECT_TIMEOUT_S`)."""
    headers = {"User-Agent": USER_AGENT}
    auth: httpx.Auth | None = None
    if authorization is not None:
        headers["Authorization"] = authorization
    elif username or password:
        auth = httpx.BasicAuth(username, password)
    return httpx.AsyncClient(
        base_url=url,
        headers=headers,
        auth=auth,
        timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
        # Loading the CA bundle costs ~20 ms per run: only https needs it.
        verify=verify_tls and url.startswith("https:"),
    )


async def send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    server: str,
    url: str,
    what: str,
    error: type[ExportHTTPError],
    wait_s: float | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request and return the answer, whatever its status.

    No answer (a timeout, a refused connection) raises ``error`` (retryable) naming ``server``
    at ``url`` and ``what`` was being done; ``wait_s`` replaces the client's timeout.
    """
    try:
        return await client.request(
            method,
            path,
            timeout=wait_s if wait_s is not None else httpx.USE_CLIENT_DEFAULT,
            **kwargs,
        )
    except httpx.TimeoutException:
        raise error(
            f"{server} at {url} did not answer {what} in time: check that it is "
            "running, or raise timeout_seconds",
            retryable=True,
        ) from None
    except httpx.HTTPError as exc:
        raise error(
            f"cannot reach {server} at {url} for {what} ({type(exc).__name__}: "
            f"{exc}): check url and that {server} is running",
            retryable=True,
        ) from None


def body_excerpt(response: httpx.Response, limit: int = 300) -> str:
    """The start of an answer's text on one line, for error messages."""
    return response.text.strip().replace("\n", " ")[:limit]
