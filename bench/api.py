"""The REST API, measured on a real service process over loopback.

1. ``GET /api/consumption/detail/{pdl}?format=csv`` for two years (35,040 rows): rows/s vs
   Python's csv writer over the same rows read straight from the database (sqlite3), same run.
   Target: ratio <= 1.5.
2. Peak memory (VmHWM) of the service while streaming ten years of load curve as CSV.
   Target: < 200 MB.
3. Daily JSON for three years: median latency over 20 requests (reported).
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, timedelta
from pathlib import Path

import httpx

from bench.common import PDL
from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    LoadCurvePoint,
    Origin,
    UsagePoint,
)
from myelectricaldata.store.repo import Store

END = date(2025, 6, 1)


def _fill(db: Path, years: int) -> None:
    store = Store.open(f"sqlite:///{db}")
    store.upsert_usage_point(UsagePoint(PDL, name="bench"), Origin.DEMO)
    start = local_midnight(END - timedelta(days=365 * years)).astimezone(UTC)
    stop = local_midnight(END).astimezone(UTC)
    count = int((stop - start).total_seconds() // 1800)
    step = 20_000
    for offset in range(0, count, step):
        points = [
            LoadCurvePoint(start + timedelta(minutes=30 * i), 300 + (i * 37) % 4000)
            for i in range(offset, min(offset + step, count))
        ]
        store.upsert_load_curve(PDL, Direction.CONSUMPTION, points, Origin.DEMO)
    days = [
        DailyReading(END - timedelta(days=i), 8000 + (i * 97) % 9000) for i in range(1, 3 * 365 + 1)
    ]
    store.upsert_daily(PDL, Direction.CONSUMPTION, days, Origin.DEMO)
    store.close()


def _serve(workdir: Path, db: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "MED_DATA_DIR": str(workdir),
        "DATABASE_URL": f"sqlite:///{db}",
        "MED_DEMO": "true",
        "SCHEDULER_ENABLED": "false",
        "MED_INITIAL_SYNC": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "myelectricaldata", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the service did not start")


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _baseline_csv(db: Path, start_ts: int, end_ts: int) -> tuple[float, int]:
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT start_ts, interval_min, avg_w, quality FROM load_curve "
        "WHERE pdl = ? AND direction = 'consumption' AND start_ts >= ? AND start_ts < ? "
        "ORDER BY start_ts",
        (PDL, start_ts, end_ts),
    ).fetchall()
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    size = len(out.getvalue().encode())
    conn.close()
    return time.perf_counter() - started, size


def _fetch(client: httpx.Client, url: str, params: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    with client.stream("GET", url, params=params) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
    return time.perf_counter() - started, size


def main() -> None:
    """Run the three measurements and print them."""
    from tests.conftest import free_port

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        two, ten = workdir / "two.db", workdir / "ten.db"
        _fill(two, 2)
        _fill(ten, 10)

        port = free_port()
        service = _serve(workdir, two, port)
        try:
            base = f"http://127.0.0.1:{port}"
            first = END - timedelta(days=730)
            last = END - timedelta(days=1)
            params = {"start": first.isoformat(), "end": last.isoformat(), "format": "csv"}
            start_ts = int(local_midnight(first).timestamp())
            end_ts = int(local_midnight(END).timestamp())
            with httpx.Client(timeout=120) as client:
                url = f"{base}/api/consumption/detail/{PDL}"
                _fetch(client, url, params)  # warm-up
                ours = [_fetch(client, url, params) for _ in range(5)]
                bare = [_baseline_csv(two, start_ts, end_ts) for _ in range(5)]
                rows = 730 * 48
                ours_t, bare_t = min(t for t, _ in ours), min(t for t, _ in bare)
                print(f"CSV, two years of load curve ({rows} rows)")
                print(
                    f"  service (HTTP, streamed) {ours_t:.3f} s  {rows / ours_t:,.0f} rows/s  "
                    f"{ours[0][1] / 1e6:.1f} MB"
                )
                print(
                    f"  sqlite3 + csv.writer     {bare_t:.3f} s  {rows / bare_t:,.0f} rows/s  "
                    f"{bare[0][1] / 1e6:.1f} MB"
                )
                print(f"  ratio service/baseline   {ours_t / bare_t:.2f}  (target <= 1.5)")

                daily = f"{base}/api/consumption/daily/{PDL}"
                span = {"start": (END - timedelta(days=1095)).isoformat(), "end": last.isoformat()}
                latencies = [_fetch(client, daily, span)[0] for _ in range(20)]
                print(
                    f"daily JSON, three years: median {statistics.median(latencies) * 1000:.1f} ms"
                    f" (min {min(latencies) * 1000:.1f}, max {max(latencies) * 1000:.1f})"
                )
        finally:
            service.terminate()
            service.wait(10)

        service = _serve(workdir, ten, port)
        try:
            before = _rss_kb(service.pid, "VmRSS")
            params = {
                "start": (END - timedelta(days=3650)).isoformat(),
                "end": (END - timedelta(days=1)).isoformat(),
                "format": "csv",
            }
            with httpx.Client(timeout=300) as client:
                took, size = _fetch(
                    client, f"http://127.0.0.1:{port}/api/consumption/detail/{PDL}", params
                )
            peak = _rss_kb(service.pid, "VmHWM")
            print(
                f"CSV, ten years of load curve: {size / 1e6:.1f} MB in {took:.2f} s; service RSS "
                f"{before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB (target < 200 MB)"
            )
        finally:
            service.terminate()
            service.wait(10)


if __name__ == "__main__":
    main()
