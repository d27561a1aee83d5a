"""The exporter API: types with their JSON schema, configs (secrets masked), test, run, logs."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from myelectricaldata.api.params import get_runtime, parse_day
from myelectricaldata.exporters.registry import UnknownExporter, field_errors
from myelectricaldata.runtime import Runtime
from myelectricaldata.store.exports import ExportBusy, ExportLog

router = APIRouter(prefix="/api/export", tags=["export"])


def _known(runtime: Runtime, name: str) -> None:
    try:
        runtime.exports.registry.get(name)
    except UnknownExporter as exc:
        raise HTTPException(404, str(exc)) from None


def _config_answer(runtime: Runtime, name: str) -> dict[str, Any]:
    configs = runtime.exports.configs
    config = configs.load(name)
    return {
        "type": name,
        "config": configs.masked(config),
        "origin": "saved"
        if configs.saved(name)
        else ("env" if configs.env_values(name) else "default"),
    }


def _log(entry: ExportLog) -> dict[str, Any]:
    return {
        "id": entry.id,
        "type": entry.destination,
        "trigger": entry.trigger,
        "status": entry.status,
        "started_at": entry.started_at.isoformat(),
        "finished_at": entry.finished_at.isoformat() if entry.finished_at else None,
        "records": entry.records,
        "records_total": entry.records_total,
        "attempts": entry.attempts,
        "error": entry.error,
    }


@router.get("/types", summary="Destination types and their config schemas")
async def types(request: Request) -> dict[str, Any]:
    """Every installed type with the JSON schema of its config (secret fields marked, French and
    English label and help of each field)."""
    registry = get_runtime(request).exports.registry
    return {
        "data": [
            {
                "type": name,
                "title": cls.title or name,
                # What the config is about, in French and English (each field's own texts are in
                # its schema property: "texts": {"fr": {"label", "help"}, "en": {...}}).
                "description": summary._asdict() if (summary := cls.config_model.summary) else None,
                "supports_history": cls.supports_history,
                "supports_state": cls.supports_state,
                "secret_fields": sorted(cls.config_model.secret_fields()),
                "schema": cls.config_model.model_json_schema(),
            }
            for name, cls in sorted(registry.types.items())
        ],
        "broken": [{"type": b.name, "origin": b.origin, "error": b.error} for b in registry.broken],
    }


@router.get("/configs", summary="Every destination's config in force")
async def configs(request: Request) -> dict[str, Any]:
    """Configs of every type, secrets masked, with where they come from (saved, env, default)."""
    runtime = get_runtime(request)
    names = sorted(runtime.exports.registry.types)
    return {"data": await run_in_threadpool(lambda: [_config_answer(runtime, n) for n in names])}


@router.get("/configs/{type}", summary="One destination's config")
async def get_config(request: Request, type: str) -> dict[str, Any]:
    """The config in force for a type, secrets masked."""
    runtime = get_runtime(request)
    _known(runtime, type)
    return await run_in_threadpool(_config_answer, runtime, type)


@router.put("/configs/{type}", summary="Save a destination's config", response_model=None)
async def put_config(
    request: Request, type: str, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any] | JSONResponse:
    """Validate and save; a secret sent back as ``********`` keeps the stored one while the
    destination (scheme, host, port, path) is the same, else 422 ``secret_unbound`` names it.
    422 lists the fields in error; nothing is saved then."""
    runtime = get_runtime(request)
    _known(runtime, type)
    try:
        await run_in_threadpool(runtime.exports.configs.save, type, body)
    except ValidationError as exc:
        return JSONResponse({"detail": field_errors(exc)}, status_code=422)
    await run_in_threadpool(runtime.reschedule_exports)
    return await run_in_threadpool(_config_answer, runtime, type)


@router.post("/configs/{type}/test", summary="Test a destination", response_model=None)
async def test_config(
    request: Request, type: str, body: Annotated[dict[str, Any] | None, Body()] = None
) -> dict[str, Any] | JSONResponse:
    """Test the saved config, or the one in the body (not saved; masked secrets are filled
    from the saved config for the same destination only, else 422 ``secret_unbound``, and
    nothing is sent). Answers within 10 s."""
    runtime = get_runtime(request)
    _known(runtime, type)
    config = None
    if body:
        try:
            config = await run_in_threadpool(runtime.exports.configs.unsaved, type, body)
        except ValidationError as exc:
            return JSONResponse({"detail": field_errors(exc)}, status_code=422)
    result = await runtime.exports.test(type, config)
    return {
        "type": type,
        "success": result.success,
        "message": result.message,
        "error": result.error,
        "latency_ms": result.latency_ms,
    }


@router.post("/{type}/run", status_code=202, summary="Run an export now")
async def run(
    request: Request,
    type: str,
    since: str | None = Query(None, alias="from", description="Send again from this day on."),
) -> dict[str, Any]:
    """Start a run in the background and answer at once; follow it on ``/api/export/logs``."""
    runtime = get_runtime(request)
    _known(runtime, type)
    day = parse_day(since, "from")
    try:
        # The lock is taken before answering: a 202 is a run that really goes on.
        await runtime.exports.start(type, trigger="api", since=day)
    except ExportBusy as exc:
        raise HTTPException(409, str(exc)) from None
    await asyncio.sleep(0)
    return {"type": type, "status": "started", "from": day.isoformat() if day else None}


@router.get("/reprice", summary="Days each destination has yet to re-send with new prices")
async def reprice(request: Request) -> dict[str, Any]:
    """The ranges a back-dated price, offer or off-peak change re-priced and that a destination
    keeping exported costs (Home Assistant's statistics, a Domoticz P1 meter) re-sends on its
    next run: destination, its title, PDL, first and last day, and what changed."""
    runtime = get_runtime(request)
    marks = await run_in_threadpool(runtime.exports.pending_reprices)
    types = runtime.exports.registry.types
    return {
        "data": [
            {
                "destination": m.destination,
                "title": types[m.destination].title or m.destination,
                "pdl": m.pdl,
                "first": m.first.isoformat(),
                "last": m.last.isoformat(),
                "reason": m.reason.value,
            }
            for m in marks
            if m.destination in types
        ]
    }


@router.get("/logs", summary="Export history")
async def logs(
    request: Request,
    type: str | None = Query(None, description="Only this destination type."),
    limit: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    """Newest runs first: started, finished, status, records sent/total, attempts, error."""
    runtime = get_runtime(request)
    if type is not None:
        _known(runtime, type)
    entries = await run_in_threadpool(runtime.exports.repo.logs, type, limit)
    return {"data": [_log(e) for e in entries]}
