"""Database faults as a clear state: what is wrong, in one line, and what to do about it.

Three faults are told apart, at start and while running:

* **busy** — another program holds the SQLite file's write lock (named by pid when this machine
  can tell) or a long write is in progress: a request answers 503 at once and may try again;
* **corrupt** — SQLite says the file is not a database or a page is malformed: run
  ``myelectricaldata db check`` and restore the latest backup;
* **empty** — the file exists and holds 0 bytes: it is refused, never silently taken for a new
  database (restore the backup, or delete the file to start afresh);
* **unreachable** — PostgreSQL does not answer.

Backups use SQLite's online backup API, so they are consistent while the service writes; the
migrations take one before they change an existing file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

#: Backups kept by the automatic pre-migration backup (older ones are deleted).
KEEP_BACKUPS = 3
_BUSY = ("database is locked", "database table is locked", "database is busy")
_CORRUPT = (
    "malformed",
    "file is not a database",
    "disk i/o error",
    "database corrupt",
    "file is encrypted",
)


class DatabaseFault(Exception):
    """The database cannot be used as it is; ``str()`` is one line saying what to do."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for another engine or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def backups_dir(path: Path) -> Path:
    """Where backups of the SQLite file ``path`` go: ``backups/`` beside it."""
    return path.parent / "backups"


def latest_backup(path: Path) -> Path | None:
    """The newest backup of ``path``, if any."""
    found = sorted(backups_dir(path).glob(f"{path.stem}-*.db"))
    return found[-1] if found else None


def _restore_hint(path: Path) -> str:
    backup = latest_backup(path)
    if backup is not None:
        return f"restore the latest backup (stop the service, copy {backup} over {path})"
    return f"restore a backup of {path}, or move it away to start a new database"


def holders_of(path: Path) -> list[int]:
    """Pids of other processes that have ``path`` (or its WAL) open, as far as /proc tells."""
    targets = {str(path.resolve()), f"{path.resolve()}-wal", f"{path.resolve()}-journal"}
    pids: list[int] = []
    me = os.getpid()
    for proc in Path("/proc").glob("[0-9]*"):
        pid = int(proc.name)
        if pid == me:
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in targets:
                    pids.append(pid)
                    break
        except OSError:
            continue  # gone, or another user's process
    return sorted(pids)


def busy_message(path: Path | None) -> str:
    """One line for a locked SQLite file, naming the holders when /proc shows them."""
    if path is None:
        return "the database is busy: try again in a few seconds"
    pids = holders_of(path)
    who = (
        f"locked by pid {', '.join(map(str, pids))}"
        if pids
        else "locked by another program or a long write"
    )
    return (
        f"database {path} is {who}: wait for it to finish, or stop that program "
        "(e.g. a `sqlite3` shell left in a transaction), then try again"
    )


def classify(exc: BaseException, url: str) -> DatabaseFault | None:
    """The fault a database error shows, or ``None`` when it is not one of those."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    text_ = str(original).lower()
    path = sqlite_path(url)
    if any(marker in text_ for marker in _BUSY):
        return DatabaseFault("busy", busy_message(path))
    if path is not None and isinstance(original, sqlite3.DatabaseError):
        if any(marker in text_ for marker in _CORRUPT):
            return DatabaseFault(
                "corrupt",
                f"database {path} is damaged ({original}): run `myelectricaldata db check`, "
                f"then {_restore_hint(path)}",
            )
        return None
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseFault("unreachable", f"the database does not answer ({original})")
    if path is None and isinstance(exc, DBAPIError) and "connect" in text_:
        return DatabaseFault(
            "unreachable",
            f"the database does not answer ({str(original).splitlines()[0]}): check that "
            "PostgreSQL runs and DATABASE_URL",
        )
    return None


def preflight(url: str) -> None:
    """Refuse, in one line, a SQLite file that is empty, not a database, or locked.

    A missing file is fine (a first start creates it); PostgreSQL is checked by connecting.
    """
    path = sqlite_path(url)
    if path is None or not path.exists():
        return
    if path.stat().st_size == 0:
        raise DatabaseFault(
            "empty",
            f"database {path} is an empty file (0 bytes), not a database: "
            f"{_restore_hint(path)} (delete the empty file to start a new database)",
        )
    try:
        # Read-write, never create: the file exists; a URI needs its path percent-encoded.
        with sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=2) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        fault = classify(exc, url)
        if fault is not None:
            raise fault from None
        raise DatabaseFault(
            "unusable", f"database {path} cannot be opened ({exc}): check its permissions"
        ) from None


def integrity_problems(engine: Engine, *, quick: bool = True) -> list[str]:
    """What SQLite's ``quick_check`` (or ``integrity_check``) finds; ``[]`` when sound.

    PostgreSQL checks its own pages: there, only a connection is tried.
    """
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            conn.execute(text("SELECT 1"))
            return []
        pragma = "quick_check" if quick else "integrity_check"
        rows = [str(r[0]) for r in conn.execute(text(f"PRAGMA {pragma}"))]
    return [] if rows == ["ok"] else rows


def backup_sqlite(engine: Engine, target: Path) -> Path:
    """A consistent copy of the SQLite database of ``engine`` at ``target`` (online backup)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        with sqlite3.connect(partial) as copy:
            source.backup(copy)
        copy.close()
    finally:
        raw.close()
    os.replace(partial, target)
    target.chmod(0o600)
    return target


def backup_name(path: Path, label: str) -> Path:
    """``backups/<stem>-<UTC time>-<label>.db`` beside ``path``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return backups_dir(path) / f"{path.stem}-{stamp}-{label}.db"


def prune_backups(path: Path, keep: int = KEEP_BACKUPS, label: str = "") -> None:
    """Keep the newest ``keep`` automatic backups of ``path`` (those named ``label``)."""
    found = sorted(backups_dir(path).glob(f"{path.stem}-*{label}.db"))
    for old in found[:-keep] if keep else found:
        old.unlink(missing_ok=True)


@dataclass
class DatabaseHealth:
    """The last fault the service saw while running (``None`` when none): read by
    ``/api/health``. A busy database is transient and not recorded here."""

    fault: DatabaseFault | None = None

    def record(self, fault: DatabaseFault) -> None:
        """Remember a lasting fault (corrupt, empty, unreachable)."""
        if fault.kind != "busy":
            if self.fault is None or self.fault.message != fault.message:
                log.error("%s", fault.message)
            self.fault = fault
