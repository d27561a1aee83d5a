"""Liveness and database state: answers at once, without waiting for a sync."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text

from myelectricaldata import __version__
from myelectricaldata.api.formats import iso_instant, json_response
from myelectricaldata.api.params import get_clock, get_runtime, source_label
from myelectricaldata.runtime import Runtime
from myelectricaldata.store.health import DatabaseFault, classify

router = APIRouter(tags=["health"])


class HealthAnswer(BaseModel):
    """The service is up (``ok``), or up with a database that needs care (``degraded``)."""

    status: str = Field(examples=["ok", "degraded"])
    problems: list[str] = Field(
        description="Why the status is degraded, each with what to do.", examples=[[]]
    )
    version: str = Field(examples=[__version__])
    database: str = Field(examples=["sqlite", "postgresql"])
    source: str = Field(examples=["demo", "gateway"])
    is_demo: bool
    sync_running: bool
    time: str = Field(examples=["2024-03-01T10:00:00+01:00"])


#: Seconds the database probe may take before the database counts as not answering.
PROBE_TIMEOUT_S = 2.0


def _probe(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def _database_fault(runtime: Runtime) -> DatabaseFault | None:
    try:
        await asyncio.wait_for(asyncio.to_thread(_probe, runtime.store.engine), PROBE_TIMEOUT_S)
    except TimeoutError:
        return DatabaseFault("unreachable", "the database did not answer within 2 s")
    except Exception as exc:
        fault = classify(exc, runtime.settings.db_url)
        if fault is None:
            fault = DatabaseFault("unreachable", f"the database does not answer ({exc})")
        if fault.kind != "busy":
            return fault
    recorded = runtime.db_health.fault
    if recorded is not None and recorded.kind == "unreachable":
        runtime.db_health.fault = None  # it answers again
        return None
    return recorded


@router.get(
    "/api/health",
    response_model=None,
    summary="Health",
    responses={
        200: {"model": HealthAnswer, "description": "The service is up"},
        503: {"model": HealthAnswer, "description": "Degraded: the database needs care"},
    },
)
async def health(request: Request) -> Response:
    """`ok`, or `degraded` (503) with the problems and what to do (a damaged, empty or
    unreachable database); the version, the database engine, the data source and the time.
    It only pings the database (`SELECT 1`), so it answers at once even during a backfill."""
    runtime = get_runtime(request)
    fault = await _database_fault(runtime)
    return json_response(
        {
            "status": "degraded" if fault else "ok",
            "problems": [fault.message] if fault else [],
            "version": __version__,
            "database": runtime.store.engine.dialect.name,
            "source": source_label(runtime),
            "is_demo": runtime.is_demo,
            "sync_running": runtime.sync.running,
            "time": iso_instant(get_clock(request)()),
        },
        status_code=503 if fault else 200,
    )
