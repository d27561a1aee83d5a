"""The shared exporter contract, on the fake Home Assistant (statistics over its WebSocket API,
entities over its REST API).

Home Assistant keeps the energy as hourly long-term statistics, not as the points it was sent:
what it must hold is recomputed here from the suite's points (the load curve's energy summed per
UTC hour; a day without load curve as one row at its local midnight), and read back from the
fake's statistics summed over the tariff tags of each hour.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, Stream
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.home_assistant.exporter import HomeAssistantExporter
from myelectricaldata.exporters.home_assistant.rest import rest_entity_id
from myelectricaldata.exporters.testing import ExporterContract, Point, StateValue
from tests.conftest import free_port
from tests.fakes.homeassistant import FakeHomeAssistant, shared_fake_homeassistant

PREFIX = "myelectricaldata"
ENERGY = frozenset(
    {
        Stream.CONSUMPTION_DAILY,
        Stream.CONSUMPTION_DETAIL,
        Stream.PRODUCTION_DAILY,
        Stream.PRODUCTION_DETAIL,
    }
)


def hourly(sent: Sequence[Point]) -> list[Point]:
    """The hourly rows Home Assistant must hold for the suite's energy points, in Wh."""
    rows: dict[tuple[Stream, str | None, datetime | date], float] = defaultdict(float)
    curve_days: set[tuple[Direction, date]] = set()
    for point in sent:
        if point.stream.is_detail and point.stream.per_pdl and isinstance(point.when, datetime):
            hour = point.when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            # Every interval is 30 minutes: its energy is half its average power.
            rows[(point.stream, point.pdl, hour)] += float(point.value) / 2
            curve_days.add((point.stream.direction, point.when.astimezone(PARIS).date()))
    for point in sent:
        daily = point.stream in (Stream.CONSUMPTION_DAILY, Stream.PRODUCTION_DAILY)
        if (
            daily
            and isinstance(point.when, date)
            and (point.stream.direction, point.when) not in curve_days
        ):
            rows[(point.stream, point.pdl, point.when)] += float(point.value)
    return [Point(stream, pdl, when, wh) for (stream, pdl, when), wh in rows.items()]


def statistic_points(fake: FakeHomeAssistant) -> list[Point]:
    """The fake's energy statistics summed over the tags of each hour, as contract points: a
    day holding one row (at its local midnight) is a daily value, every other row an hour."""
    totals: dict[tuple[Direction, str, datetime], float] = defaultdict(float)
    for statistic_id in fake.statistic_ids():
        head, _, name = statistic_id.partition(":")
        if head != PREFIX:
            continue
        pdl, _, what = name.partition("_")
        if what.endswith("_consumption"):
            direction = Direction.CONSUMPTION
        elif what == "production":
            direction = Direction.PRODUCTION
        else:
            continue  # cost and revenue
        for row in fake.statistics(statistic_id):
            totals[(direction, pdl, row["start"])] += row["state"] * 1000
    per_day: dict[tuple[Direction, str, date], list[datetime]] = defaultdict(list)
    for direction, pdl, start in totals:
        per_day[(direction, pdl, start.astimezone(PARIS).date())].append(start)
    points = []
    for (direction, pdl, start), wh in totals.items():
        day = start.astimezone(PARIS).date()
        alone = per_day[(direction, pdl, day)] == [start] and start == local_midnight(day)
        stream = Stream(f"{direction.value}_{'daily' if alone else 'detail'}")
        points.append(Point(stream, pdl, day if alone else start, round(wh, 6)))
    return points


class TestHomeAssistantContract(ExporterContract):
    exporter_class = HomeAssistantExporter
    stored_streams = ENERGY
    fake: FakeHomeAssistant

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        self.fake = shared_fake_homeassistant()  # reset: this check's statistics only
        return {
            "enabled": True,
            "url": self.fake.url,
            "token": self.fake.token,
            "entities": "rest",
            "mqtt_reuse": False,
        }

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "url": f"http://127.0.0.1:{free_port()}",
            "token": "tok-ha-long-lived-1234",
            "mqtt_broker": "mqtt://linky:s3cr3t-mqtt-42@127.0.0.1:1",
            "timeout_seconds": 5,
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"enabled": True, "token": "t"}, "url"),
            ({"enabled": True, "url": "http://ha:8123"}, "token"),
            ({"url": "homeassistant.local"}, "url"),
            ({"statistic_id_prefix": "My Prefix"}, "statistic_id_prefix"),
            ({"pdls": ["123"]}, "pdls"),
            ({"entities": "mqttt"}, "entities"),
        ]

    def expected(self, sent: Sequence[Point]) -> list[Point]:
        return hourly(sent)

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        return statistic_points(self.fake)

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        states = []
        for value in published.values:
            entity = self.fake.states.get(rest_entity_id(value))
            if entity is None:
                continue
            shown: float | str = entity["state"]
            with contextlib.suppress(ValueError):
                shown = float(shown)
            unit = entity["attributes"].get("unit_of_measurement")
            states.append(StateValue(value.scope, value.key, shown, unit))
        return states


def test_the_expected_rows_sum_the_load_curve_per_hour() -> None:
    start = datetime(2024, 10, 26, 22, 0, tzinfo=UTC)  # local midnight of the 27th
    sent = [
        Point(Stream.CONSUMPTION_DETAIL, "p", start, 1000),
        Point(Stream.CONSUMPTION_DETAIL, "p", start + timedelta(minutes=30), 3000),
        Point(Stream.CONSUMPTION_DAILY, "p", date(2024, 10, 27), 9999),
        Point(Stream.CONSUMPTION_DAILY, "p", date(2024, 10, 28), 7000),
    ]
    assert sorted(p.key() for p in hourly(sent)) == sorted(
        [
            Point(Stream.CONSUMPTION_DETAIL, "p", start, 2000).key(),
            Point(Stream.CONSUMPTION_DAILY, "p", date(2024, 10, 28), 7000).key(),
        ]
    )
