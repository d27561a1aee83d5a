"""Crash-safe locks (store/locks.py) on SQLite and on a real PostgreSQL: a dead holder's lock is
taken over at once, a live one's never, a silent one on another host after its heartbeat ages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from myelectricaldata.store import schema as t
from myelectricaldata.store.exports import ExportBusy, ExportRepo
from myelectricaldata.store.locks import (
    SYNC_LOCK,
    Holder,
    LockBusy,
    Locks,
    ProcessId,
    boot_id,
    export_lock,
    process_started,
)
from myelectricaldata.store.repo import Store, SyncBusy
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]

#: A child process that takes a lock, says so, and then waits to be killed.
_HOLD = textwrap.dedent(
    """
    import sys, time
    from myelectricaldata.store.repo import Store
    from myelectricaldata.store.exports import ExportRepo
    store = Store.open(sys.argv[1])
    if sys.argv[2] == "sync":
        store.acquire_sync_lock("child")
        store.start_run("cli")
    else:
        repo = ExportRepo(store)
        repo.acquire(sys.argv[2], "child")
        repo.start_log(sys.argv[2], "cli")
    print("held", flush=True)
    time.sleep(600)
    """
)


def hold_in_child(db_url: str, what: str) -> subprocess.Popen[str]:
    """A separate process holding the sync lock (``sync``) or a destination's lock."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, db_url, what],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def kill_9(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)


def test_a_process_is_described_by_host_boot_pid_and_start_time() -> None:
    me = ProcessId.current()
    assert me.pid == os.getpid()
    assert me.boot_id == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert me.started == process_started(os.getpid()) != ""
    assert me.alive(me) is True


def test_the_lock_of_a_killed_sync_is_taken_over_at_once(store: Store, db_url: str) -> None:
    child = hold_in_child(db_url, "sync")
    try:
        with pytest.raises(SyncBusy, match=f"pid {child.pid}"):
            store.acquire_sync_lock("me")
        assert store.sync_lock_holder() is not None
    finally:
        kill_9(child)
    # No wait for a timeout: the holder's pid is gone on this host and boot.
    store.acquire_sync_lock("me")
    (run,) = store.runs()
    assert run.status == "interrupted" and run.finished_at is not None
    holder = store.locks.holder(SYNC_LOCK)
    assert holder is not None and holder.owner == "me" and holder.process.pid == os.getpid()
    store.release_sync_lock("me")
    assert store.locks.holder(SYNC_LOCK) is None


def test_a_dead_holder_is_cleared_when_the_status_is_read(store: Store, db_url: str) -> None:
    child = hold_in_child(db_url, "sync")
    kill_9(child)
    # GET /api/sync reads this: not running, and the dead run no longer shows as running.
    assert store.sync_lock_holder() is None
    assert [r.status for r in store.runs()] == ["interrupted"]
    assert store.locks.holder(SYNC_LOCK) is None


def test_the_lock_of_a_killed_export_is_taken_over_at_once(store: Store, db_url: str) -> None:
    repo = ExportRepo(store)
    child = hold_in_child(db_url, "webhook")
    try:
        with pytest.raises(ExportBusy, match="webhook is already running"):
            repo.acquire("webhook", "me")
        assert repo.running_elsewhere("webhook") is not None
        repo.acquire("mqtt", "me")  # one lock per destination
    finally:
        kill_9(child)
    repo.acquire("webhook", "me")
    (log,) = repo.logs("webhook")
    assert log.status == "interrupted"


def test_start_up_cleanup_leaves_a_live_process_run_alone(store: Store, db_url: str) -> None:
    child = hold_in_child(db_url, "sync")
    try:
        store.abandon_running_runs()
        assert [r.status for r in store.runs()] == ["running"]
    finally:
        kill_9(child)
    store.abandon_running_runs()
    assert [r.status for r in store.runs()] == ["interrupted"]


def _plant(store: Store, name: str, process: ProcessId, beat: datetime) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(t.locks).values(
                name=name,
                owner="planted",
                host=process.host,
                boot_id=process.boot_id,
                pid=process.pid,
                started=process.started,
                acquired_at=beat,
                heartbeat_at=beat,
            )
        )


def test_a_holder_on_another_host_keeps_the_lock_while_it_beats(store: Store) -> None:
    now = [datetime(2024, 11, 15, 10, 0, tzinfo=UTC)]
    locks = Locks(store.engine, clock=lambda: now[0], stale_after=timedelta(minutes=2))
    far = ProcessId("other-machine/pid:[1]", "another-boot", os.getpid(), "1")
    _plant(store, SYNC_LOCK, far, now[0])
    now[0] += timedelta(seconds=119)
    with pytest.raises(LockBusy, match="on other-machine"):
        locks.acquire(SYNC_LOCK, "me")
    now[0] += timedelta(seconds=2)
    taken = locks.acquire(SYNC_LOCK, "me")
    assert taken is not None and taken.owner == "planted"
    locks.close()


def test_a_reused_pid_or_a_reboot_does_not_keep_a_dead_holder_alive(store: Store) -> None:
    me = ProcessId.current()
    # Same host and boot, our own pid, but another start time: a container's pid 1 again.
    earlier_me = ProcessId(me.host, me.boot_id, me.pid, str(int(me.started) - 1))
    assert earlier_me.alive(me) is False
    # A holder of an earlier boot is gone, whatever its pid.
    before_reboot = ProcessId(me.host, "an-earlier-boot", 1, "5")
    assert before_reboot.alive(me) is False
    now = datetime.now(UTC)
    _plant(store, export_lock("mqtt"), earlier_me, now)
    _plant(store, export_lock("influxdb"), before_reboot, now)
    store.locks.acquire(export_lock("mqtt"), "me")
    store.locks.acquire(export_lock("influxdb"), "me")


def test_two_processes_racing_for_a_dead_lock_cannot_both_win(store: Store) -> None:
    me = ProcessId.current()
    dead = ProcessId(me.host, me.boot_id, me.pid, str(int(me.started) - 1))
    _plant(store, SYNC_LOCK, dead, datetime.now(UTC))
    seen = store.locks.holder(SYNC_LOCK)
    assert seen is not None

    class Late(Locks):
        """Saw the dead holder, but another process took the lock before it could."""

        def holder(self, name: str, conn: object = None) -> Holder | None:
            return seen

    store.locks.acquire(SYNC_LOCK, "first")
    with pytest.raises(LockBusy, match="same moment"):
        Late(store.engine).acquire(SYNC_LOCK, "second")
    holder = store.locks.holder(SYNC_LOCK)
    assert holder is not None and holder.owner == "first"


def test_held_locks_are_kept_fresh_by_a_heartbeat(store: Store) -> None:
    locks = Locks(store.engine, beat_every=0.05)
    locks.acquire(SYNC_LOCK, "me")
    old = datetime(2000, 1, 1, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(update(t.locks).values(heartbeat_at=old))

    def beaten() -> bool:
        with store.engine.connect() as conn:
            return bool(conn.execute(select(t.locks.c.heartbeat_at)).scalar_one() > old)

    wait_until(beaten)
    locks.release(SYNC_LOCK, "me")
    locks.close()


def test_boot_id_is_read_from_the_kernel() -> None:
    assert len(boot_id()) == 36 and boot_id().count("-") == 4
