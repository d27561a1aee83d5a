"""The shell every page shares: header, navigation drawer, language and theme switches, the demo
badge; and :class:`PageContext`, what a page knows about its request."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from nicegui import events, ui
from nicegui.element import Element
from nicegui.elements.mixins.text_element import TextElement
from nicegui.language import Language

from myelectricaldata.domain.timeutil import PARIS, today_paris
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.i18n import (
    LANG_COOKIE,
    THEME_COOKIE,
    Lang,
    code_label,
    day_text,
    instant_text,
    pick_lang,
    text,
)
from myelectricaldata.ui.query import MAX_DAY, MIN_DAY, QueryProblem

if TYPE_CHECKING:
    from myelectricaldata.api.security import AccessPolicy
    from myelectricaldata.runtime import Runtime
    from myelectricaldata.ui.data import Repricing

#: Navigation entries: (page marker, text key, Material icon).
NAV: tuple[tuple[str, str, str], ...] = (
    (m.PAGE_DASHBOARD, "nav.dashboard", "dashboard"),
    (m.PAGE_CONSUMPTION, "nav.consumption", "bolt"),
    (m.PAGE_COST, "nav.cost", "euro"),
    (m.PAGE_SIMULATOR, "nav.simulator", "calculate"),
    (m.PAGE_PRODUCTION, "nav.production", "solar_power"),
    (m.PAGE_BALANCE, "nav.balance", "balance"),
    (m.PAGE_TEMPO, "nav.tempo", "calendar_month"),
    (m.PAGE_ECOWATT, "nav.ecowatt", "eco"),
    (m.PAGE_EXPORTER, "nav.exporter", "ios_share"),
    (m.PAGE_SETTINGS, "nav.settings", "settings"),
)

#: Colours shared by the charts and grids (each with a text colour of at least 4.5:1 on it).
TEMPO_COLORS = {"BLUE": "#1e66d0", "WHITE": "#b8c4d0", "RED": "#d32f2f"}
TEMPO_TEXT = {"BLUE": "#ffffff", "WHITE": "#1d2733", "RED": "#ffffff"}
TEMPO_BACKGROUNDS = {
    "BLUE": "rgba(30,102,208,0.10)",
    "WHITE": "rgba(150,160,170,0.12)",
    "RED": "rgba(211,47,47,0.12)",
}
ECOWATT_COLORS = {0: "#00695c", 1: "#2e7d32", 2: "#f57c00", 3: "#c62828"}
ECOWATT_TEXT = {0: "#ffffff", 1: "#ffffff", 2: "#000000", 3: "#ffffff"}
PRIMARY = "#1565c0"
#: Colour of each tariff tag in the charts (and of the subscription on the cost page).
TAG_COLORS = {
    "base": "#1976d2",
    "hc": "#26a69a",
    "hp": "#ef6c00",
    "bluehc": "#64b5f6",
    "bluehp": TEMPO_COLORS["BLUE"],
    "whitehc": "#cfd8dc",
    "whitehp": "#90a4ae",
    "redhc": "#ef9a9a",
    "redhp": TEMPO_COLORS["RED"],
    "base_weekend": "#5e35b1",
    "hc_weekend": "#00897b",
    "hp_weekend": "#f4511e",
    "winter_hc": "#4fc3f7",
    "winter_hp": "#0277bd",
    "summer_hc": "#ffd54f",
    "summer_hp": "#f9a825",
    "peak_day": "#b71c1c",
    "ejp_normal": "#43a047",
    "ejp_peak": "#c62828",
    "unclassified": "#bdbdbd",
    "subscription": "#8d6e63",
}

#: Quasar's brand colours: WCAG AA (4.5:1) for text and buttons on the light theme; the dark
#: theme swaps them in ``static/med.css`` (a light primary with dark text on filled buttons).
BRAND = {
    "primary": PRIMARY,
    "secondary": "#00695c",
    "accent": "#6a1b9a",
    "positive": "#2e7d32",
    "negative": "#c10015",
    "info": "#0277bd",
    "warning": "#f2c037",
}

#: The stylesheet every page links (``static/med.css``): the shared look and the dark theme's
#: colours. A static file, so browsers cache it instead of receiving it in every page; its
#: content hash in the URL makes a new version load at once.
STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/_med"
_CSS_VERSION = hashlib.sha256((STATIC_DIR / "med.css").read_bytes()).hexdigest()[:12]
STYLESHEET = f"{STATIC_URL}/med.css?v={_CSS_VERSION}"


@dataclass(frozen=True)
class PageContext:
    """What a page reads from its request: the service's app and runtime, language, theme."""

    request: Request
    app: FastAPI
    lang: Lang
    dark: bool
    #: The drawer's links by page marker (set by :func:`shell`; period pages update them).
    nav_links: dict[str, Element] = field(default_factory=dict)

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

    def label(self, group: str, code: object) -> str:
        """The word for a code (``opt``/``TEMPO``, ``status``/``failed``...): see
        :func:`i18n.label`."""
        return code_label(self.lang, group, code)

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


