"""Database faults as a clear state (store/health.py and the `db` commands): an empty, damaged
or locked SQLite file is named in one line with what to do; backups are consistent copies."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner

from myelectricaldata.cli import main
from myelectricaldata.domain.types import DailyReading, Direction, Origin
from myelectricaldata.store import health
from myelectricaldata.store.db import alembic_config, make_engine
from myelectricaldata.store.repo import Store

PDL = "12345678901234"


def days(n: int) -> list[DailyReading]:
    return [DailyReading(date(2021, 1, 1) + timedelta(days=i), 1000 + i, "BRUT") for i in range(n)]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("MED_CLIENT_SECRET", "DATABASE_URL", "MED_API_URL", "MED_DEMO"):
        monkeypatch.delenv(name, raising=False)
    return {
        "MED_DATA_DIR": str(tmp_path / "data"),
        "SCHEDULER_ENABLED": "false",
        "MED_INITIAL_SYNC": "false",
    }


def db_file(env: dict[str, str]) -> Path:
    return Path(env["MED_DATA_DIR"]) / "myelectricaldata.db"


def filled(path: Path, rows: int = 1200) -> Path:
    """A migrated database with ``rows`` daily values, its WAL folded into the file."""
    store = Store.open(f"sqlite:///{path}")
    store.upsert_daily(PDL, Direction.CONSUMPTION, days(rows), Origin.GATEWAY)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def damage_table(path: Path, table: str = "daily_energy") -> None:
    """Overwrite the root page of ``table`` with garbage, as a failing SD card might."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        page = root.fetchone()[0]
    with path.open("r+b") as raw:
        raw.seek((page - 1) * page_size)
        raw.write(b"\x55" * page_size)


_LOCKER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("UPDATE settings SET value = value")
    print("locked", flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def locker() -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Start a process that holds the write lock of a SQLite file (a forgotten sqlite3 shell)."""
    children: list[subprocess.Popen[str]] = []

    def lock(path: Path) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        children.append(child)
        return child

    yield lock
    for child in children:
        child.kill()
        child.wait()


# -- start-up --------------------------------------------------------------------------------------


def test_an_empty_file_is_refused_not_taken_for_a_new_database(env: dict[str, str]) -> None:
    path = db_file(env)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert f"database {path} is an empty file (0 bytes)" in line
    assert "delete the empty file to start a new database" in line
    assert path.stat().st_size == 0  # left as it was


def test_a_damaged_header_is_named_with_what_to_do(env: dict[str, str]) -> None:
    path = db_file(env)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database " * 200)
    result = CliRunner().invoke(main, ["sync"], env=env)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "is damaged (file is not a database)" in line
    assert "run `myelectricaldata db check`" in line and "Traceback" not in result.output


def test_a_locked_database_names_the_process_holding_it(
    env: dict[str, str], locker: Callable[[Path], subprocess.Popen[str]]
) -> None:
    path = db_file(env)
    path.parent.mkdir(parents=True)
    filled(path)
    child = locker(path)
    result = CliRunner().invoke(main, ["sync"], env=env)
    assert result.exit_code == 1, result.output
    (line,) = result.output.strip().splitlines()
    assert f"is locked by pid {child.pid}" in line
    assert "Traceback" not in result.output


# -- backups ---------------------------------------------------------------------------------------


def test_migrations_back_the_file_up_before_they_run(tmp_path: Path) -> None:
    path = tmp_path / "myelectricaldata.db"
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0002")  # an install of the previous release
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO settings (key, value, secret, updated_at) "
            "VALUES ('marker', 'kept', 0, '2024-01-01 00:00:00')"
        )
    engine.dispose()
    Store.open(f"sqlite:///{path}").close()
    (backup,) = sorted((tmp_path / "backups").glob("myelectricaldata-*-before-*.db"))
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT value FROM settings WHERE key = 'marker'").fetchone() == (
            "kept",
        )
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    # Already current: no new backup.
    Store.open(f"sqlite:///{path}").close()
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1


def test_db_backup_is_a_consistent_copy_while_the_service_writes(env: dict[str, str]) -> None:
    path = db_file(env)
    path.parent.mkdir(parents=True)
    store = Store.open(f"sqlite:///{path}")
    store.upsert_daily(PDL, Direction.CONSUMPTION, days(400), Origin.GATEWAY)  # stays open
    result = CliRunner().invoke(main, ["db", "backup"], env=env)
    store.close()
    assert result.exit_code == 0, result.output
    (backup,) = (path.parent / "backups").glob("myelectricaldata-*-manual.db")
    assert f"database backed up to {backup}" in result.output
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM daily_energy").fetchone() == (400,)
    target = path.parent / "elsewhere.db"
    assert CliRunner().invoke(main, ["db", "backup", "--to", str(target)], env=env).exit_code == 0
    assert target.exists()


def test_db_backup_on_postgresql_says_how_with_pg_dump(env: dict[str, str]) -> None:
    env = env | {"DATABASE_URL": "postgresql://med:s3cret-pw@db.lan:5432/med"}
    result = CliRunner().invoke(main, ["db", "backup"], env=env)
    assert result.exit_code == 0
    assert "pg_dump --format=custom" in result.output
    assert "postgresql://med@db.lan:5432/med" in result.output
    assert "s3cret-pw" not in result.output


# -- db check --------------------------------------------------------------------------------------


def test_db_check_passes_a_sound_database(env: dict[str, str]) -> None:
    path = db_file(env)
    path.parent.mkdir(parents=True)
    filled(path)
    result = CliRunner().invoke(main, ["db", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "pages: ok" in result.output and "database: ok" in result.output


def test_db_check_finds_a_damaged_page_and_points_at_the_backup(env: dict[str, str]) -> None:
    path = db_file(env)
    path.parent.mkdir(parents=True)
    filled(path)
    assert CliRunner().invoke(main, ["db", "backup"], env=env).exit_code == 0
    damage_table(path)
    result = CliRunner().invoke(main, ["db", "check"], env=env)
    assert result.exit_code == 1
    assert "PROBLEM: damaged pages" in result.output
    assert str(health.latest_backup(path)) in result.output


def test_faults_are_classified_from_the_driver_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    busy = health.classify(sqlite3.OperationalError("database is locked"), url)
    assert busy is not None and busy.kind == "busy"
    corrupt = health.classify(sqlite3.DatabaseError("database disk image is malformed"), url)
    assert corrupt is not None and corrupt.kind == "corrupt"
    assert health.classify(sqlite3.IntegrityError("UNIQUE constraint failed"), url) is None
