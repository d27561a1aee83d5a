"""The FastAPI application: routers, error shapes, and the runtime's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse

from myelectricaldata import __version__
from myelectricaldata.api import guards, security
from myelectricaldata.api.params import invalid, now_utc
from myelectricaldata.api.routes import (
    export,
    grid,
    health,
    home_assistant,
    offers,
    readings,
    settings,
    sync,
    usage_points,
)
from myelectricaldata.domain.errors import InvalidInput

if TYPE_CHECKING:
    from myelectricaldata.runtime import Runtime

DESCRIPTION = """\
Linky meter data kept locally: daily energy, load curve, maximum power, contract,
Tempo and EcoWatt.

* Dates are local **Europe/Paris** days, `YYYY-MM-DD`; `start` and `end` are both **inclusive**.
* Instants are ISO-8601 with their offset (`2024-03-01T00:00:00+01:00`); a load-curve point is
  stamped at the **start** of its interval.
* Units: energy in **Wh**, load-curve power in **W** (average over the interval), maximum power
  in **VA**, subscribed power in **kVA**.
* Data routes answer JSON, or a file with `format=csv` (streamed, `delimiter=,` or `;`) or
  `format=xlsx`.
* Bad input answers **422** naming the field (`detail[].loc`); an unknown PDL **404**; a body
  over the size limit **413**; a write whose body is not JSON **415**; a cross-origin write
  without the token **403**; a busy, damaged or unreachable database **503** with what to do.
* Every JSON answer states its `source`: `demo` (synthetic data) or `gateway`.
"""


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the ``swagger-ui-bundle`` package, with no CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="MyElectricalData API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )


def create_app(runtime: Runtime, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The API over ``runtime``; its lifespan starts and stops the runtime.

    ``clock`` (aware UTC instants) decides "today" for date defaults; tests fix it.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            # Syncs started through the API belong to this app: stop them before the store
            # closes (what they stored so far stays stored).
            tasks: set[asyncio.Task[Any]] = app.state.sync_tasks
            for task in list(tasks):
                task.cancel()
            for task in list(tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await runtime.stop()

    app = FastAPI(
        title="MyElectricalData",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served below from packaged assets: the LAN may have no internet
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.clock = clock or now_utc
    app.state.sync_tasks = set()

    async def invalid_input(request: Request, exc: Exception) -> JSONResponse:
        # A domain rule refused a value: same 422 shape as FastAPI's own validation.
        assert isinstance(exc, InvalidInput)
        return await request_validation_exception_handler(request, invalid(exc.field, exc.reason))

    app.add_exception_handler(InvalidInput, invalid_input)
    _offline_docs(app)
    for module in (readings, usage_points, grid, sync, home_assistant, export, settings, health):
        app.include_router(module.router)
    app.include_router(offers.router)
    # Routes the installed exporter types add (Prometheus' /metrics, a plug-in's own).
    for router in runtime.exports.routers():
        app.include_router(router)
    # Last: the UI is mounted at "/" and would shadow any route added after it; the access
    # rule wraps everything (API, docs, metrics, UI).
    security.install(app, runtime.settings, runtime.store)
    guards.install(
        app,
        max_body=runtime.settings.med_max_body_bytes,
        health=runtime.db_health,
        url=runtime.settings.db_url,
    )
    from myelectricaldata.ui import mount_ui

    mount_ui(app, runtime)
    return app
