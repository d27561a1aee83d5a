"""Simulateur: every offer of the catalogue in force today for the meter's kVA, priced on the
user's own consumption of the last 12 months (or a chosen period) and ranked; the saving against
the current offer, the cost per slot; EJP and peak-day offers as a cost range ("jours de pointe
inconnus") rather than a guess; how many days had a load curve and how the others were priced.

The ranking is the API's (``GET /api/simulation/{pdl}``, :func:`run_simulation`), so the page
and the route always agree.
"""

from __future__ import annotations

import asyncio
from datetime import date

from nicegui import ui

from myelectricaldata.api.routes.offers import run_simulation
from myelectricaldata.domain.billing import DaySource, Problem
from myelectricaldata.domain.offers import Catalogue
from myelectricaldata.domain.simulator import Ranked, Simulation
from myelectricaldata.domain.types import Direction
from myelectricaldata.store.repo import StoredUsagePoint
from myelectricaldata.ui import charts, i18n, summaries
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import OFFER_TAGS, SimulationPeriod, newest_day, simulation_period
from myelectricaldata.ui.layout import (
    TAG_COLORS,
    PageContext,
    heading,
    message,
    pdl_label,
    problems_banner,
    shell,
    value_label,
)
from myelectricaldata.ui.offers import offer_name, type_label
from myelectricaldata.ui.period import range_fields
from myelectricaldata.ui.query import QueryProblem


def _picker(
    ctx: PageContext,
    points: list[StoredUsagePoint],
    point: StoredUsagePoint,
    chosen: SimulationPeriod,
) -> None:
    pdl = point.point.pdl

    def go(query: dict[str, str | None]) -> None:
        ui.navigate.to(ctx.url(m.PAGE_PATHS[m.PAGE_SIMULATOR], **query))

    with ui.card().classes("w-full"), ui.row().classes("w-full items-end gap-3 flex-wrap"):
        if len(points) > 1:
            options = {p.point.pdl: pdl_label(ctx, p.point.pdl, p.point.name) for p in points}
            chooser = ui.select(
                options,
                value=pdl,
                label=ctx.t("period.pdl"),
                on_change=lambda e: go({"pdl": str(e.value)}),
            ).classes("min-w-[16rem]")
            m.apply(chooser, m.PERIOD_PDL)
        last_year = ui.button(ctx.t("sim.last_year"), on_click=lambda: go({"pdl": pdl})).props(
            "no-caps " + ("unelevated color=primary" if chosen.default else "flat")
        )
        m.apply(last_year, m.SIM_LAST_YEAR)
        range_fields(
            ctx,
            chosen.first,
            chosen.last,
            lambda first, last: go(
                {"pdl": pdl, "start": first.isoformat(), "end": last.isoformat()}
            ),
        )


def _days(ctx: PageContext, pdl: str, sim: Simulation) -> None:
    """What the result depends on: the days with a load curve, and how the others are priced."""
    usage = sim.usage
    days = sim.days
    curve = usage.count(DaySource.CURVE)
    estimated = usage.count(DaySource.ESTIMATED)
    partial = usage.count(DaySource.PARTIAL)
    missing = len(usage.missing)
    ui.label(
        ctx.t(
            "sim.summary",
            start=i18n.day_text(sim.first, ctx.lang),
            end=i18n.day_text(sim.last, ctx.lang),
            days=days,
            kwh=i18n.kwh(usage.total_kwh, ctx.lang),
            kva=i18n.kva(sim.kva, ctx.lang),
            on=i18n.day_text(sim.as_of, ctx.lang),
        )
    ).classes("text-sm")
    m.apply(ui.element("span").classes("hidden"), m.value(pdl, "sim_days"), value=days, unit="")
    with ui.element("ul").classes("med-notes text-sm") as notes:
        m.apply(notes, m.SIM_NOTES, value=",".join(n.code for n in sim.notes), unit="")
        with ui.element("li"):
            line = ui.label(ctx.t("sim.curve_days", curve=curve, days=days))
            m.apply(line, m.value(pdl, "sim_curve_days"), value=curve, unit="days")
        if estimated:
            with ui.element("li"):
                key = "sim.estimated_days" if usage.profile_days else "sim.estimated_flat"
                line = ui.label(ctx.t(key, days=estimated, profile=usage.profile_days))
                m.apply(line, m.value(pdl, "sim_estimated_days"), value=estimated, unit="days")
        if partial:
            with ui.element("li"):
                ui.label(ctx.t("sim.partial_days", days=partial))
        if missing:
            with ui.element("li"):
                line = ui.label(ctx.t("sim.missing_days", days=missing))
                m.apply(line, m.value(pdl, "sim_missing_days"), value=missing, unit="days")
        for note in sim.notes:
            if note.code in (
                "unknown_kva",
                "no_current_offer",
                "needs_peak_days",
                "needs_tempo_colors",
                "needs_offpeak_hours",
            ):
                with ui.element("li"):
                    ui.label(ctx.t(f"sim.{note.code}"))


