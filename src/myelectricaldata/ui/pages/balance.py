"""Bilan: what the meter of a producing usage point says, and what it cannot say.

A Linky meter measures the NET flow at the delivery point: "consumption" is the energy drawn
from the grid (import), "production" the surplus injected (export); in any interval one of them
is zero. The page shows both per day, their balance, when the installation injected (hours,
days, peak, the mean profile per hour of the day), and says plainly that self-consumption is not
measured. It estimates it only from the inverter's own production of the period, which the user
enters (``?gross_kwh=`` in the URL, so the estimate can be bookmarked like the period).
"""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui import ui

from myelectricaldata.domain.types import Direction
from myelectricaldata.ui import charts, i18n, summaries
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import Balance, balance, parse_kwh, self_consumption
from myelectricaldata.ui.layout import (
    PageContext,
    column,
    day_table,
    heading,
    message,
    shell,
    stat,
)
from myelectricaldata.ui.period import Selection, picker, select

IMPORT_COLOR = "#1976d2"
EXPORT_COLOR = "#f9a825"


def _hours(value: float | None, lang: str) -> str:
    return "—" if value is None else f"{i18n.number(value, 1, lang)} h"


def _measured(ctx: PageContext, pdl: str, result: Balance) -> None:
    """The meter's figures: import, export, net, and when the surplus was injected."""
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        stat(
            ctx.t("balance.consumption"),
            i18n.kwh_from_wh(result.import_wh, ctx.lang),
            m.value(pdl, "balance_consumption_wh"),
            result.import_wh,
            "Wh",
        )
        stat(
            ctx.t("balance.production"),
            i18n.kwh_from_wh(result.export_wh, ctx.lang),
            m.value(pdl, "balance_production_wh"),
            result.export_wh,
            "Wh",
        )
        stat(
            ctx.t("balance.net"),
            i18n.kwh_from_wh(result.net_wh, ctx.lang),
            m.value(pdl, "balance_net_wh"),
            result.net_wh,
            "Wh",
        )
        stat(
            ctx.t("balance.export_days"),
            str(result.export_days),
            m.value(pdl, "balance_export_days"),
            result.export_days,
            "days",
        )
        stat(
            ctx.t("balance.export_hours"),
            _hours(result.export_hours, ctx.lang),
            m.value(pdl, "balance_export_hours"),
            result.export_hours,
            "h",
        )
        stat(
            ctx.t("balance.export_peak"),
            "—"
            if result.export_peak_w is None
            else f"{i18n.number(result.export_peak_w, 0, ctx.lang)} W",
            m.value(pdl, "balance_export_peak_w"),
            result.export_peak_w,
            "W",
        )
    with ui.row().classes("items-start gap-2 no-wrap opacity-80"):
        ui.icon("info").classes("mt-[2px]")
        note = ui.label(ctx.t("balance.meter_note")).classes("text-sm")
        m.apply(note, m.BALANCE_METER_NOTE)
    if result.export_hours is None:
        message(ctx.t("balance.no_curves"))


def _self_consumption(
    ctx: PageContext, selection: Selection, result: Balance, gross_text: str | None
) -> None:
    """Self-consumption: unknown until the inverter's production is entered, then estimated."""
    pdl = selection.pdl
    period = selection.period
    error = ""
    estimate = None
    try:
        gross_wh = parse_kwh(gross_text)
    except ValueError:
        gross_wh, error = None, ctx.t("balance.gross_invalid")
    export_wh = result.export_wh or 0
    if gross_wh is not None:
        try:
            estimate = self_consumption(gross_wh, export_wh, result.import_wh)
        except ValueError:
            error = ctx.t(
                "balance.gross_too_low",
                gross=i18n.kwh_from_wh(gross_wh, ctx.lang),
                export=i18n.kwh_from_wh(export_wh, ctx.lang),
            )
    heading(ctx.t("balance.self_title"))
    unknown = "—"
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        stat(
            ctx.t("balance.gross_short"),
            i18n.kwh_from_wh(estimate.gross_wh, ctx.lang) if estimate else "—",
            m.value(pdl, "balance_gross_production_wh"),
            estimate.gross_wh if estimate else None,
            "Wh",
        )
        stat(
            ctx.t("balance.self"),
            i18n.kwh_from_wh(estimate.self_wh, ctx.lang) if estimate else unknown,
            m.value(pdl, "balance_self_consumption_wh"),
            estimate.self_wh if estimate else None,
            "Wh",
        )
        stat(
            ctx.t("balance.self_rate"),
            f"{i18n.number(estimate.rate_pct, 1, ctx.lang)} %" if estimate else unknown,
            m.value(pdl, "balance_self_rate_pct"),
            round(estimate.rate_pct, 1) if estimate else None,
            "%",
        )
        sufficiency = estimate.sufficiency_pct if estimate else None
        stat(
            ctx.t("balance.sufficiency"),
            f"{i18n.number(sufficiency, 1, ctx.lang)} %" if sufficiency is not None else unknown,
            m.value(pdl, "balance_self_sufficiency_pct"),
            round(sufficiency, 1) if sufficiency is not None else None,
            "%",
        )
    if estimate:
        ui.label(
            ctx.t(
                "balance.self_formula",
                gross=i18n.kwh_from_wh(estimate.gross_wh, ctx.lang),
                export=i18n.kwh_from_wh(export_wh, ctx.lang),
            )
        ).classes("text-xs med-muted")
    else:
        ui.label(
            ctx.t(
                "balance.self_unknown",
                start=i18n.day_text(period.start, ctx.lang),
                end=i18n.day_text(period.end, ctx.lang),
            )
        ).classes("text-sm opacity-80")
    if error:
        shown = ui.label(error).classes("text-sm text-negative")
        m.apply(shown, m.BALANCE_ERROR)

    def estimate_from_input() -> None:
        query = period.query(pdl)
        typed = str(gross.value or "").strip()
        ui.navigate.to(ctx.url(ctx.request.url.path, **query, gross_kwh=typed or None))

    with ui.row().classes("items-center gap-3 flex-wrap"):
        gross = ui.input(ctx.t("balance.gross"), value=gross_text or "").classes("w-80 max-w-full")
        gross.props("inputmode=decimal clearable")
        gross.on("keydown.enter", estimate_from_input)
        m.apply(gross, m.BALANCE_GROSS)
        button = ui.button(
            ctx.t("balance.estimate"), icon="calculate", on_click=estimate_from_input
        )
        button.props("outline")
        m.apply(button, m.BALANCE_ESTIMATE)


