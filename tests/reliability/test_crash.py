"""``kill -9`` at random points of a sync and of a webhook export, on SQLite and PostgreSQL:
after a restart the data equal a clean run's, a re-sent event is the same event, and the next
run starts at once (no stale lock)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from myelectricaldata.store import schema as t
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.locks import SYNC_LOCK, export_lock
from myelectricaldata.store.repo import Store
from tests.fakes.webhook_receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
#: The days every run syncs (180 days of daily values, load curve and max power, two PDLs).
FIRST, LAST = date(2024, 5, 19), date(2024, 11, 14)
#: Kills per engine and kind of run (the seed makes the kill points the same every time).
KILLS = 3
SEED = 20241115
#: Crash loops run in this session, by kind (the closing note reports them).
LOOPS: dict[str, int] = {"sync": 0, "export": 0}

#: What a run stores, without the bookkeeping (change numbers, times of writing).
_DATA = {
    "daily_energy": ("pdl", "direction", "day", "value_wh", "quality", "origin"),
    "load_curve": ("pdl", "direction", "start_ts", "interval_min", "avg_w", "quality", "origin"),
    "max_power": ("pdl", "day", "value_va", "at_ts", "quality", "origin"),
    "tempo_days": ("day", "color", "origin"),
    "ecowatt_days": ("day", "level", "hourly", "message", "origin"),
    "usage_points": ("pdl", "name", "origin"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Fresh, empty databases on one engine: ``new_url("clean")``, ``new_url("crashed")``."""

    def make(name: str) -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / name}.db"
        server: Any = request.getfixturevalue("postgres")
        return str(server.create_database())

    return make


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored value, sorted."""
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            return {
                name: sorted(
                    tuple(row)
                    for row in conn.execute(
                        select(*(t.metadata.tables[name].c[c] for c in columns))
                    )
                )
                for name, columns in _DATA.items()
            }
    finally:
        store.close()


class Worker:
    """``python -m tests.reliability.worker ...`` in its own process."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.worker", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == "ready", line + self.process.stderr.read()  # type: ignore[union-attr]

    def finish(self) -> tuple[int, str, float]:
        """Wait for the end: exit code, what it printed, seconds the run itself took."""
        out, err = self.process.communicate(timeout=120)
        done = [line.split() for line in out.splitlines() if line.startswith("done ")]
        took = float(done[0][3]) if done else 0.0
        return self.process.returncode, out + err, took

    def kill_9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate(timeout=30)


def crash_loop(args: tuple[str, ...], clean_seconds: float, rng: random.Random, kind: str) -> None:
    """Start the run ``KILLS`` times and SIGKILL it at a random point of its work."""
    for _ in range(KILLS):
        worker = Worker(*args)
        time.sleep(rng.uniform(0.02, 0.8) * clean_seconds)
        worker.kill_9()
        LOOPS[kind] += 1


@pytest.fixture(scope="module", autouse=True)
def report_loops() -> Iterator[None]:
    yield
    print(f"\ncrash loops: {LOOPS['sync']} killed syncs, {LOOPS['export']} killed exports")


def test_a_sync_killed_anywhere_resumes_at_once_and_ends_as_a_clean_run(
    new_url: Callable[[str], str],
) -> None:
    span = (FIRST.isoformat(), LAST.isoformat())
    clean = new_url("clean")
    code, said, clean_seconds = Worker("sync", clean, *span).finish()
    assert code == 0 and "done success" in said, said

    crashed = new_url("crashed")
    crash_loop(("sync", crashed, *span), clean_seconds, random.Random(SEED), "sync")
    # The next run starts at once: a lock left by a killed process is no obstacle (exit 3 if
    # it were), and it ends with exactly the data of the clean run.
    code, said, _ = Worker("sync", crashed, *span).finish()
    assert code == 0 and "done success" in said, said
    assert snapshot(crashed) == snapshot(clean)
    store = Store.open(crashed)
    try:
        runs = store.runs(limit=KILLS + 1)
        assert runs[0].status == "success"
        # None left "running" (a kill that came after the end leaves a "success").
        assert "running" not in {r.status for r in runs[1:]}
        assert "interrupted" in {r.status for r in runs[1:]}
        assert store.locks.holder(SYNC_LOCK) is None
    finally:
        store.close()


def _series(receiver: WebhookReceiver) -> dict[tuple[str, str, str], dict[str, Any]]:
    kinds = {(e["type"], e["pdl"], e["granularity"]) for e in receiver.events.values()}
    return {k: receiver.points(k[0], k[1], k[2]) for k in kinds}


def _contradictions(receiver: WebhookReceiver) -> list[str]:
    """Points sent twice with different values (a re-send must repeat, never change)."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    found = []
    for event in receiver.events.values():
        for point in event["points"]:
            key = (event["type"], event["pdl"], event["granularity"], point["start"])
            if key in seen and seen[key] != point:
                found.append(f"{key}: {seen[key]} then {point}")
            seen[key] = point
    return found


def test_an_export_killed_anywhere_resends_only_the_same_events_and_ends_complete(
    new_url: Callable[[str], str],
) -> None:
    span = (FIRST.isoformat(), LAST.isoformat())
    db = new_url("data")
    code, said, _ = Worker("sync", db, *span).finish()
    assert code == 0, said
    with WebhookReceiver() as receiver:
        args = ("export", db, receiver.url, receiver.secret)
        receiver.slow_next(10_000, 0.05)  # every delivery takes a moment: room to be killed
        code, said, clean_seconds = Worker(*args).finish()
        assert code == 0 and "done success" in said, said
        reference = _series(receiver)
        assert sum(len(points) for points in reference.values()) > 10_000

        store = Store.open(db)
        ExportRepo(store).reset_checkpoints("webhook")  # as if never exported
        store.close()
        receiver.reset()
        receiver.slow_next(10_000, 0.05)
        crash_loop(args, clean_seconds, random.Random(SEED + 1), "export")
        code, said, _ = Worker(*args).finish()
        assert code == 0 and "done success" in said, said

        assert _series(receiver) == reference
        assert _contradictions(receiver) == []
        refused = [r for r in receiver.requests if r.status >= 400]
        assert refused == []
    store = Store.open(db)
    try:
        (last, *earlier) = ExportRepo(store).logs("webhook", KILLS + 2)
        assert last.status == "success"
        assert "running" not in {e.status for e in earlier}
        assert store.locks.holder(export_lock("webhook")) is None
    finally:
        store.close()
