"""One year of daily history and the current values into the fake openHAB: the exporter vs the
same requests sent by a bare loop with the same HTTP client.

The fake (tests/fakes/openhab.py, as strict as in the tests) runs in its own process, so its
work does not share this process's GIL. The data is one PDL with production: 365 days of daily
consumption, production and max power and of Tempo colours, and the last 31 days of EcoWatt
signals (a day level and 24 hourly levels each: a year of them would be 9,125 requests, most of
the run), in a temp SQLite store; the states are the catalogue's snapshot of it.
openHAB has no bulk endpoint: every history point is one ``PUT /rest/persistence/items/...``.
Per round:

- exporter: a fresh ``OpenHABExporter`` (a new run: it lists the items once and checks the
  persistence service), the year's batches as the export service hands them, then
  ``export_state``;
- bare: what a hand-written script sends: per point, the UTC time and the state with its unit
  built with f-strings, one ``httpx.AsyncClient.put`` each, as many in flight (4) on the same
  client settings; then the states.

Before timing, one exporter run creates the items; the requests of the next are captured and
must equal the bare loop's (plus the exporter's two reads). Rounds alternate which goes first;
the ratio is best exporter / best bare (target <= 1.3).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import httpx
from tests.fakes.openhab import DEFAULT_TOKEN

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    MaxPowerReading,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ProductionData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.openhab import OpenHABConfig, OpenHABExporter
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store

PDL = "09999000000042"
DAYS = 365
END = date(2025, 6, 1)  # the day after the last one
ECOWATT_DAYS = 31
ROUNDS = 5
IN_FLIGHT = 4
ROOT = Path(__file__).resolve().parent.parent
COLORS = (TempoColor.BLUE, TempoColor.BLUE, TempoColor.WHITE, TempoColor.BLUE, TempoColor.RED)
Request = tuple[str, str, tuple[tuple[str, str], ...], bytes]


# -- the data --------------------------------------------------------------------------------------


def fill(store: Store) -> None:
    """A year of one PDL's daily values, max power, Tempo and EcoWatt."""
    days = [END - timedelta(days=DAYS - i) for i in range(DAYS)]
    point = UsagePoint(
        PDL,
        name="bench",
        subscribed_power_kva=9,
        pricing_option=PricingOption.BASE,
        has_consumption=True,
        has_production=True,
    )
    store.upsert_usage_point(point, Origin.DEMO, seen_on=days[0])
    for direction, base in ((Direction.CONSUMPTION, 9_000), (Direction.PRODUCTION, 3_000)):
        rows = [DailyReading(d, base + (i * 137) % 5_000) for i, d in enumerate(days)]
        store.upsert_daily(PDL, direction, rows, Origin.DEMO)
    peaks = [
        MaxPowerReading(d, 3_000 + (i * 97) % 6_000, datetime.combine(d, clock(19), PARIS))
        for i, d in enumerate(days)
    ]
    store.upsert_max_power(PDL, peaks, Origin.DEMO)
    store.upsert_tempo([TempoDay(d, COLORS[i % 5]) for i, d in enumerate(days)], Origin.DEMO)
    hourly = tuple([0] * 6 + [1] * 12 + [2] * 4 + [1] * 2)
    store.upsert_ecowatt(
        [EcoWattDay(d, 1 + i % 3, hourly) for i, d in enumerate(days)], Origin.DEMO
    )


def batches(store: Store) -> list[ConsumptionData | ProductionData | TempoData | EcowattData]:
    """The year as the export service hands it over (one batch per stream: under 1,000 rows)."""

    def day_point(day: date, value: float, at: datetime | None = None) -> EnergyPoint:
        start = datetime.combine(day, clock(), PARIS)
        end = datetime.combine(day + timedelta(days=1), clock(), PARIS)
        return EnergyPoint(start, end, value, at=at)

    first, last = END - timedelta(days=DAYS), END
    found: list[ConsumptionData | ProductionData | TempoData | EcowattData] = []
    for direction, stream, kind in (
        (Direction.CONSUMPTION, Stream.CONSUMPTION_DAILY, ConsumptionData),
        (Direction.PRODUCTION, Stream.PRODUCTION_DAILY, ProductionData),
    ):
        rows = store.daily(PDL, direction, first, last)
        found.append(kind(PDL, stream, [day_point(r.day, r.value_wh) for r in rows]))
    peaks = store.max_power(PDL, first, last)
    found.append(
        ConsumptionData(PDL, Stream.MAX_POWER, [day_point(p.day, p.value_va, p.at) for p in peaks])
    )
    found.append(TempoData(store.tempo(first, last)))
    found.append(EcowattData(store.ecowatt(first, last)))
    return found


