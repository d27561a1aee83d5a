"""The pages of the web UI, one module each, registered once per process with NiceGUI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import import_module

from fastapi import Request

from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import PageContext, context_of

#: Page root marker -> module under ``ui.pages`` whose ``build(ctx)`` fills the page.
MODULES: dict[str, str] = {
    m.PAGE_DASHBOARD: "dashboard",
    m.PAGE_CONSUMPTION: "consumption",
    m.PAGE_COST: "cost",
    m.PAGE_PRODUCTION: "production",
    m.PAGE_BALANCE: "balance",
    m.PAGE_TEMPO: "tempo",
    m.PAGE_ECOWATT: "ecowatt",
    m.PAGE_EXPORTER: "exporter",
    m.PAGE_SETTINGS: "settings",
    m.PAGE_SIMULATOR: "simulator",
}
#: Seconds a page may take to build before NiceGUI gives up (a two-year load curve is read).
RESPONSE_TIMEOUT_S = 30.0

_registered = {"done": False}


def _page(
    builder: Callable[[PageContext], Awaitable[None]],
) -> Callable[[Request], Awaitable[None]]:
    async def page(request: Request) -> None:
        await builder(context_of(request))

    return page


def register() -> None:
    """Register every page with NiceGUI (once: its page registry is process-wide)."""
    if _registered["done"]:
        return
    from nicegui import ui

    _registered["done"] = True
    for marker, module_name in MODULES.items():
        module = import_module(f"myelectricaldata.ui.pages.{module_name}")
        ui.page(m.PAGE_PATHS[marker], response_timeout=RESPONSE_TIMEOUT_S)(_page(module.build))
