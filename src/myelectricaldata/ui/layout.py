"""The shell every page shares: header, navigation drawer, language and theme switches, the demo
badge; and :class:`PageContext`, what a page knows about its request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from nicegui import events, ui

from myelectricaldata.domain.timeutil import today_paris
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.i18n import LANG_COOKIE, THEME_COOKIE, Lang, pick_lang, text

if TYPE_CHECKING:
    from myelectricaldata.api.security import AccessPolicy
    from myelectricaldata.runtime import Runtime

#: Navigation entries: (page marker, text key, Material icon).
NAV: tuple[tuple[str, str, str], ...] = (
    (m.PAGE_DASHBOARD, "nav.dashboard", "dashboard"),
    (m.PAGE_CONSUMPTION, "nav.consumption", "bolt"),
    (m.PAGE_COST, "nav.cost", "euro"),
    (m.PAGE_PRODUCTION, "nav.production", "solar_power"),
    (m.PAGE_BALANCE, "nav.balance", "balance"),
    (m.PAGE_TEMPO, "nav.tempo", "calendar_month"),
    (m.PAGE_ECOWATT, "nav.ecowatt", "eco"),
    (m.PAGE_EXPORTER, "nav.exporter", "ios_share"),
    (m.PAGE_SETTINGS, "nav.settings", "settings"),
)

#: Colours shared by the charts and grids.
TEMPO_COLORS = {"BLUE": "#1e66d0", "WHITE": "#b8c4d0", "RED": "#d32f2f"}
TEMPO_BACKGROUNDS = {
    "BLUE": "rgba(30,102,208,0.10)",
    "WHITE": "rgba(150,160,170,0.12)",
    "RED": "rgba(211,47,47,0.12)",
}
ECOWATT_COLORS = {0: "#00897b", 1: "#43a047", 2: "#fb8c00", 3: "#e53935"}
PRIMARY = "#1976d2"


@dataclass(frozen=True)
class PageContext:
    """What a page reads from its request: the service's app and runtime, language, theme."""

    request: Request
    app: FastAPI
    lang: Lang
    dark: bool

    @property
    def runtime(self) -> Runtime:
        """The runtime of the service this page belongs to."""
        return cast("Runtime", self.app.state.runtime)

    @property
    def now(self) -> datetime:
        """The app's clock (aware UTC)."""
        clock = cast("Callable[[], datetime]", self.app.state.clock)
        return clock()

    @property
    def today(self) -> date:
        """Today in Paris by the app's clock."""
        return today_paris(self.now)

    @property
    def access(self) -> AccessPolicy | None:
        """The access policy, when the app has one."""
        return cast("AccessPolicy | None", getattr(self.app.state, "access", None))

    def t(self, key: str, **values: object) -> str:
        """A text in the page's language."""
        return text(self.lang, key, **values)

    def query(self, name: str) -> str | None:
        """A query parameter of the page's URL."""
        return self.request.query_params.get(name)

    def url(self, path: str, **params: str | None) -> str:
        """``path`` with the query parameters that are not ``None``."""
        clean = {k: v for k, v in params.items() if v is not None}
        return path + ("?" + urlencode(clean) if clean else "")


def context_of(request: Request) -> PageContext:
    """The page context of a NiceGUI page request."""
    from myelectricaldata.ui import APP_SCOPE_KEY

    app = cast(FastAPI, request.scope[APP_SCOPE_KEY])
    lang = pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    theme = request.query_params.get("theme") or request.cookies.get(THEME_COOKIE)
    return PageContext(request, app, lang, theme == "dark")


def _cookie_js(name: str, value: str) -> str:
    return f"document.cookie='{name}={value}; path=/; max-age=31536000; samesite=lax';"


def pdl_label(ctx: PageContext, pdl: str, name: str) -> str:
    """How a usage point is named in the UI: the name saved in Settings, else the contract's."""
    saved = ctx.runtime.store.get_setting(f"ui.pdl_name.{pdl}")
    return f"{(saved[0] if saved else '') or name or pdl} ({pdl})"


