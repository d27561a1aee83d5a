"""A fake of the gateway's public offers routes (DESIGN.md §4.0), served over real HTTP.

It answers the way the gateway's own code does (apps/api/src/routers/energy_offers.py):

- ``GET /api/energy/providers`` and ``GET /api/energy/offers`` need no credentials (an
  ``Authorization`` header is ignored, not checked).
- Answers are the envelope ``{"success": true, "data": [...], "error": null, "timestamp"}``
  with a naive UTC ``timestamp`` (``datetime.utcnow().isoformat()``).
- Prices are ``Numeric(10, 5)`` columns that FastAPI serialises as decimal strings
  (``"0.19520"``); unused prices are ``null``; dates are ISO datetimes with ``+00:00``.
- Without ``include_history=true`` only active rows whose ``valid_to`` is null or not past are
  listed; rows come newest ``valid_from`` first; ``provider_id`` filters.
- ``include_history`` is a FastAPI bool: ``true/false/1/0/yes/no/on/off`` (any case), anything
  else HTTP 422 ``{"detail": [{"loc": ["query", "include_history"], ...}]}``.
- Unknown path: HTTP 404 ``{"detail": "Not Found"}``.

``rows`` defaults to the demo catalogue's rows plus one row of each other offer type; tests
add rows, inject faults (``fail_next``) and read the requests the fake received (``calls``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from myelectricaldata.sources.demo_offers import demo_providers, demo_rows
from tests.fakes.serving import LoopbackServer

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def market_row(**fields: Any) -> dict[str, Any]:
    """A row of a non-regulated offer with every key the gateway sends (values as given)."""
    row: dict[str, Any] = {
        "id": "00000000-0000-0000-0000-000000000000",
        "provider_id": "prov-market",
        "name": "Offre",
        "offer_type": "BASE",
        "description": None,
        "subscription_price": "12.00000",
        "base_price": None,
        "hc_price": None,
        "hp_price": None,
        "base_price_weekend": None,
        "hc_price_weekend": None,
        "hp_price_weekend": None,
        "tempo_blue_hc": None,
        "tempo_blue_hp": None,
        "tempo_white_hc": None,
        "tempo_white_hp": None,
        "tempo_red_hc": None,
        "tempo_red_hp": None,
        "ejp_normal": None,
        "ejp_peak": None,
        "hc_price_winter": None,
        "hp_price_winter": None,
        "hc_price_summer": None,
        "hp_price_summer": None,
        "peak_day_price": None,
        "hc_schedules": None,
        "power_kva": 6,
        "price_updated_at": "2026-01-01T00:00:00+00:00",
        "valid_from": "2026-01-01T00:00:00+00:00",
        "valid_to": None,
        "offer_url": None,
        "is_active": True,
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    row.update(fields)
    return row


def market_rows() -> list[dict[str, Any]]:
    """One 6 kVA row of each offer type the demo catalogue lacks, as suppliers publish them."""
    weekend_hours = {
        day: "00:00-07:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    }
    return [
        market_row(
            id="11111111-0000-0000-0000-000000000001",
            name="Week-end Plus - 6 kVA",
            offer_type="WEEKEND",
            subscription_price="15.10000",
            hc_price="0.17000",
            hp_price="0.21000",
            hc_price_weekend="0.15000",
            hp_price_weekend="0.16000",
        ),
        market_row(
            id="11111111-0000-0000-0000-000000000002",
            name="Nuit et Week-end",
            offer_type="HC_NUIT_WEEKEND",
            subscription_price="15.20000",
            hc_price="0.15500",
            hp_price="0.23000",
        ),
        market_row(
            id="11111111-0000-0000-0000-000000000003",
            name="Deux saisons",
            offer_type="SEASONAL",
            subscription_price="15.30000",
            hc_price_winter="0.18000",
            hp_price_winter="0.26000",
            hc_price_summer="0.12000",
            hp_price_summer="0.17000",
            hc_schedules=weekend_hours | {"saturday": "00:00-24:00", "sunday": "00:00-24:00"},
        ),
        market_row(
            id="11111111-0000-0000-0000-000000000004",
            name="Deux saisons Pointe",
            offer_type="SEASONAL",
            subscription_price="15.30000",
            hc_price_winter="0.17000",
            hp_price_winter="0.24000",
            hc_price_summer="0.12000",
            hp_price_summer="0.16000",
            peak_day_price="0.90000",
        ),
        market_row(
            id="11111111-0000-0000-0000-000000000005",
            name="EJP",
            offer_type="EJP",
            subscription_price="15.40000",
            ejp_normal="0.16000",
            ejp_peak="0.70000",
        ),
    ]


def market_providers() -> list[dict[str, Any]]:
    """The provider of :func:`market_rows`."""
    return [
        {
            "id": "prov-market",
            "name": "Fournisseur Test",
            "logo_url": None,
            "website": None,
            "scraper_urls": None,
        }
    ]


class FakeOffers:
    """The fake's state and its HTTP server (one per test session, reset between tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server = LoopbackServer("fake-offers")
        self.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
        self.reset()

    def reset(self) -> None:
        """Default rows and providers, no fault, no recorded call."""
        with self._lock:
            self.rows: list[dict[str, Any]] = [*demo_rows(), *market_rows()]
            self.providers: list[dict[str, Any]] = [*demo_providers(), *market_providers()]
            self.calls: list[tuple[str, dict[str, str], dict[str, str]]] = []
            self._faults: list[tuple[str, dict[str, str]]] = []

    def fail_next(self, count: int, kind: str, **headers: str) -> None:
        """The next ``count`` requests fail: ``"503"``, ``"429"``, ``"malformed"`` (not JSON),
        ``"refused"`` (HTTP 200, ``success: false``)."""
        with self._lock:
            self._faults.extend((kind, headers) for _ in range(count))

    @property
    def url(self) -> str:
        """Base URL, like ``MED_API_URL`` (``.../api``)."""
        return f"http://127.0.0.1:{self._server.port}/api"

    def start(self) -> None:
        """Serve on a loopback port."""
        app = Starlette(
            routes=[
                Route("/api/energy/offers", self._offers),
                Route("/api/energy/providers", self._providers),
            ]
        )
        self._server.start(app)

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    # -- answers -------------------------------------------------------------------------------

    def _envelope(self, data: Any) -> Response:
        body = {
            "success": True,
            "data": data,
            "error": None,
            "timestamp": self.now.astimezone(UTC).replace(tzinfo=None).isoformat(),
        }
        return Response(json.dumps(body), media_type="application/json")

    def _fault(self) -> Response | None:
        with self._lock:
            if not self._faults:
                return None
            kind, headers = self._faults.pop(0)
        if kind in ("503", "429"):
            return Response(
                json.dumps({"detail": "unavailable"}),
                status_code=int(kind),
                headers=headers,
                media_type="application/json",
            )
        if kind == "malformed":
            return Response("<html>gateway timeout</html>", media_type="text/html")
        body = {
            "success": False,
            "data": None,
            "error": {"code": "INTERNAL_ERROR", "message": "database unavailable"},
            "timestamp": self.now.replace(tzinfo=None).isoformat(),
        }
        return Response(json.dumps(body), media_type="application/json")

    def _record(self, request: Request) -> None:
        with self._lock:
            self.calls.append((request.url.path, dict(request.query_params), dict(request.headers)))

    async def _providers(self, request: Request) -> Response:
        self._record(request)
        fault = self._fault()
        return fault or self._envelope(self.providers)

    async def _offers(self, request: Request) -> Response:
        self._record(request)
        fault = self._fault()
        if fault is not None:
            return fault
        raw = request.query_params.get("include_history", "false")
        if raw.lower() not in _TRUE | _FALSE:
            detail = [
                {
                    "type": "bool_parsing",
                    "loc": ["query", "include_history"],
                    "msg": "Input should be a valid boolean, unable to interpret input",
                    "input": raw,
                }
            ]
            return Response(
                json.dumps({"detail": detail}), status_code=422, media_type="application/json"
            )
        rows = list(self.rows)
        if raw.lower() in _FALSE:
            rows = [
                r
                for r in rows
                if r["is_active"]
                and (r["valid_to"] is None or datetime.fromisoformat(r["valid_to"]) >= self.now)
            ]
        provider = request.query_params.get("provider_id")
        if provider:
            rows = [r for r in rows if r["provider_id"] == provider]
        rows.sort(key=lambda r: r["valid_from"] or "", reverse=True)
        return self._envelope(rows)


_shared: FakeOffers | None = None


def shared_fake_offers() -> FakeOffers:
    """The session's fake (started on first use)."""
    global _shared
    if _shared is None:
        _shared = FakeOffers()
        _shared.start()
    return _shared


@contextmanager
def fake_offers() -> Iterator[FakeOffers]:
    """The shared fake, reset after use."""
    fake = shared_fake_offers()
    try:
        yield fake
    finally:
        fake.reset()