# -- the two senders -------------------------------------------------------------------------------


async def exporter_round(
    url: str, data: list[Any], snapshot: StateSnapshot, seen: list[Request] | None = None
) -> float:
    """Seconds of one exporter run (history then states); ``seen`` collects its requests."""
    exporter = OpenHABExporter(OpenHABConfig(url=url, token=DEFAULT_TOKEN))
    if seen is not None:
        exporter._openhab()._http.event_hooks["request"].append(_keeper(seen))
    try:
        started = time.perf_counter()
        for batch in data:
            if isinstance(batch, ProductionData):
                result = await exporter.export_production(batch)
            elif isinstance(batch, ConsumptionData):
                result = await exporter.export_consumption(batch)
            elif isinstance(batch, TempoData):
                result = await exporter.export_tempo(batch)
            else:
                result = await exporter.export_ecowatt(batch)
            assert result.success, result.error
        result = await exporter.export_state(snapshot)
        assert result.success, result.error
        return time.perf_counter() - started
    finally:
        await exporter.aclose()


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _midnight(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, clock(hour), PARIS)


def bare_history(store: Store) -> Iterator[tuple[str, str, str]]:
    """(item, time, state) of every history point, the way a hand-written script builds them."""
    first, last = END - timedelta(days=DAYS), END
    for direction in Direction:
        item = f"MED_{PDL}_history_{direction.value}_daily"
        for row in store.daily(PDL, direction, first, last):
            yield item, _utc(_midnight(row.day)), f"{row.value_wh / 1000:.3f} kWh"
    for peak in store.max_power(PDL, first, last):
        yield f"MED_{PDL}_history_max_power_daily", _utc(_midnight(peak.day)), f"{peak.value_va} VA"
    for tempo in store.tempo(first, last):
        yield "MED_history_tempo_color", _utc(_midnight(tempo.day, 6)), tempo.color.value
    for eco in store.ecowatt(first, last):
        yield "MED_history_ecowatt_day", _utc(_midnight(eco.day)), str(eco.level)
        for hour, level in enumerate(eco.hourly):
            local = _midnight(eco.day, hour)
            if local.astimezone(UTC).astimezone(PARIS).hour == hour:  # no 02:00 in spring
                yield "MED_history_ecowatt_hourly", _utc(local), str(level)


def bare_states(snapshot: StateSnapshot) -> Iterator[tuple[str, str]]:
    """(item, state) of every current value, built by hand."""
    for value in snapshot.values:
        grid = value.scope in ("tempo", "ecowatt")
        item = f"MED_{value.key}" if grid else f"MED_{value.scope}_{value.key}"
        if value.value is None:
            yield item, "UNDEF"
        elif value.device_class == "timestamp":
            yield item, _utc(datetime.fromisoformat(str(value.value)))
        elif isinstance(value.value, str) or value.unit in (None, "EUR"):
            yield item, str(value.value)
        else:
            yield item, f"{value.value} {value.unit}"


