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


def _calendar(
    ctx: PageContext, first: date, last: date, colors: dict[date, TempoColor], today: date
) -> None:
    """One row per month (September to August), one cell per day."""
    with ui.element("div").classes("w-full overflow-x-auto") as grid:
        m.apply(grid, m.CHART_TEMPO)
        month = first
        while month <= last:
            with ui.row().classes("items-center gap-[2px] no-wrap"):
                ui.label(
                    f"{i18n.month_name(month.month, ctx.lang)[:4]}. {month.year % 100:02d}"
                ).classes("text-xs w-14 shrink-0")
                day = month
                while day.month == month.month:
                    color = colors.get(day)
                    cell = ui.element("div").classes(
                        "med-grid-cell text-[10px] text-center shrink-0"
                    )
                    style = (
                        f"background:{TEMPO_COLORS[color.value]};"
                        if color
                        else "background:transparent;border:1px dashed #8886;"
                    )
                    if day == today:
                        style += "outline:2px solid #ff9800;"
                    cell.style(style + ("color:#fff;" if color and color.value != "WHITE" else ""))
                    with cell:
                        ui.label(str(day.day))
                    cell.tooltip(
                        f"{i18n.weekday(day, ctx.lang)} {i18n.day_text(day, ctx.lang)} — "
                        + (ctx.t(f"tempo.{color.value}") if color else ctx.t("common.unknown"))
                    )
                    m.apply(
                        cell,
                        m.tempo_day(day.isoformat()),
                        value=color.value if color else "",
                        unit="",
                    )
                    day += timedelta(days=1)
            month = day
