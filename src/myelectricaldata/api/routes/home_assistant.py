"""Home Assistant statistics actions: list them in HA, clear them, re-import from a day.

``router`` is mounted by the app next to ``/api/export``. Errors name what to fix: 409 when an
export of Home Assistant is already running, 422 for a bad ``from`` or a missing url/token, 502
when Home Assistant refuses or cannot be reached.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from myelectricaldata.api.params import get_runtime, invalid, parse_day
from myelectricaldata.exporters.home_assistant import actions
from myelectricaldata.exporters.home_assistant.websocket import HomeAssistantError
from myelectricaldata.store.exports import ExportBusy

router = APIRouter(prefix="/api/export/home_assistant", tags=["export"])

_PDL = Query(None, pattern=r"^[0-9]{14}$", description="Only this usage point's statistics.")


def _bad_gateway(exc: HomeAssistantError) -> HTTPException:
    return HTTPException(502, f"Home Assistant: {exc}")


@router.get("/statistics", summary="Our statistics in Home Assistant")
async def list_statistics(request: Request, pdl: str | None = _PDL) -> dict[str, Any]:
    """Every statistic this exporter imported (``recorder/list_statistic_ids``, our source)."""
    service = get_runtime(request).exports
    try:
        found = await actions.list_statistics(service, pdl)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except HomeAssistantError as exc:
        raise _bad_gateway(exc) from None
    return {"data": [s.as_dict() for s in found]}


@router.post("/statistics/clear", summary="Remove our statistics from Home Assistant")
async def clear_statistics(request: Request, pdl: str | None = _PDL) -> dict[str, Any]:
    """Remove them (metadata and rows). While the exporter is enabled its next run imports the
    whole history again."""
    service = get_runtime(request).exports
    try:
        cleared = await actions.clear_statistics(service, pdl)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except HomeAssistantError as exc:
        raise _bad_gateway(exc) from None
    return {"cleared": cleared}


@router.post("/statistics/reimport", status_code=202, summary="Re-import from a day")
async def reimport(
    request: Request,
    since: str = Query(..., alias="from", description="First day recomputed, YYYY-MM-DD."),
) -> dict[str, Any]:
    """Start a run that recomputes every statistic from ``from`` (sums continue from the ones
    HA holds before it; costs use the current prices). Follow it on ``/api/export/logs``."""
    runtime = get_runtime(request)
    day = parse_day(since, "from")
    if day is None:
        raise invalid("from", "the first day to recompute is required: use YYYY-MM-DD", since)
    try:
        actions.check_configured(runtime.exports)
        await runtime.exports.start("home_assistant", trigger="api", since=day)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except ExportBusy as exc:
        raise HTTPException(409, str(exc)) from None
    await asyncio.sleep(0)
    return {"type": "home_assistant", "status": "started", "from": day.isoformat()}
