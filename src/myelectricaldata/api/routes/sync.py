"""Sync status with progress, and a trigger that starts a sync in the background."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from myelectricaldata.api.formats import iso_instant, json_response
from myelectricaldata.api.params import get_runtime
from myelectricaldata.crypto import MASK
from myelectricaldata.sources.base import Quota
from myelectricaldata.store.repo import StreamState, SyncBusy, SyncRun

router = APIRouter(tags=["sync"])

#: How long ``POST /api/sync`` waits for the new run's record before answering anyway.
RUN_RECORD_WAIT_S = 1.0
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")


class RunValue(BaseModel):
    """One sync run and its progress."""

    id: int
    trigger: str = Field(examples=["api", "startup", "schedule"])
    status: str = Field(examples=["running", "success", "partial", "failed", "interrupted"])
    started_at: str
    finished_at: str | None
    steps_total: int
    steps_done: int
    percent: float = Field(examples=[42.5])
    rows_written: int
    current: str = Field(description="What the run is doing now.")
    errors: list[dict[str, str]] = Field(
        description="Each error with its scope and reason.",
        examples=[[{"scope": "09999000000001/consumption_detail", "error": "...", "kind": "..."}]],
    )


class StreamValue(BaseModel):
    """Outcome of the last attempt at one stream of one PDL (or ``grid``)."""

    pdl: str
    stream: str
    ok: bool
    last_attempt_at: str | None
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None


class QuotaValue(BaseModel):
    """Gateway calls left today on one quota bucket."""

    bucket: str = Field(
        examples=["cached", "no_cache"],
        description="cached: calls with the gateway's cache (1000 a day); no_cache: without it, "
        "EcoWatt included (50 a day).",
    )
    limit: int
    used: int
    remaining: int
    reset_at: str


class SyncAnswer(BaseModel):
    """Whether a sync runs, its progress, the last runs, every stream and the quota."""

    running: bool
    source: str = Field(examples=["demo", "gateway"])
    current: RunValue | None
    last: list[RunValue]
    streams: list[StreamValue]
    quota: QuotaValue | None = Field(description="The cached bucket, the one syncs spend.")
    quotas: list[QuotaValue] = Field(description="Every quota bucket (none on demo data).")


class _Scrubber:
    """Masks secrets that an upstream error text might quote (defence in depth)."""

    def __init__(self, secrets: list[str]) -> None:
        self._secrets = [s for s in secrets if len(s) >= 4]

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _BEARER.sub(rf"\g<1>{MASK}", text)


def _scrubber(request: Request) -> _Scrubber:
    settings = get_runtime(request).settings
    return _Scrubber(
        [settings.med_client_secret.get_secret_value(), settings.med_secret_key.get_secret_value()]
    )


def _percent(run: SyncRun) -> float:
    if run.steps_total > 0:
        return round(100.0 * min(run.steps_done, run.steps_total) / run.steps_total, 1)
    return 0.0 if run.status == "running" else 100.0


def _run_json(run: SyncRun, scrub: _Scrubber) -> dict[str, Any]:
    return {
        "id": run.id,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": iso_instant(run.started_at),
        "finished_at": iso_instant(run.finished_at),
        "steps_total": run.steps_total,
        "steps_done": run.steps_done,
        "percent": _percent(run),
        "rows_written": run.rows_written,
        "current": scrub(run.current) or "",
        "errors": [{k: scrub(str(v)) or "" for k, v in e.items()} for e in run.errors],
    }


def _stream_json(state: StreamState, scrub: _Scrubber) -> dict[str, Any]:
    return {
        "pdl": state.pdl,
        "stream": state.stream,
        "ok": state.last_error is None,
        "last_attempt_at": iso_instant(state.last_attempt_at),
        "last_success_at": iso_instant(state.last_success_at),
        "last_error": scrub(state.last_error),
        "last_error_at": iso_instant(state.last_error_at),
    }


def _quota_json(quota: Quota | None) -> dict[str, Any] | None:
    if quota is None:
        return None
    return {
        "bucket": quota.bucket,
        "limit": quota.limit,
        "used": quota.used,
        "remaining": quota.remaining,
        "reset_at": iso_instant(quota.reset_at),
    }


async def _status_json(request: Request) -> dict[str, Any]:
    runtime = get_runtime(request)
    # status() reads the store: keep it off the event loop.
    status = await run_in_threadpool(runtime.sync.status)
    scrub = _scrubber(request)
    return {
        "running": status.running,
        "source": status.source,
        "current": _run_json(status.current, scrub) if status.current else None,
        "last": [_run_json(r, scrub) for r in status.last],
        "streams": [_stream_json(s, scrub) for s in status.streams],
        "quota": _quota_json(status.quota),
        "quotas": [_quota_json(q) for q in status.quotas],
    }


@router.get(
    "/api/sync",
    response_model=None,
    summary="Sync status",
    responses={200: {"model": SyncAnswer, "description": "Sync status and progress"}},
)
async def sync_status(request: Request) -> Response:
    """Whether a sync runs and how far it is (steps done/total, percent, current step), the
    last runs with their errors, the last outcome of every stream and the gateway quota."""
    return json_response(await _status_json(request))


@router.post(
    "/api/sync",
    response_model=None,
    status_code=202,
    summary="Start a sync",
    responses={
        202: {"model": SyncAnswer, "description": "Sync started; follow it on GET /api/sync"},
        409: {"description": "A sync is already running."},
    },
)
async def start_sync(request: Request) -> Response:
    """Start a sync in the background (202); 409 while one runs. Follow it on GET /api/sync."""
    runtime = get_runtime(request)
    tasks: set[asyncio.Task[Any]] = request.app.state.sync_tasks
    busy = "a sync is already running; follow it on GET /api/sync"
    # status() also sees a run of another process (e.g. the CLI) through the store.
    if (await run_in_threadpool(runtime.sync.status)).running:
        return json_response({"detail": busy}, status_code=409)
    try:
        task = runtime.sync.start_background(trigger="api")
    except SyncBusy as exc:
        return json_response({"detail": str(exc) or busy}, status_code=409)
    # Keep a strong reference (asyncio only keeps weak ones) until the run ends; the app's
    # lifespan cancels what is left at shutdown.
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    # Give the run a moment to create its record so that the answer can show it.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RUN_RECORD_WAIT_S
    body = await _status_json(request)
    while body["current"] is None and not task.done() and loop.time() < deadline:
        await asyncio.sleep(0.02)
        body = await _status_json(request)
    if task.done() and not task.cancelled() and isinstance(task.exception(), SyncBusy):
        # Another process took the store's sync lock between the check and the start.
        return json_response({"detail": busy}, status_code=409)
    body["running"] = body["running"] or not task.done()
    return json_response(body, status_code=202)
