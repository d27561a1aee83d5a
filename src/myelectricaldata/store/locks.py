"""Crash-safe named locks in the database: the sync lock and one lock per export destination.

A lock row names its holder twice: an ``owner`` string chosen by the caller (what release and
heartbeat match on) and the process that took it — host (name and PID namespace), boot id
(``/proc/sys/kernel/random/boot_id``), pid and the pid's start time. So:

* a holder on this host and boot whose pid is gone, or now belongs to another process (same pid,
  other start time: a container restarted as pid 1 again), is dead, and its lock is taken over
  at once — a ``kill -9`` leaves no stale lock behind;
* a holder on another host (two machines sharing one PostgreSQL), or one whose liveness cannot be
  told, keeps the lock while it beats: a background thread refreshes every held lock every
  :data:`HEARTBEAT_EVERY` seconds, and a heartbeat older than :data:`STALE_AFTER` is abandoned.

Taking over is a compare-and-swap on the observed holder, so two processes racing for a dead
holder's lock cannot both win.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from myelectricaldata.store import schema as t

log = logging.getLogger(__name__)

#: A holder whose liveness cannot be told from here keeps its lock this long after its last beat.
STALE_AFTER = timedelta(minutes=2)
#: Seconds between two heartbeats of every lock this process holds.
HEARTBEAT_EVERY = 20.0

SYNC_LOCK = "sync"


def export_lock(destination: str) -> str:
    """Name of the run lock of an export destination."""
    return f"export:{destination}"


class LockBusy(Exception):
    """The lock is held by a live process (or one whose heartbeat is fresh)."""


@cache
def boot_id() -> str:
    """This kernel boot's id (Linux), ``""`` elsewhere."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def process_started(pid: int) -> str:
    """When ``pid`` started, in clock ticks since boot (Linux), ``""`` when unknown or gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses: count from its closing one.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


@cache
def _host() -> str:
    name = socket.gethostname()
    try:
        # Two containers may share a host name; they never share a PID namespace.
        return f"{name}/{os.readlink('/proc/self/ns/pid')}"[:255]
    except OSError:
        return name[:255]


@dataclass(frozen=True, slots=True)
class ProcessId:
    """Who holds a lock: enough to tell, on the same machine, whether it still runs."""

    host: str
    boot_id: str
    pid: int
    started: str

    @classmethod
    def current(cls) -> ProcessId:
        """This process."""
        pid = os.getpid()
        return cls(_host(), boot_id(), pid, process_started(pid))

    def alive(self, here: ProcessId) -> bool | None:
        """Whether this holder still runs, seen from ``here``; ``None`` when it can't be told."""
        if self.host != here.host or not self.boot_id or not here.boot_id:
            return None
        if self.boot_id != here.boot_id:
            return False  # the machine rebooted since: every process of that boot is gone
        if self.pid == here.pid:
            return self.started == here.started
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
        started = process_started(self.pid)
        # A pid the kernel handed to a newer process does not resurrect the old holder.
        return not (self.started and started and started != self.started)