#: Quasar language pack of each UI language (its tables, pickers and dialogs speak it too).
QUASAR_LANGUAGES: dict[str, Language] = {"fr": "fr", "en": "en-US"}

#: Page markers whose pages share the period picker: the drawer's links to them carry the
#: period shown, so that moving between them keeps it.
PERIOD_PAGES = (m.PAGE_CONSUMPTION, m.PAGE_COST, m.PAGE_PRODUCTION, m.PAGE_BALANCE)


def _page_language(ctx: PageContext) -> None:
    """This response's language and theme for Quasar and the ``<html lang>``: a copy of the
    process-wide page object, so concurrent pages in the other language are not affected."""
    client = ui.context.client
    own = copy.copy(client.page)
    own.language = QUASAR_LANGUAGES[ctx.lang]
    own.dark = ctx.dark
    client.page = own


def heading(title: str, level: int = 2, classes: str = "") -> TextElement:
    """A section heading (``<h2>`` by default): every page has one ``<h1>``, from :func:`shell`."""
    element = TextElement(tag=f"h{level}", text=title)
    element.classes(("med-h1" if level == 1 else "med-h2") + (f" {classes}" if classes else ""))
    return element


def page_title_of(ctx: PageContext, page_marker: str) -> str:
    """The title of a page: its navigation entry."""
    for marker, key, _ in NAV:
        if marker == page_marker:
            return ctx.t(key)
    return ctx.t("app.title")


@contextmanager
def shell(ctx: PageContext, page_marker: str, *, title: str | None = None) -> Iterator[ui.column]:
    """Build header and drawer, then yield the page's root column (marked ``page_marker``),
    which starts with the page's one ``<h1>``."""
    title = title or page_title_of(ctx, page_marker)
    _page_language(ctx)
    ui.page_title(f"{title} — MyElectricalData")
    ui.add_head_html(f'<link rel="stylesheet" href="{STYLESHEET}">')
    dark = ui.dark_mode(ctx.dark)
    # A ?lang= or ?theme= link also remembers the choice for this browser.
    if ctx.query("lang") in ("fr", "en"):
        ui.run_javascript(_cookie_js(LANG_COOKIE, ctx.lang))
    if ctx.query("theme") in ("light", "dark"):
        ui.run_javascript(_cookie_js(THEME_COOKIE, "dark" if ctx.dark else "light"))

    with ui.header(elevated=True).classes("items-center px-2 py-1 med-header") as header:
        m.apply(header, m.SHELL_HEADER)
        menu = ui.button(icon="menu").props("flat round dense color=white")
        menu.props["aria-label"] = ctx.t("shell.menu")
        m.apply(menu, m.SHELL_MENU)
        # The title gives way to the switches on a phone.
        ui.label(ctx.t("app.title")).classes("text-lg font-medium text-white gt-xs")
        if ctx.runtime.is_demo:
            badge = ui.badge(ctx.t("shell.demo"), color="amber", text_color="black")
            badge.classes("ml-2")
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
        ).props(f"flat dense no-caps color=white lang={other}")
        lang_button.props["aria-label"] = ctx.t("shell.switch_lang")
        m.apply(lang_button, m.SWITCH_LANGUAGE)

        def toggle_theme() -> None:
            dark.value = not dark.value
            theme_button.props(f"icon={'light_mode' if dark.value else 'dark_mode'}")
            theme_button.props["aria-label"] = ctx.t("shell.light" if dark.value else "shell.dark")
            ui.run_javascript(_cookie_js(THEME_COOKIE, "dark" if dark.value else "light"))

        theme_button = ui.button(
            icon="light_mode" if ctx.dark else "dark_mode", on_click=toggle_theme
        ).props("flat round dense color=white")
        theme_button.props["aria-label"] = ctx.t("shell.light" if ctx.dark else "shell.dark")
        m.apply(theme_button, m.SWITCH_THEME, value="dark" if ctx.dark else "light", unit="")
        access = ctx.access
        if access is not None and not access.open:
            logout = ui.button(icon="logout", on_click=lambda: ui.navigate.to("/logout")).props(
                "flat round dense color=white"
            )
            logout.props["aria-label"] = ctx.t("shell.logout")
            logout.tooltip(ctx.t("shell.logout"))
            m.apply(logout, m.LOGOUT)

    with ui.left_drawer(value=None, bordered=True).props("width=230 breakpoint=800") as drawer:
        m.apply(drawer, m.SHELL_DRAWER)
        with ui.element("nav").classes("w-full") as nav:
            nav.props["aria-label"] = ctx.t("shell.navigation")
            with ui.element("ul").classes("med-nav"):
                for marker, key, icon in NAV:
                    with ui.element("li"):
                        link = _nav_link(m.PAGE_PATHS[marker], icon, ctx.t(key))
                        if marker == page_marker:
                            link.props["aria-current"] = "page"
                        m.apply(link, m.nav(marker))
                        ctx.nav_links[marker] = link
                with ui.element("li"):
                    ui.element("hr")
                with ui.element("li"):
                    docs = _nav_link("/docs", "api", ctx.t("nav.api_docs"))
                    docs.props["target"] = "_blank"
                    docs.props["rel"] = "noopener"
    menu.on_click(drawer.toggle)

    with ui.column().classes("w-full max-w-screen-xl mx-auto p-2 sm:p-4 gap-4") as root:
        m.apply(root, page_marker)
        heading(title, level=1)
        yield root


