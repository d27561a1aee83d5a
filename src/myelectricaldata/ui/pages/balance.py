"""Bilan: consumption against production per day, and the self-consumption estimate from the
load curves (min of consumption and production of each interval) where both exist."""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui import ui

from myelectricaldata.domain.types import Direction
from myelectricaldata.ui import charts, i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import balance
from myelectricaldata.ui.layout import PageContext, message, shell, stat
from myelectricaldata.ui.period import picker, select


async def build(ctx: PageContext) -> None:
    """The Bilan page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    with shell(ctx, m.PAGE_BALANCE):
        ui.page_title(f"{ctx.t('nav.balance')} — MyElectricalData")
        selection = await select(
            ctx, Direction.PRODUCTION, points, wants=lambda p: p.point.has_production
        )
        if selection is None:
            message(ctx.t("common.no_pdl"))
            return
        picker(ctx, selection, points)
        pdl = selection.pdl
        period = selection.period
        if not selection.point.point.has_production:
            message(ctx.t("energy.no_production"))
            return
        result = await asyncio.to_thread(balance, store, pdl, period.start, period.end)
        consumed = sum(result.consumption.values()) if result.consumption else None
        produced = sum(result.production.values()) if result.production else None
        with ui.card().classes("w-full"):
            with ui.row().classes("gap-8 flex-wrap items-end"):
                stat(
                    ctx.t("balance.consumption"),
                    i18n.kwh_from_wh(consumed, ctx.lang),
                    m.value(pdl, "balance_consumption_wh"),
                    consumed,
                    "Wh",
                )
                stat(
                    ctx.t("balance.production"),
                    i18n.kwh_from_wh(produced, ctx.lang),
                    m.value(pdl, "balance_production_wh"),
                    produced,
                    "Wh",
                )
                stat(
                    ctx.t("balance.self"),
                    i18n.kwh_from_wh(result.self_wh, ctx.lang),
                    m.value(pdl, "balance_self_consumption_wh"),
                    round(result.self_wh, 1) if result.self_wh is not None else None,
                    "Wh",
                )
                rate = result.self_rate
                stat(
                    ctx.t("balance.self_rate"),
                    "—" if rate is None else f"{i18n.number(rate, 1, ctx.lang)} %",
                    m.value(pdl, "balance_self_rate_pct"),
                    round(rate, 1) if rate is not None else None,
                    "%",
                )
            message(
                ctx.t("balance.self_hint")
                if result.self_wh is not None
                else ctx.t("balance.no_curves")
            )
        days = sorted(set(result.consumption) | set(result.production))
        with ui.card().classes("w-full"):
            ui.label(ctx.t("balance.title")).classes("text-base font-medium")
            if not days:
                message(ctx.t("common.no_data"))
                return
            cons_name, prod_name = ctx.t("balance.consumption"), ctx.t("balance.production")
            chart = ui.echart(
                charts.grouped_bars(
                    [d.isoformat() for d in days],
                    {
                        cons_name: [_kwh(result.consumption.get(d)) for d in days],
                        prod_name: [_kwh(result.production.get(d)) for d in days],
                    },
                    {cons_name: "#1976d2", prod_name: "#f9a825"},
                    "kWh",
                    ctx.dark,
                )
            ).classes("med-chart")
            m.apply(chart, m.CHART_BALANCE, value=len(days), unit="days")
        with ui.card().classes("w-full"):
            columns: list[dict[str, Any]] = [
                {"name": "date", "label": ctx.t("common.date"), "field": "date", "align": "left"},
                {"name": "cons", "label": cons_name, "field": "cons", "align": "right"},
                {"name": "prod", "label": prod_name, "field": "prod", "align": "right"},
                {"name": "net", "label": ctx.t("balance.net"), "field": "net", "align": "right"},
            ]
            rows = []
            for d in days:
                c, p = result.consumption.get(d), result.production.get(d)
                rows.append(
                    {
                        "date": d.isoformat(),
                        "cons": i18n.kwh_from_wh(c, ctx.lang),
                        "prod": i18n.kwh_from_wh(p, ctx.lang),
                        "net": i18n.kwh_from_wh((p or 0) - (c or 0), ctx.lang)
                        if c is not None and p is not None
                        else "—",
                    }
                )
            table = ui.table(columns=columns, rows=rows, row_key="date", pagination=31)
            table.classes("w-full").props("dense flat bordered")
            m.apply(table, m.TABLE_BALANCE)


def _kwh(wh: int | None) -> float | None:
    return None if wh is None else wh / 1000
