"""The UI's own "not found" and "server error" pages, in the UI's language.

NiceGUI answers an unknown path, or a page that raised, with its own English page. These
handlers replace NiceGUI's on its app: same routing rule (a non-page endpoint's 404 stays JSON),
but the page speaks French or English like the rest of the UI, has the shell (404) and one
``<h1>``, and never shows a traceback (the log has it).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from myelectricaldata.ui import markers as m
from myelectricaldata.ui.i18n import LANG_COOKIE, pick_lang, text

log = logging.getLogger(__name__)


def install(nicegui_app: Any) -> None:
    """Put the UI's 404 and 500 pages in place of NiceGUI's on its app."""
    nicegui_app.add_exception_handler(404, _not_found)
    nicegui_app.add_exception_handler(Exception, _server_error)


async def _not_found(request: Request, exception: Exception) -> Response:
    from nicegui import core

    endpoint = request.scope.get("endpoint")
    if (
        endpoint is not None
        and endpoint is not core.app
        and not request.scope.get("nicegui_page_path")
        and isinstance(exception, StarletteHTTPException)
    ):
        # A non-page endpoint (a static file, a NiceGUI resource) answers JSON, as NiceGUI does.
        return await http_exception_handler(request, exception)
    return _page(request, 404)


async def _server_error(request: Request, exception: Exception) -> Response:
    if not request.scope.get("nicegui_page_path"):
        raise exception  # not a page: FastAPI's plain "Internal Server Error"
    log.exception("page %s failed", request.url.path, exc_info=exception)
    return _page(request, 500, exception)


def _page(request: Request, status: int, exception: Exception | None = None) -> Response:
    """The error page: within the shell when the page context can be built, else bare."""
    from nicegui import Client, ui
    from nicegui.page import page

    from myelectricaldata.ui import APP_SCOPE_KEY
    from myelectricaldata.ui.layout import context_of, heading, shell

    lang = pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    marker = m.PAGE_NOT_FOUND if status == 404 else m.PAGE_ERROR
    title = text(lang, "error.not_found" if status == 404 else "error.server")
    body = (
        text(lang, "error.not_found_text", path=request.url.path[:200])
        if status == 404
        else text(lang, "error.server_text", error=type(exception).__name__)
    )
    with Client(page(""), request=request) as client:
        if status == 404 and APP_SCOPE_KEY in request.scope:
            with shell(context_of(request), marker, title=title):
                _content(body, lang)
        else:
            # A page that failed may fail again in the shell: a page of its own instead.
            client.page.language = "en-US" if lang == "en" else "fr"
            ui.page_title(f"{title} — MyElectricalData")
            with ui.column().classes("w-full max-w-screen-md mx-auto p-4 gap-4") as root:
                m.apply(root, marker)
                heading(title, level=1)
                _content(body, lang)
    return client.build_response(request, status)


def _content(body: str, lang: str) -> None:
    from nicegui import ui

    ui.label(body)
    ui.link(text(lang, "error.home"), "/").classes("text-primary")
