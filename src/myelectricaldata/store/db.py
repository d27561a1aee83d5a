"""Engines and migrations: SQLite in WAL mode by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

_HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def sqlite_url(data_dir: Path) -> str:
    """URL of the embedded database file in ``data_dir``."""
    return f"sqlite:///{(data_dir / 'myelectricaldata.db').as_posix()}"


def normalise_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: Seconds a SQLite statement waits for another writer before "database is locked": our own
#: writes are short (a few thousand rows), so a longer wait means another program holds the
#: lock, and an API request had better answer 503 at once than hang.
BUSY_TIMEOUT_S = 5


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Engine for ``url``; SQLite files get WAL, a busy timeout and their directory created."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration that migrates ``engine`` with the package's own scripts."""
    config = Config()
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision of the package's migrations."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config_without_engine()).get_current_head()
    assert head is not None
    return head


def alembic_config_without_engine() -> Config:
    """Alembic configuration of the package's scripts (for reading them, not migrating)."""
    config = Config()
    config.set_main_option("script_location", str(_HERE / "migrations"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; an upgrade never drops data.

    An existing SQLite file is backed up first (``backups/`` beside it, the last three kept),
    so that a migration that goes wrong can be undone by copying the file back.
    """
    from myelectricaldata.store import health

    path = health.sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None and path.exists() and path.stat().st_size > 0:
        current = current_revision(engine)
        if current is not None and current != head_revision():
            target = health.backup_name(path, f"before-{head_revision()}")
            health.backup_sqlite(engine, target)
            health.prune_backups(path, label=f"before-{head_revision()}")
            log.info("database backed up to %s before migrating from %s", target, current)
    command.upgrade(alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    """Revision the database is at (``None`` before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
