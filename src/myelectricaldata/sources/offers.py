"""The gateway's offers catalogue (DESIGN.md §4.0): ``GET /energy/offers?include_history=true``
and ``GET /energy/providers``, public routes (no auth), fetched at most daily.

The gateway answers its envelope ``{"success", "data", "error", "timestamp"}``; its prices are
PostgreSQL ``Numeric(10, 5)`` columns that FastAPI serialises as decimal *strings*
(``"0.19520"``), and its dates are ISO datetimes with an offset (``"2025-08-01T00:00:00+00:00"``)
or ``null``. ``valid_to`` is exclusive: the gateway closes a row at the ``valid_from`` of the row
that replaces it. Dates are read as Paris days.

The envelope is read strictly (anything else is an :class:`OffersUnavailable`); a row that
cannot be priced (unknown offer type such as ``ZEN_FLEX``, a missing or out-of-range price) is
left out and listed in :attr:`ParsedCatalogue.rejected` with the field at fault, never guessed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import httpx

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import (
    PRICE_FIELDS,
    Catalogue,
    Offer,
    OfferType,
    Provider,
    parse_hc_schedules,
    parse_kwh_price,
    parse_subscription,
)
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.sources.base import SourceError
from myelectricaldata.support.retry import (
    Backoff,
    GaveUp,
    Retryable,
    parse_retry_after,
    retrying,
)

logger = logging.getLogger(__name__)

OFFERS_PATH = "/energy/offers"
PROVIDERS_PATH = "/energy/providers"
#: A row without ``valid_from`` has been in force for as long as anyone knows.
OLDEST_DAY = date(1970, 1, 1)


class OffersUnavailable(SourceError):
    """The catalogue could not be read; the stored one stays in use. Try again later."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A catalogue row left out, the field at fault and why."""

    offer_id: str
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedCatalogue:
    """Offers read from the gateway and the rows that could not be used."""

    catalogue: Catalogue
    rejected: tuple[Rejected, ...]


# --------------------------------------------------------------------------- parsing


