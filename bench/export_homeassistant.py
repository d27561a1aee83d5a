"""Two years of hourly statistics of one Tempo PDL into the fake Home Assistant: the exporter
vs the same rows sent as one pre-built message sequence.

The store is the demo source's (three years of daily values, two of 30-minute load curve,
Tempo colours), synced once into a temp SQLite file. Per round, on a fresh fake 2025.4.4:

- exporter: ``GroupImporter.sync`` of the Tempo PDL's consumption from its oldest day: read the
  store, split every interval (reference Tempo split), hourly rows, integer sums, 6 consumption
  + 6 cost series + ``unsplit``, messages cut at 1 MB, a window of 4 in flight, then the
  read-back of the newest hour (the proof that HA stored it);
- baseline: the very same import messages, built beforehand, sent on one authenticated
  connection with the same window of 4 (only the sending is timed).

Three rounds, alternating; the ratio is best exporter / best baseline (target <= 1.5).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.fakes.homeassistant import FakeHomeAssistant

from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import Direction
from myelectricaldata.exporters.home_assistant import importer as importer_module
from myelectricaldata.exporters.home_assistant.importer import (
    GroupImporter,
    read_group,
)
from myelectricaldata.exporters.home_assistant.messages import (
    chunk_messages,
    interleave,
    message_builder,
)
from myelectricaldata.exporters.home_assistant.statistics import (
    iso_hours,
    metadata,
    statistic_rows,
    statistic_specs,
)
from myelectricaldata.exporters.home_assistant.websocket import HomeAssistantWebSocket
from myelectricaldata.sources.demo import DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.store.repo import Store
from myelectricaldata.sync.service import SyncService

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
ROUNDS = 3
MAX_BYTES = 1_000_000


def demo_store(path: Path) -> Store:
    """The demo history in a SQLite store."""
    store = Store.open(f"sqlite:///{path}")
    report = asyncio.run(
        SyncService(store, DemoSource(clock=lambda: NOW), clock=lambda: NOW).run(trigger="bench")
    )
    assert report.status == "success", report.errors
    return store


def prebuilt(store: Store) -> list[str]:
    """The exporter's import messages for the PDL, without their ids (built untimed)."""
    source = read_group(store, DEMO_TEMPO_PDL, Direction.CONSUMPTION, None)
    specs = statistic_specs(
        "myelectricaldata", DEMO_TEMPO_PDL, Direction.CONSUMPTION, source.option, TariffPrices()
    )
    rows = [statistic_rows(source.hourly, spec, 0, 0) for spec in specs]
    iso = iso_hours(rows[0].hours)
    per = [
        chunk_messages(r, metadata(r.spec, "myelectricaldata", False), iso, MAX_BYTES) for r in rows
    ]
    return [body for _, body in interleave(per)]


async def run_exporter(store: Store, fake: FakeHomeAssistant) -> tuple[float, int, int]:
    """Seconds, WebSocket messages and rows of one exporter import."""
    ws = HomeAssistantWebSocket(fake.url, fake.token)
    started = time.perf_counter()
    await ws.connect()

    async def connection() -> HomeAssistantWebSocket:
        return ws

    importer = GroupImporter(
        store,
        connection,
        prefix="myelectricaldata",
        prices=TariffPrices,
        max_message_bytes=MAX_BYTES,
        wait_seconds=60,
    )
    report = await importer.sync(DEMO_TEMPO_PDL, Direction.CONSUMPTION, None)
    elapsed = time.perf_counter() - started
    await ws.close()
    return elapsed, ws.messages_sent, report.rows


async def run_baseline(bodies: list[str], fake: FakeHomeAssistant) -> tuple[float, int]:
    """Seconds and messages of sending the pre-built sequence (same window)."""
    ws = HomeAssistantWebSocket(fake.url, fake.token)
    started = time.perf_counter()
    await ws.connect()
    builders = [("recorder/import_statistics", message_builder(b)) for b in bodies]
    await ws.pipeline(builders, window=importer_module.WINDOW)
    elapsed = time.perf_counter() - started
    await ws.close()
    return elapsed, ws.messages_sent


def main() -> None:
    """Run the rounds and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = demo_store(Path(tmp) / "demo.db")
        print(f"demo store synced in {time.perf_counter() - t0:.1f} s")
        bodies = prebuilt(store)
        size = sum(len(b) for b in bodies)
        print(f"pre-built: {len(bodies)} messages, {size / 1e6:.1f} MB")
        exporter_times, baseline_times = [], []
        with FakeHomeAssistant(version="2025.4.4") as fake:
            for _ in range(ROUNDS):
                fake.reset()
                seconds, messages, rows = asyncio.run(run_exporter(store, fake))
                exporter_times.append(seconds)
                stored = sum(len(fake.statistics(s)) for s in fake.statistic_ids())
                print(
                    f"exporter: {seconds:.2f} s, {messages} WebSocket messages "
                    f"(imports + lookups + read-back), {rows} rows, {stored} rows stored, "
                    f"{len(fake.statistic_ids())} statistics"
                )
                fake.reset()
                seconds, messages = asyncio.run(run_baseline(bodies, fake))
                baseline_times.append(seconds)
                print(f"baseline: {seconds:.2f} s, {messages} WebSocket messages")
        best_e, best_b = min(exporter_times), min(baseline_times)
        print(
            f"best exporter {best_e:.2f} s / best baseline {best_b:.2f} s = "
            f"ratio {best_e / best_b:.2f} (target <= 1.5)"
        )
        store.close()


if __name__ == "__main__":
    main()
