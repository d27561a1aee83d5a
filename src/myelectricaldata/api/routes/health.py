"""Liveness: answers at once, without touching the database or waiting for a sync."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from myelectricaldata import __version__
from myelectricaldata.api.formats import iso_instant, json_response
from myelectricaldata.api.params import get_clock, get_runtime, source_label

router = APIRouter(tags=["health"])


class HealthAnswer(BaseModel):
    """The service is up."""

    status: str = Field(examples=["ok"])
    version: str = Field(examples=[__version__])
    database: str = Field(examples=["sqlite", "postgresql"])
    source: str = Field(examples=["demo", "gateway"])
    is_demo: bool
    sync_running: bool
    time: str = Field(examples=["2024-03-01T10:00:00+01:00"])


@router.get(
    "/api/health",
    response_model=None,
    summary="Health",
    responses={200: {"model": HealthAnswer, "description": "The service is up"}},
)
async def health(request: Request) -> Response:
    """`ok`, the version, the database engine, the data source and the time. Reads nothing
    from the database, so it answers at once even while a long backfill runs."""
    runtime = get_runtime(request)
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "database": runtime.store.engine.dialect.name,
            "source": source_label(runtime),
            "is_demo": runtime.is_demo,
            "sync_running": runtime.sync.running,
            "time": iso_instant(get_clock(request)()),
        }
    )