def _paris_day(value: object, field_name: str) -> date | None:
    """An ISO date or datetime (with offset, or naive UTC as the gateway stores it) as the Paris
    day it falls on; ``None`` for null."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field_name, f"{value!r} is not an ISO date")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field_name, f"{value!r} is not an ISO date") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(PARIS).date()


def _instant(value: object, field_name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field_name, f"{value!r} is not an ISO datetime")
    try:
        instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field_name, f"{value!r} is not an ISO datetime") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _text(row: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = row.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(key, f"{value!r} is not a non-empty text")
    return value.strip()


def parse_offer(
    row: object, providers: Mapping[str, Provider] | None = None, origin: str = "gateway"
) -> Offer:
    """One catalogue row as an :class:`Offer`; :class:`InvalidInput` names the field at fault."""
    if not isinstance(row, Mapping):
        raise InvalidInput("row", f"{type(row).__name__} is not an object")
    offer_id = _text(row, "id")
    provider_id = _text(row, "provider_id")
    name = _text(row, "name")
    assert offer_id is not None and provider_id is not None and name is not None
    kind = row.get("offer_type")
    try:
        offer_type = OfferType(str(kind))
    except ValueError:
        raise InvalidInput(
            "offer_type", f"{kind!r} is not an offer type this client prices"
        ) from None
    power = row.get("power_kva")
    if power is not None and (isinstance(power, bool) or not isinstance(power, int) or power <= 0):
        raise InvalidInput("power_kva", f"{power!r} is not a subscribed power in kVA")
    is_active = row.get("is_active")
    if not isinstance(is_active, bool):
        raise InvalidInput("is_active", f"{is_active!r} is not true or false")
    prices = {
        name: parse_kwh_price(row[name], name) for name in PRICE_FIELDS if row.get(name) is not None
    }
    provider = (providers or {}).get(provider_id)
    return Offer(
        id=offer_id,
        provider_id=provider_id,
        name=name,
        offer_type=offer_type,
        subscription_eur_month=parse_subscription(
            row.get("subscription_price"), "subscription_price"
        ),
        valid_from=_paris_day(row.get("valid_from"), "valid_from") or OLDEST_DAY,
        valid_to=_paris_day(row.get("valid_to"), "valid_to"),
        power_kva=power,
        prices=prices,
        hc_schedules=parse_hc_schedules(row.get("hc_schedules")),
        offer_url=_text(row, "offer_url", optional=True),
        is_active=is_active,
        price_updated_at=_instant(row.get("price_updated_at"), "price_updated_at"),
        provider_name=provider.name if provider else "",
        origin=origin,
    )


def parse_providers(data: object) -> list[Provider]:
    """The ``data`` list of ``/energy/providers``."""
    if not isinstance(data, list):
        raise OffersUnavailable(f"{PROVIDERS_PATH}: data is not a list")
    providers = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise OffersUnavailable(f"{PROVIDERS_PATH}: data[{i}] is not an object")
        try:
            provider_id = _text(item, "id")
            name = _text(item, "name")
            website = _text(item, "website", optional=True)
        except InvalidInput as exc:
            raise OffersUnavailable(
                f"{PROVIDERS_PATH}: data[{i}].{exc.field}: {exc.reason}"
            ) from None
        assert provider_id is not None and name is not None
        providers.append(Provider(provider_id, name, website))
    return providers


def parse_catalogue(
    offers: object, providers: Sequence[Provider] = (), origin: str = "gateway"
) -> ParsedCatalogue:
    """The ``data`` list of ``/energy/offers`` as a :class:`Catalogue`, bad rows left out."""
    if not isinstance(offers, list):
        raise OffersUnavailable(f"{OFFERS_PATH}: data is not a list")
    by_id = {p.id: p for p in providers}
    parsed: list[Offer] = []
    rejected: list[Rejected] = []
    for i, row in enumerate(offers):
        row_id = str(row.get("id", f"data[{i}]")) if isinstance(row, Mapping) else f"data[{i}]"
        try:
            parsed.append(parse_offer(row, by_id, origin))
        except InvalidInput as exc:
            rejected.append(Rejected(row_id, exc.field, exc.reason))
    if rejected:
        logger.info("offers catalogue: %d rows left out (first: %s)", len(rejected), rejected[0])
    return ParsedCatalogue(Catalogue(parsed, providers), tuple(rejected))


# --------------------------------------------------------------------------- client


class OffersClient:
    """Reads the catalogue from the gateway at ``base_url`` (no credentials: the routes are
    public). Retries 429, 5xx, timeouts and unreadable answers with the shared backoff."""

    def __init__(
        self,
        base_url: str,
        *,
        policy: Backoff | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._policy = policy or Backoff(attempts=4, base=1.0, cap=30.0)
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Accept": "application/json", "User-Agent": "myelectricaldata-local"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    async def __aenter__(self) -> OffersClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release connections."""
        await self._client.aclose()

    async def fetch(self) -> ParsedCatalogue:
        """Providers, then every offer with its history."""
        providers = parse_providers(await self._get(PROVIDERS_PATH, {}))
        data = await self._get(OFFERS_PATH, {"include_history": "true"})
        return parse_catalogue(data, providers)

    async def _get(self, path: str, params: dict[str, str]) -> object:
        async def attempt(_: int) -> object:
            try:
                response = await self._client.get(path, params=params)
            except httpx.TimeoutException:
                raise Retryable(f"{path}: timed out") from None
            except httpx.TransportError as exc:
                raise Retryable(f"{path}: {type(exc).__name__}") from None
            if response.status_code == 429 or response.status_code >= 500:
                raise Retryable(
                    f"{path}: HTTP {response.status_code}",
                    status=response.status_code,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            if response.status_code != 200:
                raise OffersUnavailable(
                    f"{path}: HTTP {response.status_code}; the gateway refused the request"
                )
            try:
                body = response.json()
            except ValueError:
                raise Retryable(f"{path}: the answer is not JSON") from None
            if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
                raise Retryable(f"{path}: the answer is not the gateway's envelope")
            if not body["success"]:
                error = body.get("error") or {}
                code = error.get("code", "?") if isinstance(error, dict) else "?"
                message = error.get("message", "") if isinstance(error, dict) else ""
                raise OffersUnavailable(f"{path}: the gateway answered {code} {message}".strip())
            return body.get("data")

        try:
            return await retrying(attempt, self._policy, sleep=self._sleep, what=path)
        except GaveUp as exc:
            raise OffersUnavailable(f"{exc}; the stored catalogue stays in use") from None


class OffersFeed(Protocol):
    """Where the catalogue comes from: the gateway (:class:`GatewayOffers`) or the demo's."""

    async def fetch(self) -> ParsedCatalogue:
        """The whole catalogue with its history; :class:`OffersUnavailable` when unreadable."""
        ...


class GatewayOffers:
    """The gateway's catalogue at ``base_url``, one :class:`OffersClient` per fetch (fetched at
    most daily: no connection is worth keeping open between two)."""

    def __init__(
        self,
        base_url: str,
        *,
        policy: Backoff | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self._policy = policy
        self._timeout = timeout
        self._transport = transport

    async def fetch(self) -> ParsedCatalogue:
        """Providers, then every offer with its history."""
        async with OffersClient(
            self.base_url, policy=self._policy, timeout=self._timeout, transport=self._transport
        ) as client:
            return await client.fetch()
