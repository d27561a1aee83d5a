"""Alembic environment: migrates the engine handed over by ``store.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from myelectricaldata.store.db import make_engine
from myelectricaldata.store.schema import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    assert isinstance(engine, Engine)
    return engine


def run_migrations_online() -> None:
    """Run every pending migration in one transaction (SQLite in batch mode)."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