def _nav_link(path: str, icon: str, label: str) -> Element:
    with ui.element("a") as link:
        link.props["href"] = path
        ui.icon(icon)
        ui.label(label)
    return link


def keep_period(ctx: PageContext, query: dict[str, str]) -> None:
    """Make the drawer's links to the period pages open ``query`` (usage point and period)."""
    for marker in PERIOD_PAGES:
        link = ctx.nav_links.get(marker)
        if link is not None:
            link.props["href"] = ctx.url(m.PAGE_PATHS[marker], **query)


def problems_banner(ctx: PageContext, problems: Sequence[QueryProblem]) -> None:
    """Say which URL parameters were refused, why, and what the page shows instead."""
    if not problems:
        return
    with ui.element("div").classes("med-alert w-full") as box:
        box.props["role"] = "alert"
        m.apply(box, m.QUERY_ERROR, value=",".join(p.name for p in problems), unit="")
        ui.label(ctx.t("query.title")).classes("font-medium")
        for problem in problems:
            ui.label(
                ctx.t(
                    problem.key,
                    name=problem.name,
                    value=problem.shown_value,
                    min=day_text(MIN_DAY, ctx.lang),
                    max=day_text(MAX_DAY, ctx.lang),
                    **problem.values,
                )
            ).classes("text-sm")


def value_label(
    text_value: str, marker: str, raw: Any, unit: str, classes: str = "med-value"
) -> ui.label:
    """A displayed number carrying its marker and raw value (see :mod:`markers`)."""
    label = ui.label(text_value).classes(classes)
    m.apply(label, marker, value=raw, unit=unit)
    return label


def stat(
    title: str, text_value: str, marker: str, raw: Any, unit: str, note: str | None = None
) -> None:
    """A small titled number, with an optional line under it (where it comes from)."""
    with ui.column().classes("gap-0"):
        ui.label(title).classes("text-xs med-muted")
        value_label(text_value, marker, raw, unit)
        if note:
            ui.label(note).classes("text-xs med-muted")


def message(text_value: str, icon: str = "info") -> None:
    """An informative line."""
    with ui.row().classes("items-center gap-2 opacity-80"):
        ui.icon(icon)
        ui.label(text_value)


#: Rows per page of the day-by-day tables.
ROWS_PER_PAGE = 31


def column(
    name: str, label: str, *, align: str = "right", key: bool = True, wrap: bool = False
) -> dict[str, Any]:
    """A table column; ``key=False`` makes it optional: hidden on a phone until the table's
    "all columns" switch is on, so that the key columns stay on screen."""
    col: dict[str, Any] = {"name": name, "label": label, "field": name, "align": align}
    classes = "" if key else "med-col-opt"
    if wrap:
        classes += " whitespace-normal"
        col["style"] = "min-width: 8rem; white-space: normal"
    if classes.strip():
        col["classes"] = classes.strip()
        col["headerClasses"] = classes.strip()
    return col


def day_table(
    ctx: PageContext,
    columns: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    marker: str,
    *,
    row_key: str = "date",
) -> PagedTable:
    """A server-paginated table (:class:`PagedTable`) marked ``marker``; when some columns are
    optional, a switch above it shows them on a phone too."""
    switch = None
    if any("med-col-opt" in str(c.get("classes", "")) for c in columns):
        switch = ui.switch(ctx.t("table.all_columns")).classes("med-columns-switch text-sm")
        m.apply(switch, m.TABLE_COLUMNS)
    table = PagedTable(columns=columns, rows=rows, row_key=row_key).classes("w-full med-table")
    table.props("dense flat bordered")
    m.apply(table, marker)
    if switch is not None:

        def show(event: events.ValueChangeEventArguments[Any]) -> None:
            if event.value:
                table.classes(add="med-all-columns")
            else:
                table.classes(remove="med-all-columns")

        switch.on_value_change(show)
    return table


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


def repricing_banner(ctx: PageContext, change: Repricing, end: date) -> None:
    """Say which range a back-dated change re-priced, and that the pages already show it."""
    with ui.element("div").classes("med-alert med-alert-info w-full") as box:
        box.props["role"] = "status"
        m.apply(box, m.REPRICE_BANNER, value=f"{change.start}..{end}", unit="")
        ui.label(
            ctx.t(
                "reprice.banner",
                at=instant_text(change.saved_at.astimezone(PARIS), ctx.lang),
                what=ctx.t(f"reprice.{change.what}"),
                start=day_text(change.start, ctx.lang),
                end=day_text(end, ctx.lang),
            )
        ).classes("text-sm")
