"""The shared exporter contract, on the fake Domoticz (a fresh one per check).

Domoticz keeps the daily energy as one calendar row per (meter, day) and the load curve as
short-log rows keyed by their local wall-clock text at the interval's end: on the autumn DST
change two half-hours end at the same text and share one row (their powers averaged). What it
must hold is recomputed here from the suite's points; the fake's tables are read back through
the markers the exporter writes in each device's description. Max power, Tempo and EcoWatt have
no dated history in Domoticz: they are current values (the state checks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.domoticz import DomoticzExporter
from myelectricaldata.exporters.domoticz.catalogue import CATALOGUE
from myelectricaldata.exporters.testing import ExporterContract, Point, StateValue
from tests.conftest import free_port
from tests.fakes.domoticz import ADMIN, Device, FakeDomoticz

USER, PASSWORD = "linky", "s3cr3t-dz-pass"
STAMP = "%Y-%m-%d %H:%M:%S"
HISTORY = frozenset(
    {
        Stream.CONSUMPTION_DAILY,
        Stream.CONSUMPTION_DETAIL,
        Stream.PRODUCTION_DAILY,
        Stream.PRODUCTION_DETAIL,
    }
)


def short_log_rows(sent: Sequence[Point]) -> list[Point]:
    """The short-log rows of the suite's load curve: each 30-minute interval stamped at its end
    in Paris wall-clock time; intervals ending at the same text share a row, powers averaged."""
    groups: dict[tuple[Stream, str | None, str], list[float]] = defaultdict(list)
    for point in sent:
        assert isinstance(point.when, datetime)
        end = (point.when.astimezone(UTC) + timedelta(minutes=30)).astimezone(PARIS)
        groups[(point.stream, point.pdl, end.strftime(STAMP))].append(float(point.value))
    return [
        Point(stream, pdl, local_instant(text), round(sum(watts) / len(watts)))
        for (stream, pdl, text), watts in groups.items()
    ]


def local_instant(text: str) -> datetime:
    """A Domoticz short-log stamp as an aware Paris instant (the first of an ambiguous hour)."""
    return datetime.strptime(text, STAMP).replace(tzinfo=PARIS)


def marked(fake: FakeDomoticz) -> Iterator[tuple[list[str], Device]]:
    """Each device the exporter made, with its marker's key parts (``[pdl, what]`` or
    ``[measure]``)."""
    for device in fake.devices():
        head, *key, _kind = device.description.split(":")
        if head == "myelectricaldata" and key:
            yield key, device


def history_points(fake: FakeDomoticz) -> list[Point]:
    """The meters' calendar and short-log rows as contract points."""
    points = []
    for key, device in marked(fake):
        if len(key) != 2 or key[1] not in ("consumption", "production"):
            continue
        pdl, direction = key
        for day, (_counter, wh) in fake.calendar(device.idx).items():
            points.append(Point(Stream(f"{direction}_daily"), pdl, date.fromisoformat(day), wh))
        for stamp, (_reading, watts) in fake.short_log(device.idx).items():
            points.append(Point(Stream(f"{direction}_detail"), pdl, local_instant(stamp), watts))
    return points


def state_values(fake: FakeDomoticz) -> list[StateValue]:
    """What each measure device shows: a Custom sensor's number and axis label, a Text's text,
    an Alert's level."""
    values = []
    for key, device in marked(fake):
        measure = CATALOGUE.get(key[-1])
        if measure is None:
            continue
        scope = key[0] if len(key) == 2 else measure.scope
        if measure.kind == "number":
            label = device.raw_options.split(";", 1)[1]
            values.append(StateValue(scope, key[-1], float(device.svalue), label or None))
        elif measure.kind == "ecowatt":
            values.append(StateValue(scope, key[-1], device.nvalue, None))
        else:
            values.append(StateValue(scope, key[-1], device.svalue, None))
    return values


class TestDomoticzContract(ExporterContract):
    exporter_class = DomoticzExporter
    stored_streams = HISTORY
    fake: FakeDomoticz

    @pytest.fixture
    def domoticz(self) -> Iterator[FakeDomoticz]:
        """A fresh fake per check (its own devices and tables), Basic over plain HTTP on."""
        with FakeDomoticz({USER: (PASSWORD, ADMIN)}, allow_plain_basic_auth=True) as server:
            yield server
            assert server.violations == []

    @pytest.fixture
    def config(self, domoticz: FakeDomoticz) -> dict[str, Any]:
        self.fake = domoticz
        return {
            "enabled": True,
            "url": domoticz.url,
            "username": USER,
            "password": PASSWORD,
            "load_curve": True,
        }

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "url": f"http://127.0.0.1:{free_port()}",
            "username": USER,
            "password": "s3cr3t-unreachable-42",
            "token": "tok-dz-unreachable-99",
            "timeout_seconds": 5,
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"enabled": True}, "url"),
            ({"url": "domoticz.local:8080"}, "url"),
            ({"enabled": True, "url": "http://d:8080", "username": USER}, "password"),
            ({"enabled": True, "url": "http://d:8080", "auth": "bearer"}, "token"),
            ({"auth": "digest"}, "auth"),
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
            ({"pdls": ["123"]}, "pdls"),
            ({"measures": ["consumption_century"]}, "measures"),
            ({"devices": "09999000000001:consumption=0"}, "devices"),
            ({"devices": "kitchen_lamp=12"}, "devices"),
            ({"energy_device": "gas"}, "energy_device"),
            ({"load_curve_days": 30}, "load_curve_days"),
            ({"requests_per_second": -1}, "requests_per_second"),
        ]

    def expected(self, sent: Sequence[Point]) -> list[Point]:
        daily = [p for p in sent if p.stream in (Stream.CONSUMPTION_DAILY, Stream.PRODUCTION_DAILY)]
        curve = [p for p in sent if p.stream.per_pdl and p.stream.is_detail]
        return daily + short_log_rows(curve)

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        return history_points(self.fake)

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        return state_values(self.fake)


def test_the_expected_short_log_merges_the_repeated_autumn_hour() -> None:
    # 00:00Z-00:30Z ends at 02:30 CEST and 01:00Z-01:30Z at 02:30 CET: one row, "02:30:00".
    first = datetime(2024, 10, 27, 0, 0, tzinfo=UTC)
    again = datetime(2024, 10, 27, 1, 0, tzinfo=UTC)
    rows = short_log_rows(
        [
            Point(Stream.CONSUMPTION_DETAIL, "p", first, 400),
            Point(Stream.CONSUMPTION_DETAIL, "p", again, 1000),
        ]
    )
    assert [(r.when, r.value) for r in rows] == [(datetime(2024, 10, 27, 2, 30, tzinfo=PARIS), 700)]