def _per_year(ctx: PageContext, sim: Simulation, eur: float) -> str | None:
    """The period's cost a year long, when the period is not already a year."""
    if sim.days in (365, 366):
        return None
    return ctx.t("sim.per_year", eur=i18n.eur(eur * 365 / sim.days, ctx.lang))


def _saving(ctx: PageContext, item: Ranked) -> str:
    saving = item.saving_eur
    if saving is None:
        return ""
    if round(saving, 2) == 0:
        return ctx.t("sim.same")
    amount = i18n.eur(abs(saving), ctx.lang)
    return ctx.t("sim.saving_period" if saving > 0 else "sim.extra_period", eur=amount)


def _offer_item(
    ctx: PageContext, pdl: str, sim: Simulation, item: Ranked, catalogue: Catalogue
) -> None:
    bill = item.bill
    offer = bill.offer
    with ui.element("li").classes("med-sim-item") as entry:
        m.apply(entry, m.sim_offer(offer.id), value=item.rank, unit="")
        if item.is_current:
            entry.classes(add="med-sim-current")
        with ui.row().classes("w-full items-baseline justify-between gap-x-4 gap-y-1 flex-wrap"):
            with ui.column().classes("gap-0 min-w-0"):
                with ui.row().classes("items-baseline gap-2 flex-wrap"):
                    rank = ctx.t("sim.rank", rank=item.rank) if item.rank else ctx.t("sim.unranked")
                    ui.label(rank).classes("text-sm font-medium med-muted")
                    ui.label(offer_name(ctx.lang, offer, catalogue.provider_name(offer))).classes(
                        "text-base font-medium"
                    )
                    if item.is_current:
                        ui.label(ctx.t("sim.current")).classes("med-tag text-xs font-medium")
                ui.label(type_label(ctx.lang, offer)).classes("text-xs med-muted")
            with ui.column().classes("gap-0 items-start sm:items-end"):
                total = bill.total_eur
                if total is not None:
                    value_label(
                        i18n.eur(total, ctx.lang),
                        m.value(pdl, f"sim_total:{offer.id}"),
                        round(total, 2),
                        "EUR",
                    )
                    yearly = _per_year(ctx, sim, total)
                    if yearly:
                        ui.label(yearly).classes("text-xs med-muted")
                elif Problem.NEEDS_PEAK_DAYS in bill.problems or (
                    Problem.NEEDS_TEMPO_COLORS in bill.problems
                ):
                    _range(ctx, pdl, item)
                else:
                    why = ", ".join(
                        ctx.t(f"sim.problem.{p.value}")
                        for p in bill.problems
                        if p in (Problem.NO_PRICE, Problem.NEEDS_OFFPEAK_HOURS)
                    )
                    value_label(
                        ctx.t("sim.not_priced", why=why),
                        m.value(pdl, f"sim_total:{offer.id}"),
                        None,
                        "EUR",
                        "text-sm",
                    )
                saving = "" if item.is_current else _saving(ctx, item)
                value_label(
                    saving,
                    m.value(pdl, f"sim_saving:{offer.id}"),
                    None if item.saving_eur is None else round(item.saving_eur, 2),
                    "EUR",
                    "text-sm " + ("text-positive" if (item.saving_eur or 0) > 0.005 else ""),
                )
        ui.label(
            ctx.t(
                "sim.parts",
                subscription=i18n.eur(bill.subscription_eur, ctx.lang),
                energy=i18n.eur(bill.energy_eur, ctx.lang),
            )
        ).classes("text-xs med-muted")
        order = OFFER_TAGS[offer.offer_type]
        slots = [
            ctx.t(
                "sim.slot",
                tag=ctx.t(f"tag.{s.tag}"),
                kwh=i18n.kwh(s.kwh, ctx.lang),
                eur=i18n.eur(s.eur, ctx.lang),
                avg=i18n.number(s.average_eur_kwh or 0.0, 4, ctx.lang),
            )
            for s in sorted(
                bill.slots, key=lambda s: order.index(s.tag) if s.tag in order else len(order)
            )
            if s.kwh
        ]
        if bill.unknown_kwh:
            slots.append(f"{ctx.t('tag.unclassified')} : {i18n.kwh(bill.unknown_kwh, ctx.lang)}")
        breakdown = ui.label(f"{ctx.t('sim.breakdown')} — " + " · ".join(slots)).classes(
            "text-xs med-muted"
        )
        m.apply(breakdown, m.value(pdl, f"sim_slots:{offer.id}"), value="", unit="")


