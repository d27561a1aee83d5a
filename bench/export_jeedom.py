"""A year of daily history plus the current values into the fake Jeedom: the exporter vs a bare
loop of the same requests with the same HTTP client.

The fake (tests/fakes/jeedom.py) runs in its own process, so that its work does not share this
process's GIL. The store holds one consumer with a year of daily energy and max power, and a
year of Tempo colours and EcoWatt levels. Per round:

- exporter: ``JeedomExporter`` as the service calls it: the consumption, max power, Tempo and
  EcoWatt batches, then the catalogue's current values (computed once beforehand, as the
  service does for every state exporter). That is, each run: find the Virtual equipments and
  their commands (created by a first, untimed run), build every ``cmd::event`` from the
  batches (store reads for the newest value included), send them one by one, read every answer
  for Jeedom's ``error`` key;
- bare: the very same request bodies, captured from the exporter beforehand, POSTed in the same
  order on an ``httpx.AsyncClient`` made by the same helper, each answer checked for ``error``.

Five rounds, alternating; the ratio is best exporter / best bare (target <= 1.3).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from tests.conftest import free_port

from bench.common import today
from myelectricaldata.domain.timeutil import PARIS, local_midnight
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
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.context import ExporterContext, StoreView
from myelectricaldata.exporters.http import make_client
from myelectricaldata.exporters.jeedom import JeedomConfig, JeedomExporter
from myelectricaldata.exporters.jeedom.client import API_PATH
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store

PDL = "09999000000042"
DAYS = 365
ROUNDS = 5
ROOT = Path(__file__).resolve().parent.parent
COLOURS = (TempoColor.BLUE, TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED)

Batches = tuple[ConsumptionData, ConsumptionData, TempoData, EcowattData]


def fill(store: Store, days: list[date]) -> None:
    """A Tempo consumer's year of daily values and max power, and a year of grid signals."""
    point = UsagePoint(
        PDL, name="bench", subscribed_power_kva=9, pricing_option=PricingOption.TEMPO
    )
    store.upsert_usage_point(point, Origin.GATEWAY, seen_on=days[0])
    daily = [DailyReading(d, 6000 + d.toordinal() % 997 * 7) for d in days]
    store.upsert_daily(PDL, Direction.CONSUMPTION, daily, Origin.GATEWAY)
    peaks = [
        MaxPowerReading(d, 3000 + d.toordinal() % 401 * 11, local_midnight(d) + timedelta(hours=19))
        for d in days
    ]
    store.upsert_max_power(PDL, peaks, Origin.GATEWAY)
    store.upsert_tempo([TempoDay(d, COLOURS[d.toordinal() % 4]) for d in days], Origin.GATEWAY)
    store.upsert_ecowatt(
        [EcoWattDay(d, 1 + d.toordinal() % 3, (1,) * 24) for d in days], Origin.GATEWAY
    )


def batches(store: Store, days: list[date]) -> Batches:
    """The data objects the export service hands over for this history (one batch each)."""

    def day_point(day: date, value: float, at: datetime | None = None) -> EnergyPoint:
        return EnergyPoint(local_midnight(day), local_midnight(day + timedelta(days=1)), value,
                           at=at)  # fmt: skip

    first, last = days[0], days[-1]
    daily = store.daily(PDL, Direction.CONSUMPTION, first, last)
    peaks = store.max_power(PDL, first, last)
    return (
        ConsumptionData(
            PDL, Stream.CONSUMPTION_DAILY, [day_point(r.day, r.value_wh) for r in daily]
        ),
        ConsumptionData(
            PDL,
            Stream.MAX_POWER,
            [day_point(r.day, r.value_va, r.at.astimezone(PARIS)) for r in peaks],
        ),
        TempoData(store.tempo(first, last)),
        EcowattData(store.ecowatt(first, last)),
    )


def exporter(url: str, key: str, store: Store) -> JeedomExporter:
    config = JeedomConfig(enabled=True, url=url, api_key=key, timezone="Europe/Paris")
    return JeedomExporter(config, ExporterContext(store=StoreView(store)))


