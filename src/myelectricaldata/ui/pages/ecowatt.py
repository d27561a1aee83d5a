"""EcoWatt: today and the next 3 days, 24 hourly levels each, with the day level and message."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from nicegui import ui

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import EcoWattDay
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import (
    ECOWATT_COLORS,
    ECOWATT_TEXT,
    PageContext,
    heading,
    message,
    shell,
    value_label,
)

#: EcoWatt covers today and three days ahead.
HORIZON_DAYS = 4

#: The 4 x 24 grid. Wide screens: one row per day, the day beside its 24 hours, the hours
#: written above in the same 24-column grid (so they line up whatever the width). Phones: the
#: day above its hours, 12 per line, each cell carrying its own hour.
GRID_CSS = """
.med-eco { display: flex; flex-direction: column; gap: 4px; }
.med-eco-row { display: flex; align-items: center; gap: 8px; }
.med-eco-day { width: 8rem; flex-shrink: 0; display: flex; flex-direction: column; }
.med-eco-hours {
  flex: 1; min-width: 0; display: grid; gap: 2px;
  grid-template-columns: repeat(24, minmax(0, 1fr));
}
.med-eco-hour-label { font-size: 10px; text-align: center; opacity: .75; }
.med-eco-cell {
  height: 1.5rem; border-radius: 3px; font-size: 10px; line-height: 1;
  display: flex; align-items: center; justify-content: center;
}
.med-eco-cell.med-eco-unknown { color: inherit; border: 1px dashed #8886; }
.med-eco-cell .med-eco-cell-hour { display: none; }
@media (max-width: 700px) {
  .med-eco { gap: 10px; }
  .med-eco-head { display: none; }
  .med-eco-row { flex-direction: column; align-items: stretch; gap: 3px; }
  .med-eco-day { width: auto; flex-direction: row; gap: .75rem; align-items: baseline; }
  .med-eco-hours { grid-template-columns: repeat(12, minmax(0, 1fr)); }
  .med-eco-cell { height: 1.7rem; }
  .med-eco-cell .med-eco-cell-hour { display: inline; }
}
"""


def _cell(ctx: PageContext, day: date, hour: int, signal: EcoWattDay | None, *, now: bool) -> None:
    """One hour of the grid: its colour, its hour (shown on phones) and its tooltip."""
    value = signal.hourly[hour] if signal else None
    cell = ui.element("div").classes("med-eco-cell" + (" med-eco-unknown" if value is None else ""))
    style = (
        f"background:{ECOWATT_COLORS[value]};color:{ECOWATT_TEXT[value]};"
        if value is not None
        else ""
    )
    if now:
        style += "outline:2px solid #1976d2;outline-offset:1px;"
    if style:
        cell.style(style)
    with cell:
        ui.label(f"{hour:02d}").classes("med-eco-cell-hour")
    shown = ctx.t("common.unknown") if value is None else ctx.t(f"ecowatt.hour_level.{value}")
    described = f"{i18n.day_text(day, ctx.lang)} {hour:02d}:00-{(hour + 1) % 24:02d}:00 : {shown}"
    cell.tooltip(described)
    cell.props["aria-label"] = described
    cell.props["role"] = "img"
    m.apply(cell, m.ecowatt_cell(day.isoformat(), hour), value=value, unit="")


async def build(ctx: PageContext) -> None:
    """The EcoWatt page."""
    today = ctx.today
    days = await asyncio.to_thread(
        ctx.runtime.store.ecowatt, today, today + timedelta(days=HORIZON_DAYS - 1)
    )
    known = {d.day: d for d in days}
    now_hour = ctx.now.astimezone(PARIS).hour
    with shell(ctx, m.PAGE_ECOWATT):
        ui.add_css(GRID_CSS)
        with ui.card().classes("w-full"):
            heading(ctx.t("ecowatt.title"))
            ui.label(ctx.t("ecowatt.hint")).classes("text-xs med-muted")
            if not days:
                message(ctx.t("ecowatt.none"))
            with ui.element("div").classes("med-eco w-full") as grid:
                m.apply(grid, m.CHART_ECOWATT)
                # Hours above the cells (wide screens): the same grid, so they line up.
                with ui.element("div").classes("med-eco-row med-eco-head"):
                    ui.element("div").classes("med-eco-day")
                    with ui.element("div").classes("med-eco-hours"):
                        for hour in range(24):
                            ui.label(f"{hour:02d}").classes("med-eco-hour-label")
                for offset in range(HORIZON_DAYS):
                    day = today + timedelta(days=offset)
                    signal = known.get(day)
                    with ui.element("div").classes("med-eco-row"):
                        with ui.element("div").classes("med-eco-day"):
                            ui.label(
                                f"{i18n.weekday(day, ctx.lang)} {i18n.day_text(day, ctx.lang)}"
                            ).classes("text-xs")
                            level = signal.level if signal else None
                            badge = value_label(
                                ctx.t("ecowatt.level", level=level)
                                if level
                                else ctx.t("ecowatt.unknown_day"),
                                m.value("ecowatt", f"level:{day.isoformat()}"),
                                level,
                                "",
                                "text-xs font-medium",
                            )
                            if level:
                                badge.style(
                                    f"background:{ECOWATT_COLORS[level]};"
                                    f"color:{ECOWATT_TEXT[level]};padding:0 4px;border-radius:3px"
                                )
                        with ui.element("div").classes("med-eco-hours"):
                            for hour in range(24):
                                _cell(ctx, day, hour, signal, now=offset == 0 and hour == now_hour)
        for day in sorted(known):
            with ui.row().classes("items-center gap-2"):
                ui.icon("info")
                label = ui.label(f"{i18n.day_text(day, ctx.lang)} : {known[day].message}")
                m.apply(label, m.ecowatt_message(day.isoformat()))
