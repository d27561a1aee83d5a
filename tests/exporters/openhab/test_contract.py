"""The shared exporter contract, on the fake openHAB (items, states, JDBC-like persistence).

openHAB keeps every point it was sent, in the item's unit: the read-back asks the fake's REST
API for each history item's points (``GET /rest/persistence/items/{item}``) and turns them into
the suite's terms (kWh back to Wh, local days from the instants). Item names are written here
from the documented layout (``MED_<pdl>_history_<series>``, ``MED_history_<signal>``), not
taken from the exporter's code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.openhab.client import OpenHABClient
from myelectricaldata.exporters.openhab.exporter import OpenHABExporter
from myelectricaldata.exporters.testing import CONTRACT_PDL, ExporterContract, Point, StateValue
from tests.conftest import free_port
from tests.fakes.openhab import FakeOpenHAB, shared_fake_openhab

SERVICE = "jdbc"
#: Every series the suite sends, the item openHAB holds it in, and how its points read.
SERIES: dict[Stream, str] = {
    Stream.CONSUMPTION_DAILY: f"MED_{CONTRACT_PDL}_history_consumption_daily",
    Stream.PRODUCTION_DAILY: f"MED_{CONTRACT_PDL}_history_production_daily",
    Stream.CONSUMPTION_DETAIL: f"MED_{CONTRACT_PDL}_history_consumption_load_curve",
    Stream.PRODUCTION_DETAIL: f"MED_{CONTRACT_PDL}_history_production_load_curve",
    Stream.MAX_POWER: f"MED_{CONTRACT_PDL}_history_max_power_daily",
    Stream.TEMPO: "MED_history_tempo_color",
    Stream.ECOWATT: "MED_history_ecowatt_day",
}
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def as_point(stream: Stream, at: datetime, state: str) -> Point:
    """A stored point in the suite's terms. A day's point must sit at its local midnight (Tempo:
    06:00); one that does not keeps its instant, so the comparison shows it."""
    pdl = CONTRACT_PDL if stream.per_pdl else None
    if stream.is_detail:
        return Point(stream, pdl, at, float(state))
    day = at.astimezone(PARIS).date()
    start = local_midnight(day)
    expected_at = start.replace(hour=6) if stream is Stream.TEMPO else start
    when: date | datetime = day if at == expected_at else at
    if stream in (Stream.CONSUMPTION_DAILY, Stream.PRODUCTION_DAILY):
        return Point(stream, pdl, when, float(Decimal(state) * 1000))  # kWh -> Wh
    if stream is Stream.TEMPO:
        return Point(stream, pdl, when, state)
    return Point(stream, pdl, when, float(state))


def state_value(fake: FakeOpenHAB, scope: str, key: str) -> StateValue | None:
    """What an item shows: a quantity with its unit, a plain number with the unit of its
    display pattern (``%.2f EUR``), or a text."""
    name = f"MED_{key}" if scope in ("tempo", "ecowatt") else f"MED_{scope}_{key}"
    item = fake.item(name)
    if item is None:
        return None
    state = item.state
    if state.kind == "quantity":
        assert state.number is not None
        return StateValue(scope, key, float(state.number), state.unit)
    if state.kind == "decimal":
        assert state.number is not None
        described = fake.metadata(name, "stateDescription")
        pattern = str(described.config.get("pattern", "")) if described else ""
        unit = pattern.split(" ", 1)[1] if " " in pattern else None
        return StateValue(scope, key, float(state.number), unit)
    return StateValue(scope, key, state.full, None)


class TestOpenHABContract(ExporterContract):
    exporter_class = OpenHABExporter
    fake: FakeOpenHAB

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        self.fake = shared_fake_openhab()  # reset: no item, empty persistence
        return {
            "enabled": True,
            "url": self.fake.url,
            "token": self.fake.token,
            "persistence_service": SERVICE,
            "load_curve_history": True,
            "concurrency": 8,
        }

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "url": f"http://127.0.0.1:{free_port()}",
            "token": "oh.unreachable.N0tTheReal0neButSecretAnyway42",
            "timeout_seconds": 5,
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"url": "openhab:8080"}, "url"),
            ({"url": "http://admin:pw@openhab:8080"}, "url"),
            ({"token": "oh.two parts"}, "token"),
            ({"auth_scheme": "digest"}, "auth_scheme"),
            ({"item_prefix": "9med"}, "item_prefix"),
            ({"persistence_service": "jdbc/mysql"}, "persistence_service"),
            ({"label_language": "de"}, "label_language"),
            ({"history": False, "load_curve_history": True}, "load_curve_history"),
            ({"concurrency": 0}, "concurrency"),
            ({"timeout_seconds": 0}, "timeout_seconds"),
        ]

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        points = []
        async with OpenHABClient(config["url"], config["token"]) as client:
            for stream, item in SERIES.items():
                if self.fake.item(item) is None:
                    continue
                held = await client.read_history(SERVICE, item, *EVER)
                points += [as_point(stream, p.at, p.state) for p in held.points]
        return points

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        found = (state_value(self.fake, v.scope, v.key) for v in published.values)
        return [value for value in found if value is not None]
