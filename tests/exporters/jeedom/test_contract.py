"""The shared exporter contract, on the fake Jeedom (tests/fakes/jeedom.py).

Jeedom keeps one history row per command and ``datetime`` (Jeedom's wall clock): a day's value
at its date, 00:00:00; the load curve as energy per hour of Jeedom's clock, the repeated autumn
hour holding both hours (it is one ``datetime``). What it must hold is recomputed here from the
suite's points, and read back from the fake's own tables.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.jeedom import JeedomExporter
from myelectricaldata.exporters.testing import CONTRACT_PDL, ExporterContract, Point, StateValue
from tests.conftest import free_port
from tests.fakes.jeedom import FakeJeedom, shared_fake_jeedom

PDL_EQ = f"myelectricaldata::{CONTRACT_PDL}"
GRID_EQ = "myelectricaldata::grid"
KEY = "0123456789abcdef0123456789abcdef"
#: Where each stream's history lives: equipment and command.
COMMANDS = {
    Stream.CONSUMPTION_DAILY: (PDL_EQ, "consumption_yesterday"),
    Stream.PRODUCTION_DAILY: (PDL_EQ, "production_yesterday"),
    Stream.MAX_POWER: (PDL_EQ, "max_power_yesterday"),
    Stream.CONSUMPTION_DETAIL: (PDL_EQ, "consumption_hourly"),
    Stream.PRODUCTION_DETAIL: (PDL_EQ, "production_hourly"),
    Stream.TEMPO: (GRID_EQ, "tempo_today"),
    Stream.ECOWATT: (GRID_EQ, "ecowatt_j0"),
}


def hourly(sent: Sequence[Point], zone: ZoneInfo) -> list[Point]:
    """The suite's points as Jeedom must hold them: load-curve energy (Wh) summed per hour of
    Jeedom's wall clock, at that wall hour's first instant; every other point as sent."""
    sums: dict[tuple[Stream, str | None, datetime], float] = defaultdict(float)
    kept: list[Point] = []
    for point in sent:
        if not point.stream.is_detail:
            kept.append(point)
            continue
        assert isinstance(point.when, datetime)
        wall = point.when.astimezone(zone).replace(minute=0, second=0, tzinfo=None)
        # Every interval is 30 minutes: its energy is half its average power.
        sums[(point.stream, point.pdl, wall)] += float(point.value) / 2
    for (stream, pdl, wall), wh in sums.items():
        kept.append(Point(stream, pdl, wall.replace(tzinfo=zone, fold=0), wh))
    return kept


def suite_value(stream: Stream, text: str) -> float | str:
    """A stored Jeedom value in the suite's terms: the colour, the level, VA, or Wh (Jeedom
    holds kWh)."""
    if stream is Stream.TEMPO:
        return text
    if stream in (Stream.MAX_POWER, Stream.ECOWATT):
        return float(text)
    return float(text) * 1000


class TestJeedomContract(ExporterContract):
    exporter_class = JeedomExporter
    fake: FakeJeedom

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        self.fake = shared_fake_jeedom()  # reset: this check's equipments and history only
        return {
            "enabled": True,
            "url": self.fake.url,
            "api_key": self.fake.core_key,
            "history_hourly": True,
            "timeout_seconds": 5,
        }

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "url": f"http://127.0.0.1:{free_port()}",
            "api_key": "jeedom-key-nobody-has-0123456789",
            "timeout_seconds": 5,
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"enabled": True, "api_key": KEY}, "url"),
            ({"enabled": True, "url": "http://jeedom.local"}, "api_key"),
            ({"url": "jeedom.local"}, "url"),
            ({"timezone": "Europe/Pariss"}, "timezone"),
            ({"plugin": "core"}, "plugin"),
            ({"commands": {"tempo today": 12}}, "commands"),
            ({"pdls": ["123"]}, "pdls"),
            ({"concurrency": 0}, "concurrency"),
            ({"object_id": 0}, "object_id"),
            ({"provisioning": "manual"}, "provisioning"),
            (
                {"enabled": True, "url": "http://j", "api_key": KEY, "provisioning": "mapping"},
                "commands",
            ),
        ]

    def expected(self, sent: Sequence[Point]) -> list[Point]:
        return hourly(sent, self.fake.timezone)

    def rows(self, equipment: str, key: str) -> list[tuple[str, str]]:
        """History rows of a command, none when it was never created."""
        try:
            command = self.fake.command(equipment, key)
        except KeyError:
            return []
        return self.fake.history(command.id)

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        points = []
        for stream, (equipment, key) in COMMANDS.items():
            pdl = CONTRACT_PDL if stream.per_pdl else None
            for wall, text in self.rows(equipment, key):
                when: date | datetime = self.fake.instant(wall)
                if not stream.is_detail and wall.endswith(" 00:00:00"):
                    when = date.fromisoformat(wall[:10])
                points.append(Point(stream, pdl, when, suite_value(stream, text)))
        return points

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        states = []
        for value in published.values:
            equipment = GRID_EQ if value.scope in ("tempo", "ecowatt") else PDL_EQ
            try:
                command = self.fake.command(equipment, value.key)
            except KeyError:
                continue
            shown = self.fake.current(command.id)
            with contextlib.suppress(TypeError, ValueError):
                shown = float(shown)
            states.append(StateValue(value.scope, value.key, shown, command.unite or None))
        return states