@contextmanager
def shell(ctx: PageContext, page_marker: str) -> Iterator[ui.column]:
    """Build header and drawer, then yield the page's root column (marked ``page_marker``)."""
    ui.add_css(
        """
        .med-card { min-width: 16rem; }
        .med-value { font-size: 1.6rem; font-weight: 600; line-height: 1.2; }
        .med-grid-cell { width: 1.6rem; height: 1.4rem; border-radius: 3px; }
        .med-chart { width: 100%; height: 22rem; }
        /* Form grids: a field's hint takes the room it needs instead of overlapping the next. */
        .med-form .q-field--with-bottom { padding-bottom: 0; }
        .med-form .q-field__bottom { position: static; transform: none; padding-top: 4px; }
        @media (max-width: 600px) {
          .med-chart { height: 16rem; }
          .med-value { font-size: 1.3rem; }
          .med-card { min-width: 100%; }
        }
        """
    )
    dark = ui.dark_mode(ctx.dark)
    # A ?lang= or ?theme= link also remembers the choice for this browser.
    if ctx.query("lang") in ("fr", "en"):
        ui.run_javascript(_cookie_js(LANG_COOKIE, ctx.lang))
    if ctx.query("theme") in ("light", "dark"):
        ui.run_javascript(_cookie_js(THEME_COOKIE, "dark" if ctx.dark else "light"))
    ui.query("html").props(f"lang={ctx.lang}")

    with ui.header(elevated=True).classes("items-center px-2 py-1 bg-primary") as header:
        m.apply(header, m.SHELL_HEADER)
        menu = ui.button(icon="menu").props("flat round dense color=white")
        m.apply(menu, m.SHELL_MENU)
        # The title gives way to the switches on a phone.
        ui.label(ctx.t("app.title")).classes("text-lg font-medium text-white gt-xs")
        if ctx.runtime.is_demo:
            badge = ui.badge(ctx.t("shell.demo"), color="orange").classes("ml-2")
            m.apply(badge, m.BADGE_DEMO)
        ui.space()
        other: Lang = "en" if ctx.lang == "fr" else "fr"
        target = ctx.url(
            ctx.request.url.path,
            **{k: v for k, v in ctx.request.query_params.items() if k not in ("lang", "theme")},
            lang=other,
        )

        lang_button = ui.button(
            ctx.t("shell.other_lang"),
            on_click=lambda: ui.run_javascript(
                _cookie_js(LANG_COOKIE, other) + f"window.location.href={target!r};"
            ),
        ).props("flat dense no-caps color=white")
        m.apply(lang_button, m.SWITCH_LANGUAGE)

        def toggle_theme() -> None:
            dark.value = not dark.value
            theme_button.props(f"icon={'light_mode' if dark.value else 'dark_mode'}")
            theme_button.tooltip(ctx.t("shell.light" if dark.value else "shell.dark"))
            ui.run_javascript(_cookie_js(THEME_COOKIE, "dark" if dark.value else "light"))

        theme_button = ui.button(
            icon="light_mode" if ctx.dark else "dark_mode", on_click=toggle_theme
        ).props("flat round dense color=white")
        theme_button.props["aria-label"] = ctx.t("shell.dark")
        m.apply(theme_button, m.SWITCH_THEME, value="dark" if ctx.dark else "light", unit="")
        access = ctx.access
        if access is not None and not access.open:
            logout = ui.button(icon="logout", on_click=lambda: ui.navigate.to("/logout")).props(
                "flat round dense color=white"
            )
            logout.tooltip(ctx.t("shell.logout"))
            m.apply(logout, m.LOGOUT)

    with ui.left_drawer(value=None, bordered=True).props("width=230 breakpoint=800") as drawer:
        m.apply(drawer, m.SHELL_DRAWER)
        with ui.list().props("padding").classes("w-full"):
            for marker, key, icon in NAV:
                path = m.PAGE_PATHS[marker]
                active = marker == page_marker
                with ui.item(on_click=lambda p=path: ui.navigate.to(p)).props(
                    f"clickable {'active' if active else ''} href={path}"
                ) as item:
                    m.apply(item, m.nav(marker))
                    with ui.item_section().props("avatar"):
                        ui.icon(icon)
                    with ui.item_section():
                        ui.item_label(ctx.t(key))
            ui.separator()
            with ui.item(on_click=lambda: ui.navigate.to("/docs", new_tab=True)).props("clickable"):
                with ui.item_section().props("avatar"):
                    ui.icon("api")
                with ui.item_section():
                    ui.item_label(ctx.t("nav.api_docs"))
    menu.on_click(drawer.toggle)

    with ui.column().classes("w-full max-w-screen-xl mx-auto p-2 sm:p-4 gap-4") as root:
        m.apply(root, page_marker)
        yield root