@dataclass(frozen=True, slots=True)
class Holder:
    """A lock's current holder as stored."""

    name: str
    owner: str
    process: ProcessId
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        """Who holds it, for messages: ``pid 1234 on nas (since 2024-11-15T10:00:00Z)``."""
        host = self.process.host.split("/", 1)[0]
        since = self.acquired_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"pid {self.process.pid} on {host} (since {since})"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Locks:
    """The lock table of one engine, with a heartbeat for what this process holds."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        stale_after: timedelta = STALE_AFTER,
        beat_every: float = HEARTBEAT_EVERY,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.stale_after = stale_after
        self.beat_every = beat_every
        self.me = ProcessId.current()
        self._held: set[tuple[str, str]] = set()
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------------

    def holder(self, name: str, conn: Connection | None = None) -> Holder | None:
        """The stored holder of ``name``, dead or alive (``None`` when free)."""
        c = t.locks.c
        query = select(t.locks).where(c.name == name)
        if conn is None:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        else:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Holder(
            row.name,
            row.owner,
            ProcessId(row.host, row.boot_id, row.pid, row.started),
            _aware(row.acquired_at),
            _aware(row.heartbeat_at),
        )

    def is_live(self, holder: Holder) -> bool:
        """True while ``holder`` runs (or, when that can't be told, while it beats)."""
        alive = holder.process.alive(self.me)
        if alive is not None:
            return alive
        return holder.heartbeat_at >= self.clock() - self.stale_after

    def live_holder(self, name: str) -> Holder | None:
        """The holder of ``name`` if it is live, else ``None`` (a dead one is cleared)."""
        holder = self.holder(name)
        if holder is None:
            return None
        if self.is_live(holder):
            return holder
        self._clear(holder)
        return None

    # -- writing ---------------------------------------------------------------------------

    def acquire(
        self,
        name: str,
        owner: str,
        *,
        on_takeover: Callable[[Connection, Holder], None] | None = None,
    ) -> Holder | None:
        """Take ``name`` for ``owner``, or raise :class:`LockBusy` naming the live holder.

        A dead holder's lock is taken over; ``on_takeover`` then runs in the same transaction
        (to mark the dead holder's work as interrupted). Returns the holder taken over, if any.
        """
        c = t.locks.c
        now = self.clock()
        me = self.me
        values = {
            "owner": owner,
            "host": me.host,
            "boot_id": me.boot_id,
            "pid": me.pid,
            "started": me.started,
            "acquired_at": now,
            "heartbeat_at": now,
        }
        try:
            with self.engine.begin() as conn:
                current = self.holder(name, conn)
                if current is None:
                    conn.execute(insert(t.locks).values(name=name, **values))
                else:
                    if self.is_live(current):
                        raise LockBusy(current.describe())
                    # Compare-and-swap on the holder we saw: a racing taker finds no row.
                    taken = conn.execute(
                        update(t.locks)
                        .where(
                            c.name == name,
                            c.owner == current.owner,
                            c.pid == current.process.pid,
                            c.heartbeat_at == current.heartbeat_at,
                        )
                        .values(**values)
                    ).rowcount
                    if taken != 1:
                        raise LockBusy("another process took it at the same moment")
                    log.warning(
                        "lock %s: taken over from %s, which is no longer running",
                        name,
                        current.describe(),
                    )
                    if on_takeover is not None:
                        on_takeover(conn, current)
        except IntegrityError:
            raise LockBusy("another process took it at the same moment") from None
        self._track(name, owner)
        return current

    def release(self, name: str, owner: str) -> None:
        """Give ``name`` back (only if ``owner`` still holds it)."""
        self._untrack(name, owner)
        c = t.locks.c
        with self.engine.begin() as conn:
            conn.execute(delete(t.locks).where(c.name == name, c.owner == owner))

    def beat(self, name: str, owner: str, conn: Connection | None = None) -> bool:
        """Refresh the heartbeat of ``name`` if ``owner`` holds it; False when it does not."""
        c = t.locks.c
        stmt = (
            update(t.locks)
            .where(c.name == name, c.owner == owner)
            .values(heartbeat_at=self.clock())
        )
        if conn is not None:
            return bool(conn.execute(stmt).rowcount)
        with self.engine.begin() as own:
            return bool(own.execute(stmt).rowcount)

    def _clear(self, holder: Holder) -> None:
        c = t.locks.c
        with self.engine.begin() as conn:
            conn.execute(
                delete(t.locks).where(
                    c.name == holder.name, c.owner == holder.owner, c.pid == holder.process.pid
                )
            )

    # -- heartbeat -------------------------------------------------------------------------

    def _track(self, name: str, owner: str) -> None:
        with self._guard:
            self._held.add((name, owner))
            if self._thread is None or not self._thread.is_alive():
                self._wake.clear()
                self._thread = threading.Thread(
                    target=self._beat_forever, name="med-lock-heartbeat", daemon=True
                )
                self._thread.start()

    def _untrack(self, name: str, owner: str) -> None:
        with self._guard:
            self._held.discard((name, owner))

    def _beat_forever(self) -> None:
        while not self._wake.wait(self.beat_every):
            with self._guard:
                held = list(self._held)
            if not held:
                continue
            for name, owner in held:
                # A busy database only delays a beat; the next one comes soon enough.
                with contextlib.suppress(OperationalError):
                    self.beat(name, owner)

    def close(self) -> None:
        """Stop the heartbeat thread (locks still held stay until released or abandoned)."""
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