def _range(ctx: PageContext, pdl: str, item: Ranked) -> None:
    """A cost range: peak days (or Tempo colours) unknown, never guessed."""
    bill = item.bill
    offer = bill.offer
    lead = "sim.peak_range" if Problem.NEEDS_PEAK_DAYS in bill.problems else "sim.tempo_range"
    value_label(
        ctx.t(lead),
        m.value(pdl, f"sim_total:{offer.id}"),
        None,
        "EUR",
        "text-sm font-medium",
    )
    with ui.row().classes("items-baseline gap-1"):
        value_label(
            i18n.eur(bill.low_eur, ctx.lang),
            m.value(pdl, f"sim_low:{offer.id}"),
            round(bill.low_eur, 2),
            "EUR",
            "text-lg",
        )
        ui.label("–")
        value_label(
            i18n.eur(bill.high_eur, ctx.lang),
            m.value(pdl, f"sim_high:{offer.id}"),
            round(bill.high_eur, 2),
            "EUR",
            "text-lg",
        )


def _ranking(ctx: PageContext, pdl: str, sim: Simulation, catalogue: Catalogue) -> None:
    heading(ctx.t("sim.ranking"))
    if not sim.ranking:
        message(ctx.t("sim.none"), "warning")
        return
    with ui.element("ol").classes("med-sim-list w-full") as ranking:
        m.apply(ranking, m.SIM_RANKING, value=len(sim.ranking), unit="")
        for item in sim.ranking:
            _offer_item(ctx, pdl, sim, item, catalogue)


def _chart(ctx: PageContext, sim: Simulation, catalogue: Catalogue) -> None:
    if not sim.ranking:
        return
    title = ctx.t("sim.chart")
    heading(title)
    names = [
        offer_name(ctx.lang, r.bill.offer, catalogue.provider_name(r.bill.offer))
        for r in sim.ranking
    ]
    energy, subscription = ctx.t("cost.energy"), ctx.t("cost.subscription")
    options = charts.ranking_bars(
        names,
        {
            energy: [round(r.bill.energy_eur, 2) for r in sim.ranking],
            subscription: [round(r.bill.subscription_eur, 2) for r in sim.ranking],
        },
        {energy: TAG_COLORS["base"], subscription: TAG_COLORS["subscription"]},
        "€",
        ctx.dark,
    )
    chart = charts.Chart(options, ctx.lang, unit="€", title=title).classes("w-full")
    chart.style(f"height: {max(200, 44 * len(names) + 80)}px")
    parts = [
        (
            name,
            i18n.eur(r.bill.total_eur, ctx.lang)
            if r.bill.total_eur is not None
            else f"{i18n.eur(r.bill.low_eur, ctx.lang)} – {i18n.eur(r.bill.high_eur, ctx.lang)}",
        )
        for name, r in zip(names, sim.ranking, strict=True)
    ]
    charts.chart_card(
        chart,
        m.CHART_SIMULATOR,
        len(names),
        "offers",
        summaries.parts_text(ctx.lang, "sum.sim", parts),
        ctx.lang,
    )


async def build(ctx: PageContext) -> None:
    """The Simulateur page."""
    runtime = ctx.runtime
    store = runtime.store
    points = await asyncio.to_thread(store.usage_points)
    with shell(ctx, m.PAGE_SIMULATOR):
        usable = [p for p in points if p.point.has_consumption] or points
        if not usable:
            message(ctx.t("common.no_pdl"))
            return
        wanted = ctx.query("pdl")
        point = next((p for p in usable if p.point.pdl == wanted), usable[0])
        pdl = point.point.pdl
        anchor: date = await asyncio.to_thread(
            newest_day, store, pdl, Direction.CONSUMPTION, ctx.today
        )
        chosen = simulation_period(ctx.query("start"), ctx.query("end"), anchor)
        problems = list(chosen.problems)
        if wanted and not any(p.point.pdl == wanted for p in points):
            problems.insert(0, _unknown_pdl(wanted))
        problems_banner(ctx, problems)
        _picker(ctx, usable, point, chosen)
        ui.label(ctx.t("sim.intro")).classes("text-sm")
        sim, catalogue = await asyncio.to_thread(
            run_simulation, runtime, pdl, chosen.first, chosen.last, ctx.today
        )
        with ui.card().classes("w-full"):
            _days(ctx, pdl, sim)
        with ui.card().classes("w-full"):
            _ranking(ctx, pdl, sim, catalogue)
        with ui.card().classes("w-full"):
            _chart(ctx, sim, catalogue)


def _unknown_pdl(wanted: str) -> QueryProblem:
    return QueryProblem("pdl", wanted, "query.unknown_pdl")
