"""Where a config sends its secrets, and whether a new config still sends them there.

A secret the user saved is bound to the destination it was saved with: a form that sends it
back masked (``********``) may reuse it only while the destination is the same place, so that
nobody who can post a form can have the saved secret sent to an address of their choosing.
"The same place" is the same scheme, host and port, and a path at or under the saved one
(``https://ha.lan/base`` covers ``https://ha.lan/base/api``, not ``https://ha.lan/other``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

import httpx

#: Ports a scheme implies when the URL gives none (a URL spelling them out is the same place).
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "mqtt": 1883, "mqtts": 8883}


def _segments(raw_path: str) -> tuple[str, ...]:
    """The path's segments after percent-decoding and resolving ``.``/``..``: the way a lenient
    server may read it, so that ``/hook/..%2Fother`` is not taken for a path under ``/hook``."""
    resolved: list[str] = []
    for part in unquote(raw_path).replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        resolved.append(part)
    return tuple(resolved)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A network address a secret is sent to: scheme, host, port and path (no credentials,
    query or fragment: those do not change who receives the request)."""

    scheme: str
    host: str
    port: int | None
    path: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Endpoint | None:
        """The endpoint of a URL such as ``https://host:8443/base``; ``None`` when ``text`` is
        not an absolute URL with a host."""
        if "://" not in text:
            return None
        try:
            url = httpx.URL(text.strip())
        except (httpx.InvalidURL, TypeError, ValueError):
            return None
        if not url.scheme or not url.host:
            return None
        scheme = url.scheme.lower()
        port = url.port if url.port is not None else DEFAULT_PORTS.get(scheme)
        host = url.raw_host.decode("ascii", "replace").lower()
        path = url.raw_path.partition(b"?")[0]  # (httpx's raw path carries the query)
        return cls(scheme, host, port, _segments(path.decode("ascii", "replace")))

    def covers(self, other: Endpoint) -> bool:
        """True when ``other`` is this place: same scheme, host and port, and a path equal to
        or under this one."""
        return (self.scheme, self.host, self.port) == (
            other.scheme,
            other.host,
            other.port,
        ) and other.path[: len(self.path)] == self.path

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        implied = self.port is None or DEFAULT_PORTS.get(self.scheme) == self.port
        port = "" if implied else f":{self.port}"
        return f"{self.scheme}://{host}{port}/{'/'.join(self.path)}"


Place = Endpoint | str


def _place(value: object) -> Place:
    if isinstance(value, str):
        endpoint = Endpoint.parse(value)
        return endpoint if endpoint is not None else value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Destination:
    """The places a config's secrets go to, one per destination field (URLs as
    :class:`Endpoint`, other values such as a host name or a port as text)."""

    places: tuple[tuple[str, Place], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, object]) -> Destination:
        """A destination from field values: URLs are parsed, anything else kept as text."""
        return cls(tuple((name, _place(value)) for name, value in values.items()))

    def covers(self, other: Destination) -> bool:
        """True when a secret saved for this destination may be sent to ``other``."""
        if [name for name, _ in self.places] != [name for name, _ in other.places]:
            return False
        for (_, mine), (_, theirs) in zip(self.places, other.places, strict=True):
            if isinstance(mine, Endpoint) and isinstance(theirs, Endpoint):
                if not mine.covers(theirs):
                    return False
            elif mine != theirs:
                return False
        return True

    def __str__(self) -> str:
        shown = [(name, str(place)) for name, place in self.places if str(place)]
        if not shown:
            return "no destination"
        if len(self.places) == 1:
            return shown[0][1]
        return ", ".join(f"{name}={text}" for name, text in shown)