def value_label(
    text_value: str, marker: str, raw: Any, unit: str, classes: str = "med-value"
) -> ui.label:
    """A displayed number carrying its marker and raw value (see :mod:`markers`)."""
    label = ui.label(text_value).classes(classes)
    m.apply(label, marker, value=raw, unit=unit)
    return label


def stat(title: str, text_value: str, marker: str, raw: Any, unit: str) -> None:
    """A small titled number."""
    with ui.column().classes("gap-0"):
        ui.label(title).classes("text-xs opacity-70")
        value_label(text_value, marker, raw, unit)


def message(text_value: str, icon: str = "info") -> None:
    """An informative line."""
    with ui.row().classes("items-center gap-2 opacity-80"):
        ui.icon(icon)
        ui.label(text_value)


#: Rows per page of the day-by-day tables.
ROWS_PER_PAGE = 31


class PagedTable(ui.table):
    """A Quasar table paginated on the server: the browser only ever holds the page it shows.

    Quasar's server-side mode (``rowsNumber`` in the pagination) asks for a page with its
    ``request`` event; the answer replaces rows and pagination in one update. The pagination
    Quasar echoes when it mounts is the one sent, so it is not sent back (NiceGUI's table would
    otherwise re-send every row over the websocket on load).
    """

    def __init__(
        self,
        *,
        columns: list[dict[str, Any]],
        rows: list[dict[str, Any]],
        row_key: str,
        rows_per_page: int = ROWS_PER_PAGE,
    ) -> None:
        self._all_rows = rows
        super().__init__(
            columns=columns,
            rows=rows[:rows_per_page],
            row_key=row_key,
            pagination=self._pagination(1, rows_per_page),
        )
        self._props["rows-per-page-options"] = [rows_per_page, 100, 0]
        self.on("request", self._request, ["pagination"])

    def _pagination(self, page: int, per_page: int) -> dict[str, Any]:
        return {
            "sortBy": None,
            "descending": False,
            "page": page,
            "rowsPerPage": per_page,
            "rowsNumber": len(self._all_rows),
        }

    @property
    def pagination(self) -> dict[str, Any]:
        """Pagination object (``rowsNumber``: every row of the table, not only this page's)."""
        return cast("dict[str, Any]", self._props["pagination"])

    @pagination.setter
    def pagination(self, value: dict[str, Any]) -> None:
        if value != self._props.get("pagination"):
            self._props["pagination"] = value

    @property
    def all_rows(self) -> list[dict[str, Any]]:
        """Every row of the table (the browser holds only the shown page)."""
        return self._all_rows

    def _request(self, event: events.GenericEventArguments) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        wanted = args.get("pagination") or {}
        per_page = max(int(wanted.get("rowsPerPage") or 0), 0)
        pages = max(-(-len(self._all_rows) // per_page), 1) if per_page else 1
        page = min(max(int(wanted.get("page") or 1), 1), pages)
        rows = (
            self._all_rows
            if per_page == 0
            else self._all_rows[(page - 1) * per_page : page * per_page]
        )
        with self._props.suspend_updates():
            self._props["rows"] = rows
            self._props["pagination"] = self._pagination(page, per_page)
        self.update()