def _kwh(wh: int | None) -> float | None:
    return None if wh is None else wh / 1000


def _bare_kwh(wh: int | None, lang: str) -> str:
    return i18n.kwh_from_wh(wh, lang).removesuffix(" kWh")


def _balance_summary(ctx: PageContext, selection: Selection, result: Balance) -> str:
    parts = [
        (ctx.t("balance.import_short"), i18n.kwh_from_wh(result.import_wh, ctx.lang)),
        (ctx.t("balance.export_short"), i18n.kwh_from_wh(result.export_wh, ctx.lang)),
        (ctx.t("balance.net_short"), i18n.kwh_from_wh(result.net_wh, ctx.lang)),
    ]
    period = ctx.t(
        "period.range",
        start=i18n.day_text(selection.period.start, ctx.lang),
        end=i18n.day_text(selection.period.end, ctx.lang),
    )
    return f"{ctx.t('balance.title')} {period} — " + summaries.parts_text(
        ctx.lang, "sum.split", parts
    )


def _hourly_summary(ctx: PageContext, result: Balance) -> str:
    imports, exports = result.import_by_hour, result.export_by_hour
    top_in = max(range(24), key=lambda h: imports[h])
    top_out = max(range(24), key=lambda h: exports[h])
    return ctx.t(
        "sum.hourly",
        import_hour=top_in,
        import_max=f"{i18n.number(imports[top_in], 0, ctx.lang)} Wh",
        export_hour=top_out,
        export_max=f"{i18n.number(exports[top_out], 0, ctx.lang)} Wh",
    )


async def build(ctx: PageContext) -> None:
    """The Bilan page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    with shell(ctx, m.PAGE_BALANCE):
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
        with ui.card().classes("w-full"):
            _measured(ctx, pdl, result)
        with ui.card().classes("w-full"):
            _self_consumption(ctx, selection, result, ctx.query("gross_kwh"))
        days = sorted(set(result.consumption) | set(result.production))
        # Short names: the chart titles and the stats above say what they are.
        cons_name, prod_name = ctx.t("balance.import_short"), ctx.t("balance.export_short")
        with ui.card().classes("w-full"):
            heading(ctx.t("balance.title"))
            if not days:
                message(ctx.t("common.no_data"))
                return
            chart = charts.Chart(
                charts.grouped_bars(
                    [i18n.day_text(d, ctx.lang) for d in days],
                    {
                        cons_name: [_kwh(result.consumption.get(d)) for d in days],
                        prod_name: [_kwh(result.production.get(d)) for d in days],
                    },
                    {cons_name: IMPORT_COLOR, prod_name: EXPORT_COLOR},
                    "kWh",
                    ctx.dark,
                ),
                ctx.lang,
                unit="kWh",
                title=ctx.t("balance.title"),
            ).classes("med-chart")
            charts.chart_card(
                chart,
                m.CHART_BALANCE,
                len(days),
                "days",
                _balance_summary(ctx, selection, result),
                ctx.lang,
            )
        if result.curve_days:
            with ui.card().classes("w-full"):
                heading(ctx.t("balance.hourly"))
                ui.label(ctx.t("balance.hourly_hint")).classes("text-xs med-muted")
                hourly = charts.Chart(
                    charts.grouped_bars(
                        [f"{h:02d}h" for h in range(24)],
                        {
                            cons_name: [round(wh, 1) for wh in result.import_by_hour],
                            prod_name: [round(wh, 1) for wh in result.export_by_hour],
                        },
                        {cons_name: IMPORT_COLOR, prod_name: EXPORT_COLOR},
                        "Wh",
                        ctx.dark,
                    ),
                    ctx.lang,
                    unit="Wh",
                    title=ctx.t("balance.hourly"),
                ).classes("med-chart")
                charts.chart_card(
                    hourly,
                    m.CHART_BALANCE_HOURLY,
                    24,
                    "hours",
                    _hourly_summary(ctx, result),
                    ctx.lang,
                )
        with ui.card().classes("w-full"):
            heading(ctx.t("energy.table"))
            columns: list[dict[str, Any]] = [
                column("date", ctx.t("common.date"), align="left"),
                column("cons", f"{cons_name} (kWh)"),
                column("prod", f"{prod_name} (kWh)"),
                column("net", f"{ctx.t('balance.net_short')} (kWh)", key=False),
            ]
            rows = []
            for d in days:
                c, p = result.consumption.get(d), result.production.get(d)
                rows.append(
                    {
                        "date": i18n.day_text(d, ctx.lang),
                        "cons": _bare_kwh(c, ctx.lang),
                        "prod": _bare_kwh(p, ctx.lang),
                        "net": _bare_kwh(p - c, ctx.lang)
                        if c is not None and p is not None
                        else "—",
                    }
                )
            day_table(ctx, columns, rows, m.TABLE_BALANCE)
