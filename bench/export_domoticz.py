"""One year of daily history plus the catalogue's current values into the fake Domoticz: the
exporter vs the same requests sent by a bare loop with the same HTTP client.

The fake runs in a separate process (its work does not share this process's GIL) and is reset
to an empty Domoticz before each round. Per round:

- exporter: ``DomoticzExporter.export_consumption`` of 366 daily points then ``export_state``
  of a snapshot computed beforehand: it creates the Dummy hardware and the devices, reads the
  opening reading and the year from the store, maps every day to a dated ``udevice`` row,
  sends them one by one and checks each answer, then the current values;
- bare: the very requests the exporter sent (captured from the fake after the first round),
  replayed in order by a plain ``httpx.AsyncClient`` loop that checks each ``status: OK``.

Seven rounds, alternating (and which side goes first alternating too, so that a slow spell of a
shared machine hits both); the ratio is best exporter / best bare wall time (target <= 1.3).
The CPU time this process spent (``time.process_time``: the exporter's and httpx's work, not the
fake's) is printed too: it is far less sensitive to the machine's load than the wall time.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import free_port

from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.base import ConsumptionData, EnergyPoint, StateSnapshot
from myelectricaldata.exporters.context import ExporterContext, StoreView
from myelectricaldata.exporters.domoticz import DomoticzConfig, DomoticzExporter
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store

ROOT = Path(__file__).resolve().parent.parent
PDL = "09999000000001"
USER, PASSWORD = "bench", "bench-pass-1234"
FIRST = date(2024, 11, 1)
DAYS = 366
NOW = datetime(2025, 11, 2, 12, 0, tzinfo=UTC)
ROUNDS = 7


def year_store(path: Path) -> tuple[Store, ConsumptionData]:
    """A store holding a year of daily consumption of one HC/HP usage point, Tempo colours and
    EcoWatt signals; and the batch the export service would hand over for it."""
    store = Store.open(f"sqlite:///{path}")
    point = UsagePoint(
        PDL,
        name="bench",
        subscribed_power_kva=9,
        pricing_option=PricingOption.HC_HP,
        offpeak=parse_offpeak("HC (22H00-6H00)"),
        has_consumption=True,
        has_production=False,
    )
    store.upsert_usage_point(point, Origin.DEMO, seen_on=date(2020, 1, 1))
    days = [FIRST + timedelta(days=i) for i in range(DAYS)]
    readings = [DailyReading(d, 7_000 + (i * 613) % 9_000) for i, d in enumerate(days)]
    store.upsert_daily(PDL, Direction.CONSUMPTION, readings, Origin.DEMO)
    colours = (TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED)
    store.upsert_tempo([TempoDay(d, colours[i % 3]) for i, d in enumerate(days)], Origin.DEMO)
    today = NOW.date()
    store.upsert_ecowatt([EcoWattDay(today, 1, tuple([1] * 24), "")], Origin.DEMO)
    points = [
        EnergyPoint(local_midnight(r.day), local_midnight(r.day + timedelta(days=1)), r.value_wh)
        for r in readings
    ]
    return store, ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, points, point)


Timing = tuple[float, float]  # (wall seconds, CPU seconds of this process)


async def exporter_round(
    url: str, store: Store, batch: ConsumptionData, snapshot: StateSnapshot
) -> tuple[Timing, int]:
    config = DomoticzConfig(enabled=True, url=url, username=USER, password=PASSWORD)
    started, cpu = time.perf_counter(), time.process_time()
    exporter = DomoticzExporter(config, ExporterContext(store=StoreView(store)))
    try:
        history = await exporter.export_consumption(batch)
        state = await exporter.export_state(snapshot)
    finally:
        await exporter.aclose()
    elapsed = (time.perf_counter() - started, time.process_time() - cpu)
    assert history.success and state.success, (history.error, state.error)
    return elapsed, history.records_exported + state.records_exported


async def bare_round(url: str, requests: list[dict[str, str]]) -> Timing:
    """The same requests, by hand: one GET each, its JSON read and its status checked."""
    started, cpu = time.perf_counter(), time.process_time()
    async with httpx.AsyncClient(
        base_url=url, auth=httpx.BasicAuth(USER, PASSWORD), timeout=30
    ) as client:
        for params in requests:
            answer = await client.get("/json.htm", params=params)
            assert answer.status_code == 200 and answer.json()["status"] == "OK", answer.text
    return time.perf_counter() - started, time.process_time() - cpu


async def control(url: str, method: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        answer = await client.request(method, f"/_fake/{path}")
        answer.raise_for_status()
        return answer.json()


def start_fake() -> tuple[subprocess.Popen[str], str]:
    """The fake in its own process; returns it and its URL once it serves."""
    command = [sys.executable, "-m", "tests.fakes.domoticz", "--port", str(free_port())]
    fake = subprocess.Popen(
        [*command, "--user", USER, "--password", PASSWORD],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    ready = fake.stdout.readline()
    assert ready.startswith("ready"), ready
    return fake, ready.split()[1]


async def _main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-domoticz-") as folder:
        store, batch = year_store(Path(folder) / "bench.db")
        snapshot = await compute_snapshot(store, now=NOW)
        fake, url = start_fake()
        try:
            exporter_times: list[Timing] = []
            bare_times: list[Timing] = []
            # The exporter's requests, captured from the fake after its first run.
            await control(url, "POST", "reset")
            _, sent = await exporter_round(url, store, batch, snapshot)
            requests = [r["params"] for r in await control(url, "GET", "requests")]
            for number in range(ROUNDS):
                for side in ("exporter", "bare") if number % 2 else ("bare", "exporter"):
                    await control(url, "POST", "reset")
                    if side == "exporter":
                        timing, _ = await exporter_round(url, store, batch, snapshot)
                        exporter_times.append(timing)
                    else:
                        bare_times.append(await bare_round(url, requests))
                    done = await control(url, "GET", "requests")
                    assert all(r["status"] == 200 for r in done)
                    assert [r["params"] for r in done] == requests, f"{side}: other requests"
        finally:
            fake.terminate()
            fake.wait(timeout=10)
            store.close()
    kinds: dict[str, int] = {}
    for params in requests:
        kinds[params["param"]] = kinds.get(params["param"], 0) + 1
    best_e, best_b = min(t[0] for t in exporter_times), min(t[0] for t in bare_times)
    cpu_e, cpu_b = min(t[1] for t in exporter_times), min(t[1] for t in bare_times)
    print(
        f"domoticz export of {DAYS} daily rows and {len(snapshot.values)} current values: "
        f"{len(requests)} requests ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
        f"{sent} values written"
    )
    print(f"  exporter   best {best_e:.3f} s  runs {[round(t[0], 3) for t in exporter_times]}")
    print(f"  bare       best {best_b:.3f} s  runs {[round(t[0], 3) for t in bare_times]}")
    print(f"  per request: exporter {best_e / len(requests) * 1e3:.2f} ms, bare "
          f"{best_b / len(requests) * 1e3:.2f} ms")  # fmt: skip
    print(f"  CPU of this process: exporter {cpu_e:.3f} s, bare {cpu_b:.3f} s "
          f"(ratio {cpu_e / cpu_b:.2f})")  # fmt: skip
    print(f"  ratio exporter/bare {best_e / best_b:.2f}  (target <= 1.3)")


def main() -> None:
    """Run the benchmark and print the figures."""
    asyncio.run(_main())


if __name__ == "__main__":
    main()