async def bare_round(
    url: str, store: Store, snapshot: StateSnapshot, seen: list[Request] | None = None
) -> float:
    """Seconds of the same requests sent by a plain loop, ``IN_FLIGHT`` at a time."""
    async with httpx.AsyncClient(
        base_url=f"{url}/rest",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=30,
        limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT),
    ) as client:
        if seen is not None:
            client.event_hooks["request"].append(_keeper(seen))
        started = time.perf_counter()

        def history() -> Iterator[Callable[[], Awaitable[httpx.Response]]]:
            for item, at, state in bare_history(store):
                params = {"serviceId": "jdbc", "time": at, "state": state}
                yield lambda i=item, p=params: client.put(f"/persistence/items/{i}", params=p)

        def states() -> Iterator[Callable[[], Awaitable[httpx.Response]]]:
            plain = {"Content-Type": "text/plain; charset=utf-8"}
            for item, state in bare_states(snapshot):
                yield lambda i=item, s=state: client.put(
                    f"/items/{i}/state", content=s.encode(), headers=plain
                )

        for jobs in (history(), states()):

            async def worker(jobs: Iterator[Callable[[], Awaitable[httpx.Response]]]) -> None:
                for job in jobs:
                    answer = await job()
                    assert answer.status_code < 300, (answer.status_code, answer.text)

            await asyncio.gather(*(worker(jobs) for _ in range(IN_FLIGHT)))
        return time.perf_counter() - started


def _keeper(seen: list[Request]) -> Callable[[httpx.Request], Awaitable[None]]:
    async def keep(request: httpx.Request) -> None:
        params = tuple(sorted(request.url.params.multi_items()))
        seen.append((request.method, request.url.path, params, request.content))

    return keep


# -- the fake's process ----------------------------------------------------------------------------


def start_fake() -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openhab"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    ready = fake.stdout.readline()
    assert ready.startswith("ready"), ready
    return fake, ready.split()[1]


def fake_counts(fake: subprocess.Popen[str]) -> tuple[int, int]:
    """Requests and accepted writes the fake has answered so far."""
    assert fake.stdin is not None and fake.stdout is not None
    fake.stdin.write("counts\n")
    fake.stdin.flush()
    _, requests, writes = fake.stdout.readline().split()
    return int(requests), int(writes)


async def _main(store: Store) -> None:
    data = batches(store)
    snapshot = await compute_snapshot(store, now=datetime.combine(END, clock(12), UTC))
    fake, url = start_fake()
    try:
        await exporter_round(url, data, snapshot)  # creates the items
        ours: list[Request] = []
        theirs: list[Request] = []
        await exporter_round(url, data, snapshot, ours)
        await bare_round(url, store, snapshot, theirs)
        reads = [r for r in ours if r[0] == "GET"]
        assert [r[1] for r in reads] == ["/rest/persistence", "/rest/items"], reads
        assert Counter(r for r in ours if r[0] != "GET") == Counter(theirs), "not the same requests"
        points = sum(1 for r in theirs if "/persistence/" in r[1])
        print(
            f"openHAB export of one year ({DAYS} days) of one PDL: {points} history points "
            f"and {len(theirs) - points} states, one request each, {IN_FLIGHT} in flight; "
            f"the exporter adds {len(reads)} reads (items, persistence services)"
        )
        exporter_times: list[float] = []
        bare_times: list[float] = []
        for round_ in range(ROUNDS):
            order = ("exporter", "bare") if round_ % 2 == 0 else ("bare", "exporter")
            for which in order:
                if which == "exporter":
                    exporter_times.append(await exporter_round(url, data, snapshot))
                else:
                    bare_times.append(await bare_round(url, store, snapshot))
        requests, writes = fake_counts(fake)
    finally:
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(timeout=10)
    best_e, best_b = min(exporter_times), min(bare_times)
    print(f"  exporter   best {best_e:.3f} s  runs {[round(t, 3) for t in exporter_times]}")
    print(f"  bare       best {best_b:.3f} s  runs {[round(t, 3) for t in bare_times]}")
    print(f"  ratio exporter/bare {best_e / best_b:.2f}  (target <= 1.3)")
    print(
        f"  per request: exporter {best_e / len(theirs) * 1000:.2f} ms, "
        f"bare {best_b / len(theirs) * 1000:.2f} ms"
    )
    print(f"  fake: {requests} requests answered, {writes} accepted writes")


def main() -> None:
    """Run the benchmark and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            fill(store)
            asyncio.run(_main(store))
        finally:
            store.close()


if __name__ == "__main__":
    main()
