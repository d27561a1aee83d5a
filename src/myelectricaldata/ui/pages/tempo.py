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
from myelectricaldata.domain.types import TempoColor, TempoDay
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import parse_date
from myelectricaldata.ui.layout import TEMPO_COLORS, PageContext, shell, value_label


def _color_chip(ctx: PageContext, title: str, key: str, color: TempoColor | None) -> None:
    with ui.card().classes("min-w-[12rem]"):
        ui.label(title).classes("text-xs opacity-70")
        with ui.row().classes("items-center gap-2"):
            ui.element("div").classes("med-grid-cell").style(
                f"background:{TEMPO_COLORS[color.value] if color else 'transparent'};"
                "border:1px solid #8884"
            )
            value_label(
                ctx.t(f"tempo.{color.value}") if color else ctx.t("tempo.unknown"),
                m.value("tempo", key),
                color.value if color else "",
                "",
                "text-lg font-medium" if color else "text-sm",
            )


async def build(ctx: PageContext) -> None:
    """The Tempo page."""
    today = ctx.today
    wanted = parse_date(ctx.query("season"))
    first = season_start(wanted or today)
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
    with shell(ctx, m.PAGE_TEMPO):
        ui.page_title(f"{ctx.t('nav.tempo')} — MyElectricalData")
        with ui.row().classes("gap-4 flex-wrap"):
            _color_chip(ctx, ctx.t("tempo.today"), "today", near.get(today))
            _color_chip(
                ctx, ctx.t("tempo.tomorrow"), "tomorrow", near.get(today + timedelta(days=1))
            )
            with ui.card():
                season_text = ctx.t("tempo.season", label=season_label(today))
                ui.label(f"{ctx.t('tempo.remaining')} — {season_text}").classes(
                    "text-xs opacity-70"
                )
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
                            ).style(
                                f"color:{TEMPO_COLORS[color.value]}"
                                if color.value != "WHITE"
                                else ""
                            )
                            ui.label(f"{ctx.t(f'tempo.{color.value}')} / {quota[color]}").classes(
                                "text-xs opacity-70"
                            )
        with ui.card().classes("w-full"):
            with ui.row().classes("items-center w-full"):
                prev_season = first - timedelta(days=1)
                ui.button(
                    icon="chevron_left",
                    on_click=lambda: ui.navigate.to(
                        ctx.url("/tempo", season=str(season_start(prev_season)))
                    ),
                ).props("flat round dense").tooltip(ctx.t("tempo.prev"))
                ui.label(ctx.t("tempo.season", label=season_label(first))).classes(
                    "text-base font-medium"
                )
                ui.button(
                    icon="chevron_right",
                    on_click=lambda: ui.navigate.to(
                        ctx.url("/tempo", season=str(last + timedelta(days=1)))
                    ),
                ).props("flat round dense").tooltip(ctx.t("tempo.next"))
            ui.label(ctx.t("tempo.hint")).classes("text-xs opacity-70")
            _calendar(ctx, first, last, colors, today)


#: The season calendar: one line per month, one cell per day. The cells shrink with the card;
#: on a phone the month name goes above its days, which wrap on two lines (1-16, 17-31).
CALENDAR_CSS = """
.med-cal { display: flex; flex-direction: column; gap: 2px; }
.med-cal-month { display: flex; align-items: center; gap: 6px; }
.med-cal-label { width: 4rem; flex-shrink: 0; font-size: .75rem; }
.med-cal-days {
  flex: 1; min-width: 0; display: grid; gap: 2px;
  grid-template-columns: repeat(31, minmax(0, 1.6rem));
}
.med-cal-day {
  height: 1.4rem; border-radius: 3px; font-size: 10px; line-height: 1;
  display: flex; align-items: center; justify-content: center;
}
@media (max-width: 600px) {
  .med-cal { gap: 8px; }
  .med-cal-month { flex-direction: column; align-items: stretch; gap: 2px; }
  .med-cal-label { width: auto; font-weight: 500; }
  .med-cal-days { grid-template-columns: repeat(16, minmax(0, 1fr)); }
  .med-cal-day { height: 1.6rem; }
}
"""


def _calendar(
    ctx: PageContext, first: date, last: date, colors: dict[date, TempoColor], today: date
) -> None:
    """One row per month (September to August), one cell per day."""
    ui.add_css(CALENDAR_CSS)
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
                        _day_cell(ctx, day, colors.get(day), today)
                        day += timedelta(days=1)
            month = day


def _day_cell(ctx: PageContext, day: date, color: TempoColor | None, today: date) -> None:
    cell = ui.element("div").classes("med-cal-day")
    style = (
        f"background:{TEMPO_COLORS[color.value]};"
        if color
        else "background:transparent;border:1px dashed #8886;"
    )
    if day == today:
        style += "outline:2px solid #ff9800;outline-offset:1px;"
    if color:
        style += "color:#1d2733;" if color.value == "WHITE" else "color:#fff;"
    cell.style(style)
    with cell:
        ui.label(str(day.day))
    cell.tooltip(
        f"{i18n.weekday(day, ctx.lang)} {i18n.day_text(day, ctx.lang)} — "
        + (ctx.t(f"tempo.{color.value}") if color else ctx.t("common.unknown"))
    )
    m.apply(cell, m.tempo_day(day.isoformat()), value=color.value if color else "", unit="")
