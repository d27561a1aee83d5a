"""The web UI: NiceGUI pages mounted at ``/`` on the service's FastAPI app.

NiceGUI ships Vue, Quasar and ECharts inside the package, so every page works on a LAN without
internet. Its page registry is process-wide, while the service's data lives in a
:class:`~myelectricaldata.runtime.Runtime` per app: a small ASGI middleware puts the FastAPI
app into each request's scope, and pages read the runtime (and the app's clock) from there.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

if TYPE_CHECKING:
    from myelectricaldata.runtime import Runtime

#: Scope key under which the parent FastAPI app travels to the NiceGUI pages.
APP_SCOPE_KEY = "myelectricaldata.app"

_state = {"configured": False}


class _AppInScope:
    """Pure ASGI middleware: records the service's app in the scope before NiceGUI sees it."""

    def __init__(self, app: Any, parent: FastAPI) -> None:
        self.app = app
        self.parent = parent

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[APP_SCOPE_KEY] = self.parent
        await self.app(scope, receive, send)


def mount_ui(app: FastAPI, runtime: Runtime) -> None:
    """Mount the web UI on ``app`` at ``/`` (call it after every other route is added).

    NiceGUI is configured once per process; a later app (tests build many) gets the same pages
    mounted and its own lifespan hooks.
    """
    from nicegui import core, ui
    from nicegui.nicegui import _shutdown, _startup

    from myelectricaldata.ui import error_pages, pages
    from myelectricaldata.ui.layout import BRAND, STATIC_DIR, STATIC_URL

    pages.register()
    app.add_middleware(_AppInScope, parent=app)
    # The API's unknown paths must answer JSON 404, not the UI's HTML "not found" page.
    _api_not_found(app)
    if not _state["configured"]:
        _state["configured"] = True
        ui.run_with(
            app,
            title="MyElectricalData",
            favicon="⚡",
            language="fr",
            dark=None,
            show_welcome_message=False,
            reconnect_timeout=10.0,
        )
        core.app.colors(**BRAND)
        core.app.add_static_files(STATIC_URL, STATIC_DIR, max_cache_age=86400)
        error_pages.install(core.app)
        return
    app.mount("/", core.app)
    parent_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(scope_app: Any) -> AsyncIterator[Any]:
        await _startup()
        try:
            async with parent_lifespan(scope_app) as state:
                yield state
        finally:
            await _shutdown()

    app.router.lifespan_context = lifespan


def _api_not_found(app: FastAPI) -> None:
    from fastapi import HTTPException

    @app.api_route(
        "/api/{rest:path}",
        methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        include_in_schema=False,
    )
    async def unknown_api_route(rest: str) -> None:
        raise HTTPException(404, f"no API route /api/{rest}: see /docs for the routes")
