"""Ingest two years of 30-minute data (35,040 rows) through the sync path vs a bare executemany.

Both write into a fresh SQLite database with the same schema (set-up is not timed); the ratio is
sync / bare. Target: ratio <= 2.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import PDL, MemorySource, load_curve, today
from myelectricaldata.domain.timeutil import to_epoch
from myelectricaldata.domain.types import LoadCurvePoint
from myelectricaldata.store.repo import Store
from myelectricaldata.sync.service import SyncService

DAYS = 730


def _sync_once(points: list[LoadCurvePoint], workdir: Path, n: int) -> float:
    """Seconds of one sync run into a fresh, migrated database."""
    store = Store.open(f"sqlite:///{workdir / f'sync{n}.db'}")
    source = MemorySource(points, activation=today() - timedelta(days=DAYS))
    now = datetime.combine(today(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    service = SyncService(store, source, clock=lambda: now)
    started = time.perf_counter()
    report = asyncio.run(service.run(trigger="bench", pdls=[PDL]))
    elapsed = time.perf_counter() - started
    assert report.status == "success", report.errors
    assert store.count_rows("load_curve") == len(points)
    store.close()
    return elapsed


def _bare_once(points: list[LoadCurvePoint], workdir: Path, n: int) -> float:
    """Seconds of one plain executemany of the same rows into the same schema."""
    path = workdir / f"bare{n}.db"
    Store.open(f"sqlite:///{path}").close()  # same schema, created by the migrations
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    rows = [
        (PDL, "consumption", to_epoch(p.start), 30, p.avg_w, "BRUT", "gateway", 1) for p in points
    ]
    with conn:
        conn.executemany(
            "INSERT INTO load_curve (pdl, direction, start_ts, interval_min, avg_w, quality, "
            "origin, change_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    """Run five of each, alternating, and print the best times and the ratio."""
    points = load_curve(DAYS, today())
    sync_all: list[float] = []
    bare_all: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(5):
            sync_all.append(_sync_once(points, Path(tmp), n))
            bare_all.append(_bare_once(points, Path(tmp), n))
    sync_t, bare_t = min(sync_all), min(bare_all)
    print(f"ingest {len(points)} load-curve rows ({DAYS} days) into SQLite")
    print(f"  sync path        best {sync_t:.3f} s  runs {[round(t, 3) for t in sync_all]}")
    print(f"  bare executemany best {bare_t:.3f} s  runs {[round(t, 3) for t in bare_all]}")
    print(f"  ratio sync/bare  {sync_t / bare_t:.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
