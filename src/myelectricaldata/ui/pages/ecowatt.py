"""EcoWatt: today and the next 3 days, 24 hourly levels each, with the day level and message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from nicegui import ui

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import ECOWATT_COLORS, PageContext, message, shell, value_label

#: EcoWatt covers today and three days ahead.
HORIZON_DAYS = 4


async def build(ctx: PageContext) -> None:
    """The EcoWatt page."""
    today = ctx.today
    days = await asyncio.to_thread(
        ctx.runtime.store.ecowatt, today, today + timedelta(days=HORIZON_DAYS - 1)
    )
    known = {d.day: d for d in days}
    now_hour = ctx.now.astimezone(PARIS).hour
    with shell(ctx, m.PAGE_ECOWATT):
        ui.page_title(f"{ctx.t('nav.ecowatt')} — MyElectricalData")
        with ui.card().classes("w-full"):
            ui.label(ctx.t("ecowatt.title")).classes("text-base font-medium")
            ui.label(ctx.t("ecowatt.hint")).classes("text-xs opacity-70")
            if not days:
                message(ctx.t("ecowatt.none"))
            with ui.element("div").classes("w-full overflow-x-auto") as grid:
                m.apply(grid, m.CHART_ECOWATT)
                with ui.row().classes("gap-[2px] no-wrap items-end pl-28"):
                    for hour in range(24):
                        ui.label(f"{hour:02d}").classes("med-grid-cell text-[10px] text-center")
                for offset in range(HORIZON_DAYS):
                    day = today + timedelta(days=offset)
                    signal = known.get(day)
                    with ui.row().classes("gap-[2px] no-wrap items-center"):
                        with ui.column().classes("w-28 gap-0 shrink-0"):
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
                                badge.style(f"color:{ECOWATT_COLORS[level]}")
                        for hour in range(24):
                            value = signal.hourly[hour] if signal else None
                            cell = ui.element("div").classes("med-grid-cell shrink-0")
                            style = (
                                f"background:{ECOWATT_COLORS[value]};"
                                if value is not None
                                else "border:1px dashed #8886;"
                            )
                            if offset == 0 and hour == now_hour:
                                style += "outline:2px solid #1976d2;"
                            cell.style(style)
                            shown = "?" if value is None else str(value)
                            cell.tooltip(f"{hour:02d}:00-{(hour + 1) % 24:02d}:00 : {shown}")
                            m.apply(
                                cell, m.ecowatt_cell(day.isoformat(), hour), value=value, unit=""
                            )
        for day in sorted(known):
            with ui.row().classes("items-center gap-2"):
                ui.icon("info").style(f"color:{ECOWATT_COLORS[known[day].level]}")
                label = ui.label(f"{i18n.day_text(day, ctx.lang)} : {known[day].message}")
                m.apply(label, m.ecowatt_message(day.isoformat()))
