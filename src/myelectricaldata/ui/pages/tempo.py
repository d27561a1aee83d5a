"""Tempo: the season calendar coloured by day, the days left per colour, today and tomorrow
(unknown until RTE publishes it, around 10:40-11:00)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from nicegui import ui

from myelectricaldata.domain.tempo import (
    remaining_in_season,
    season_days,
    season_label,
    season_quota,
    season_start,
)
from myelectricaldata.domain.types import PricingOption, TempoColor, TempoDay
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import (
    TEMPO_COLORS,
    TEMPO_TEXT,
    PageContext,
    heading,
    problems_banner,
    shell,
    value_label,
)
from myelectricaldata.ui.query import QueryProblem, read_day


def _color_chip(ctx: PageContext, title: str, key: str, color: TempoColor | None) -> None:
    with ui.card().classes("min-w-[12rem]"):
        ui.label(title).classes("text-xs med-muted")
        with ui.row().classes("items-center gap-2"):
            ui.element("div").classes("med-grid-cell").style(
                f"background:{TEMPO_COLORS[color.value] if color else 'transparent'};"
                "border:1px solid #8884"
            )
            value_label(
                ctx.label("tempo", color) if color else ctx.t("tempo.unknown"),
                m.value("tempo", key),
                color.value if color else "",
                "",
                "text-lg font-medium" if color else "text-sm",
            )


async def build(ctx: PageContext) -> None:
    """The Tempo page."""
    today = ctx.today
    season = read_day("season", ctx.query("season"))
    problems = (
        [QueryProblem("season", ctx.query("season") or "", "query.season")]
        if (season.problem)
        else []
    )
    first = season_start(season.day or today)
    last = first + timedelta(days=season_days(first) - 1)
    store = ctx.runtime.store
    days: list[TempoDay] = await asyncio.to_thread(store.tempo, first, last)
    colors = {d.day: d.color for d in days}
    current_first = season_start(today)
    current = (
        days
        if current_first == first
        else await asyncio.to_thread(
            store.tempo,
            current_first,
            current_first + timedelta(days=season_days(current_first) - 1),
        )
    )
    remaining = remaining_in_season(current, today)
    near = {
        d.day: d.color
        for d in await asyncio.to_thread(store.tempo, today, today + timedelta(days=1))
    }
    points = await asyncio.to_thread(store.usage_points)
    # Calendar days link to the Consommation page of a Tempo contract's usage point.
    tempo_point = next(
        (p for p in points if p.point.pricing_option is PricingOption.TEMPO),
        points[0] if points else None,
    )
    link_pdl = tempo_point.point.pdl if tempo_point else None
    with shell(ctx, m.PAGE_TEMPO):
        problems_banner(ctx, problems)
        with ui.row().classes("gap-4 flex-wrap"):
            _color_chip(ctx, ctx.t("tempo.today"), "today", near.get(today))
            _color_chip(
                ctx, ctx.t("tempo.tomorrow"), "tomorrow", near.get(today + timedelta(days=1))
            )
            with ui.card():
                season_text = ctx.t("tempo.season", label=season_label(today))
                ui.label(f"{ctx.t('tempo.remaining')} — {season_text}").classes("text-xs med-muted")
                with ui.row().classes("gap-6"):
                    quota = season_quota(current_first)
                    for color in TempoColor:
                        with ui.column().classes("gap-0 items-center"):
                            value_label(
                                str(remaining[color]),
                                m.value("tempo", f"remaining_{color.value}"),
                                remaining[color],
                                "days",
                                "text-xl font-semibold",
                            ).classes(f"med-tempo-{color.value}")
                            ui.label(f"{ctx.t(f'tempo.{color.value}')} / {quota[color]}").classes(
                                "text-xs med-muted"
                            )
        with ui.card().classes("w-full"):
            with ui.row().classes("items-center w-full"):
                prev_season = first - timedelta(days=1)
                previous = ui.button(
                    icon="chevron_left",
                    on_click=lambda: ui.navigate.to(
                        ctx.url("/tempo", season=str(season_start(prev_season)))
                    ),
                ).props("flat round dense")
                previous.tooltip(ctx.t("tempo.prev"))
                previous.props["aria-label"] = ctx.t("tempo.prev")
                heading(ctx.t("tempo.season", label=season_label(first)))
                following = ui.button(
                    icon="chevron_right",
                    on_click=lambda: ui.navigate.to(
                        ctx.url("/tempo", season=str(last + timedelta(days=1)))
                    ),
                ).props("flat round dense")
                following.tooltip(ctx.t("tempo.next"))
                following.props["aria-label"] = ctx.t("tempo.next")
            ui.label(ctx.t("tempo.hint")).classes("text-xs med-muted")
            _legend(ctx)
            _calendar(ctx, first, last, colors, today, link_pdl)


#: The season calendar: one line per month, one cell per day carrying its weekday letter and
#: number. The cells shrink with the card; on a phone the month name goes above its days,
#: which wrap on two lines (1-16, 17-31). Weekends are underlined.
CALENDAR_CSS = """
.med-cal { display: flex; flex-direction: column; gap: 2px; }
.med-cal-month { display: flex; align-items: center; gap: 6px; }
.med-cal-label { width: 4rem; flex-shrink: 0; font-size: .75rem; }
.med-cal-days {
  flex: 1; min-width: 0; display: grid; gap: 2px;
  grid-template-columns: repeat(31, minmax(0, 1.6rem));
}
.med-cal-day {
  height: 2rem; border-radius: 3px; font-size: 10px; line-height: 1.05;
  display: flex; flex-direction: column; align-items: center; justify-content: center;
  color: inherit; text-decoration: none;
}
.med-cal-day .med-cal-wd { font-size: 9px; }
.med-cal-day.med-cal-weekend .med-cal-wd { text-decoration: underline; font-weight: 700; }
a.med-cal-day:hover, a.med-cal-day:focus-visible { outline: 2px solid currentColor; }
.med-cal-unknown { background: transparent; border: 1px dashed #8886; }
.med-cal-today { box-shadow: 0 0 0 2px #ff9800; }
.med-legend { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; }
.med-legend-item { display: flex; align-items: center; gap: 6px; font-size: .8rem; }
.med-legend-swatch { width: 1.1rem; height: 1.1rem; border-radius: 3px; }
.med-tempo-BLUE { color: #1e66d0; }
.med-tempo-RED { color: #d32f2f; }
.body--dark .med-tempo-BLUE { color: #82b1ff; }
.body--dark .med-tempo-RED { color: #ff8a80; }
@media (max-width: 600px) {
  .med-cal { gap: 8px; }
  .med-cal-month { flex-direction: column; align-items: stretch; gap: 2px; }
  .med-cal-label { width: auto; font-weight: 500; }
  .med-cal-days { grid-template-columns: repeat(16, minmax(0, 1fr)); }
  .med-cal-day { height: 2.2rem; }
}
"""


def _legend(ctx: PageContext) -> None:
    """What the calendar's colours and marks mean."""
    ui.add_css(CALENDAR_CSS)
    with ui.element("div").classes("med-legend") as legend:
        m.apply(legend, m.TEMPO_LEGEND)
        ui.label(f"{ctx.t('tempo.legend')} :").classes("text-sm font-medium")
        for color in TempoColor:
            with ui.element("div").classes("med-legend-item"):
                ui.element("div").classes("med-legend-swatch").style(
                    f"background:{TEMPO_COLORS[color.value]}"
                )
                ui.label(ctx.label("tempo", color))
        with ui.element("div").classes("med-legend-item"):
            ui.element("div").classes("med-legend-swatch med-cal-unknown")
            ui.label(ctx.t("tempo.legend_unknown"))
        with ui.element("div").classes("med-legend-item"):
            ui.element("div").classes("med-legend-swatch med-cal-today")
            ui.label(ctx.t("tempo.legend_today"))
        ui.label(ctx.t("tempo.legend_link")).classes("text-xs med-muted")


def _calendar(
    ctx: PageContext,
    first: date,
    last: date,
    colors: dict[date, TempoColor],
    today: date,
    pdl: str | None,
) -> None:
    """One row per month (September to August), one cell per day."""
    with ui.element("div").classes("med-cal w-full") as grid:
        m.apply(grid, m.CHART_TEMPO)
        month = first
        while month <= last:
            with ui.element("div").classes("med-cal-month"):
                ui.label(f"{i18n.month_abbr(month.month, ctx.lang)} {month.year}").classes(
                    "med-cal-label"
                )
                with ui.element("div").classes("med-cal-days"):
                    day = month
                    while day.month == month.month:
                        _day_cell(ctx, day, colors.get(day), today, pdl)
                        day += timedelta(days=1)
            month = day


def _day_cell(
    ctx: PageContext, day: date, color: TempoColor | None, today: date, pdl: str | None
) -> None:
    """A day: a link to its consumption up to today, a plain cell after."""
    linked = pdl is not None and day <= today
    cell = ui.element("a" if linked else "div")
    classes = "med-cal-day"
    if day.weekday() >= 5:
        classes += " med-cal-weekend"
    if color is None:
        classes += " med-cal-unknown"
    if day == today:
        classes += " med-cal-today"
    cell.classes(classes)
    if color:
        cell.style(f"background:{TEMPO_COLORS[color.value]};color:{TEMPO_TEXT[color.value]}")
    with cell:
        ui.label(i18n.weekday_letter(day, ctx.lang)).classes("med-cal-wd")
        ui.label(str(day.day))
    name = ctx.label("tempo", color) if color else ctx.t("common.unknown")
    spoken = f"{i18n.weekday_long(day, ctx.lang)} {i18n.day_text(day, ctx.lang)}"
    if linked and pdl is not None:
        cell.props["href"] = ctx.url(
            "/consumption", pdl=pdl, period="day", start=day.isoformat(), end=day.isoformat()
        )
        cell.props["aria-label"] = ctx.t("tempo.day_link", day=spoken, color=name)
    else:
        cell.props["aria-label"] = f"{spoken} : {name}"
        cell.props["role"] = "img"
    cell.props["title"] = f"{spoken} — {name}"
    m.apply(cell, m.tempo_day(day.isoformat()), value=color.value if color else "", unit="")