async def exporter_round(
    url: str, key: str, store: Store, data: Batches, snapshot: StateSnapshot
) -> tuple[float, int]:
    """Seconds of one exporter run, and the values it sent."""
    made = exporter(url, key, store)
    try:
        started = time.perf_counter()
        sent = 0
        for item in data:
            if isinstance(item, ConsumptionData):
                result = await made.export_consumption(item)
            elif isinstance(item, TempoData):
                result = await made.export_tempo(item)
            else:
                result = await made.export_ecowatt(item)
            assert result.success, result.error
            sent += result.records_exported
        state = await made.export_state(snapshot)
        assert state.success, state.error
        return time.perf_counter() - started, sent + state.records_exported
    finally:
        await made.aclose()


async def captured_bodies(
    url: str, key: str, store: Store, data: Batches, snapshot: StateSnapshot
) -> list[bytes]:
    """The request bodies of one exporter run, in order (the bare loop's requests)."""
    bodies: list[bytes] = []

    async def keep(request: httpx.Request) -> None:
        bodies.append(request.content)

    made = exporter(url, key, store)
    made._jeedom()._http.event_hooks["request"].append(keep)
    try:
        for item in data:
            if isinstance(item, ConsumptionData):
                await made.export_consumption(item)
            elif isinstance(item, TempoData):
                await made.export_tempo(item)
            else:
                await made.export_ecowatt(item)
        await made.export_state(snapshot)
    finally:
        await made.aclose()
    return bodies


async def bare_round(url: str, bodies: list[bytes]) -> float:
    """Seconds to POST ``bodies`` one by one and check each answer."""
    async with make_client(url, timeout_s=30.0, verify_tls=True) as client:
        started = time.perf_counter()
        for body in bodies:
            answer = await client.post(
                API_PATH, content=body, headers={"Content-Type": "application/json"}
            )
            assert "error" not in answer.json(), answer.text
        return time.perf_counter() - started


def start_fake(key: str) -> tuple[subprocess.Popen[str], str]:
    """The fake Jeedom in its own process; returns it and its URL once it serves."""
    port = free_port()
    command = [sys.executable, "-m", "tests.fakes.jeedom", "--port", str(port), "--key", key]
    fake = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    ready = fake.stdout.readline()
    assert ready.startswith("ready"), ready
    return fake, ready.split()[1]


async def _main(store: Store) -> None:
    end = today()
    days = [end - timedelta(days=n) for n in range(DAYS, 0, -1)]
    fill(store, days)
    data = batches(store, days)
    snapshot = await compute_snapshot(store, now=datetime.combine(end, datetime.min.time(), UTC))
    key = secrets.token_hex(16)
    fake, url = start_fake(key)
    try:
        # A first run creates the equipments: every timed round then finds them, as later
        # runs of the service do.
        _, sent = await exporter_round(url, key, store, data, snapshot)
        bodies = await captured_bodies(url, key, store, data, snapshot)
        methods = [json.loads(body)["method"] for body in bodies]
        exporter_times: list[float] = []
        bare_times: list[float] = []
        for _ in range(ROUNDS):
            exporter_times.append((await exporter_round(url, key, store, data, snapshot))[0])
            bare_times.append(await bare_round(url, bodies))
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    events = methods.count("cmd::event")
    best_e, best_b = min(exporter_times), min(bare_times)
    print(
        f"jeedom export of {DAYS} days (consumption, max power, Tempo, EcoWatt) and "
        f"{len(snapshot.values)} current values: {sent} records, {len(bodies)} requests "
        f"({events} cmd::event, {len(bodies) - events} lookups), one per JSON-RPC call"
    )
    print(f"  exporter   best {best_e:.3f} s  runs {[round(t, 3) for t in exporter_times]}")
    print(f"  bare       best {best_b:.3f} s  runs {[round(t, 3) for t in bare_times]}")
    print(f"  per request: exporter {best_e / len(bodies) * 1000:.2f} ms, bare "
          f"{best_b / len(bodies) * 1000:.2f} ms")  # fmt: skip
    print(f"  ratio exporter/bare {best_e / best_b:.2f}  (target <= 1.3)")


def main() -> None:
    """Run the benchmark and print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            asyncio.run(_main(store))
        finally:
            store.close()


if __name__ == "__main__":
    main()
