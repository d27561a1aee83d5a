"""Consommation (€): each day priced at the row of the PDL's offer in force that day, at the
meter's kVA (:mod:`myelectricaldata.domain.billing`), against the same dates a year earlier
priced at last year's prices; the cost per tariff slot and per Tempo colour; which prices were
used and where the offer comes from; a link to the Simulateur to compare offers."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from nicegui import ui

from myelectricaldata.domain.billing import DayBill, DaySource
from myelectricaldata.domain.measures import evolution
from myelectricaldata.domain.offers import OfferType
from myelectricaldata.domain.tariffs import DEFAULT_PRICES_DATE, UNCLASSIFIED
from myelectricaldata.domain.types import Direction, TempoColor
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.pricing import PricingOrigin
from myelectricaldata.store.repo import Store
from myelectricaldata.ui import charts, i18n, summaries
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import (
    CostModel,
    Repricing,
    bars,
    by_tag,
    comparable_day,
    cost_model,
    last_repricing,
)
from myelectricaldata.ui.layout import (
    TAG_COLORS,
    PageContext,
    column,
    day_table,
    heading,
    message,
    repricing_banner,
    shell,
    stat,
    value_label,
)
from myelectricaldata.ui.offers import offer_name, rows_lines
from myelectricaldata.ui.period import Selection, picker, select

#: Offer types whose slots are off-peak or peak hours (the table's HC € and HP € columns).
_HC_HP_TYPES = (
    OfferType.HC_HP,
    OfferType.TEMPO,
    OfferType.WEEKEND,
    OfferType.HC_NUIT_WEEKEND,
    OfferType.SEASONAL,
)


def offpeak_tag(tag: str) -> bool:
    """True for the off-peak slots (``hc``, ``bluehc``, ``winter_hc``, ``hc_weekend``...)."""
    return tag.endswith("hc") or tag == "hc_weekend"


@dataclass(frozen=True, slots=True)
class Costs:
    """What the page shows: the period's costs and those of the same dates a year earlier."""

    model: CostModel
    previous: CostModel
    previous_days: dict[date, float]  # total EUR of each priced day a year earlier, by its date
    repricing: Repricing | None

    @property
    def by_tag(self) -> dict[str, float]:
        """Energy EUR per slot tag over the period (adds up to the energy cost)."""
        totals: dict[str, float] = defaultdict(float)
        for day in self.model.days:
            for tag, eur in by_tag(day).items():
                totals[tag] += eur
        return dict(totals)


def _read(store: Store, selection: Selection, now: datetime) -> Costs:
    period = selection.period
    last = selection.last
    point = selection.point
    catalogue = OfferStore(store).catalogue_for(selection.pdl)
    model = cost_model(store, point, period.start, last, catalogue=catalogue)
    first_before = comparable_day(period.start, period.kind)
    last_before = comparable_day(last, period.kind)
    # Last year at last year's prices: the offer's rows in force on those days.
    before = cost_model(store, point, first_before, last_before, catalogue=catalogue)
    previous_days = {
        d.day: d.energy_eur + d.subscription_eur
        for d in before.days
        if d.source is not None and d.row is not None
    }
    return Costs(model, before, previous_days, last_repricing(store, selection.pdl, now))


def _note(ctx: PageContext, day: DayBill) -> str:
    if day.row is None:
        return ctx.t("note.unpriced")
    if day.source is DaySource.ESTIMATED:
        return ctx.t("note.estimated")
    if day.source is DaySource.PARTIAL:
        return ctx.t("note.partial")
    if day.source is None:
        return ctx.t("note.missing")
    return ""


def _offer(ctx: PageContext, costs: Costs) -> None:
    pricing = costs.model.pricing
    line = ui.label(
        ctx.t(
            "offer.line",
            name=offer_name(ctx.lang, pricing.offer, pricing.provider),
            origin=ctx.t(f"offer.origin.{pricing.origin.value}"),
        )
    ).classes("text-sm font-medium")
    m.apply(line, m.COST_OFFER, value=pricing.offer.id, unit="")
    if pricing.origin is PricingOrigin.DEFAULT:
        if pricing.missing_offer_id:
            message(ctx.t("offer.missing", id=pricing.missing_offer_id), "warning")
        message(ctx.t("offer.default_hint", date=i18n.day_text(DEFAULT_PRICES_DATE, ctx.lang)))


def _totals(ctx: PageContext, selection: Selection, costs: Costs) -> None:
    pdl = selection.pdl
    model = costs.model
    bill = model.bill
    _offer(ctx, costs)
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        for key, title, eur in (
            ("cost_total_eur", "cost.total", bill.low_eur),
            ("cost_energy_eur", "cost.energy", bill.energy_eur),
            ("cost_subscription_eur", "cost.subscription", bill.subscription_eur),
        ):
            stat(ctx.t(title), i18n.eur(eur, ctx.lang), m.value(pdl, key), round(eur, 2), "EUR")
    previous = costs.previous.bill
    before = round(previous.low_eur, 2) if costs.previous_days else None
    change = None if before is None else round(bill.low_eur - previous.low_eur, 2)
    change_pct = evolution(bill.low_eur, previous.low_eur) if before is not None else None
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        stat(
            ctx.t("yoy.previous"),
            i18n.eur(before, ctx.lang),
            m.value(pdl, "cost_prev_eur"),
            before,
            "EUR",
        )
        with ui.column().classes("gap-0"):
            ui.label(ctx.t("yoy.change")).classes("text-xs med-muted")
            with ui.row().classes("items-baseline gap-3"):
                value_label(
                    i18n.signed(i18n.eur(change, ctx.lang), change),
                    m.value(pdl, "cost_change_eur"),
                    change,
                    "EUR",
                )
                value_label(
                    i18n.percent(change_pct, ctx.lang),
                    m.value(pdl, "cost_change_pct"),
                    change_pct,
                    "%",
                    "text-lg",
                )
    missing_before = costs.previous.count(None)
    if before is None:
        ui.label(ctx.t("yoy.none")).classes("text-xs med-muted")
    elif missing_before:
        ui.label(ctx.t("yoy.unmatched", days=missing_before)).classes("text-xs med-muted")
    estimated = model.count(DaySource.ESTIMATED)
    if estimated:
        key = "cost.estimated" if model.profile_days else "cost.estimated_flat"
        message(ctx.t(key, days=estimated, profile=model.profile_days), "warning")
    partial = model.count(DaySource.PARTIAL)
    if partial:
        message(ctx.t("cost.partial", days=partial), "warning")
    if model.unpriced_days:
        message(ctx.t("cost.unpriced", days=model.unpriced_days), "warning")
    if bill.unknown_kwh:
        message(
            ctx.t(
                "cost.range",
                kwh=i18n.kwh(bill.unknown_kwh, ctx.lang),
                low=i18n.eur(bill.low_eur, ctx.lang),
                high=i18n.eur(bill.high_eur, ctx.lang),
            ),
            "warning",
        )
    with ui.column().classes("gap-0") as used:
        m.apply(used, m.COST_PRICES, value=str(len(model.pricing.periods)), unit="")
        ui.label(ctx.t("cost.prices")).classes("text-xs font-medium")
        for line in rows_lines(ctx.lang, model.pricing):
            ui.label(line).classes("text-xs med-muted")
    note = ui.label(ctx.t("source.cost")).classes("text-xs med-muted")
    m.apply(note, m.SOURCE_NOTE)


def _by_slot(ctx: PageContext, selection: Selection, costs: Costs) -> None:
    """Energy cost per slot, and per Tempo colour on a Tempo offer."""
    pdl = selection.pdl
    totals = costs.by_tag
    tempo = costs.model.offer_type is OfferType.TEMPO
    heading(ctx.t("cost.by_color" if tempo else "cost.by_tag"))
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        if tempo:
            for color in TempoColor:
                low = color.value.lower()
                hc, hp = totals.get(f"{low}hc", 0.0), totals.get(f"{low}hp", 0.0)
                stat(
                    ctx.label("tempo", color),
                    i18n.eur(hc + hp, ctx.lang),
                    m.value(pdl, f"cost_{low}_eur"),
                    round(hc + hp, 2),
                    "EUR",
                    note=f"{ctx.t('split.hc')} {i18n.eur(hc, ctx.lang)} · "
                    f"{ctx.t('split.hp')} {i18n.eur(hp, ctx.lang)}",
                )
        for tag in _tags(costs):
            eur = totals.get(tag, 0.0)
            stat(
                ctx.t(f"tag.{tag}"),
                i18n.eur(eur, ctx.lang),
                m.value(pdl, f"cost_{tag}_eur"),
                round(eur, 2),
                "EUR",
            )


def _tags(costs: Costs) -> list[str]:
    """The slots shown, and the unknown-slot energy when there is some."""
    tags = list(costs.model.tags)
    if costs.model.bill.unknown_kwh:
        tags.append(UNCLASSIFIED)
    return tags


def _chart(ctx: PageContext, selection: Selection, costs: Costs) -> None:
    period = selection.period
    last = selection.last
    tags = _tags(costs)
    per_tag: dict[str, dict[date, float]] = {tag: {} for tag in (*tags, "subscription")}
    totals: dict[date, float] = {}
    for day in costs.model.days:
        if day.source is None or day.row is None:
            continue
        for tag, eur in by_tag(day).items():
            per_tag.setdefault(tag, {})[day.day] = eur
        per_tag["subscription"][day.day] = day.subscription_eur
        totals[day.day] = day.energy_eur + day.subscription_eur
    total_bars = bars(period, last, totals, costs.previous_days)
    names = {tag: ctx.t(f"tag.{tag}") for tag in per_tag} | {
        "subscription": ctx.t("cost.subscription")
    }
    stacks = {
        names[tag]: [v or 0.0 for v in bars(period, last, values, {}).values]
        for tag, values in per_tag.items()
    }
    colors = {names[tag]: TAG_COLORS.get(tag, TAG_COLORS[UNCLASSIFIED]) for tag in per_tag}
    title = ctx.t("cost.per_month" if total_bars.monthly else "cost.per_day")
    heading(title)
    year = period.start.year
    chart = charts.Chart(
        charts.stacked_bars(
            summaries.bar_labels(total_bars, ctx.lang),
            stacks,
            colors,
            "€",
            ctx.dark,
            previous=total_bars.previous,
            previous_name=ctx.t("series.previous", year=year - 1),
        ),
        ctx.lang,
        unit="€",
        title=title,
    ).classes("med-chart")
    charts.chart_card(
        chart,
        m.CHART_COST,
        len(total_bars.labels),
        "bars",
        summaries.bars_text(
            ctx.lang,
            ctx.t("cost.title"),
            total_bars,
            period.start,
            last,
            lambda v: i18n.eur(v, ctx.lang),
        ),
        ctx.lang,
    )


def _table(ctx: PageContext, costs: Costs) -> None:
    model = costs.model
    tempo = model.offer_type is OfferType.TEMPO
    split = model.offer_type in _HC_HP_TYPES
    columns: list[dict[str, Any]] = [column("date", ctx.t("common.date"), align="left")]
    if tempo:
        columns.append(column("tempo", ctx.t("col.tempo"), align="left", key=False))
    columns.append(column("kwh", ctx.t("cost.kwh_curve"), key=False))
    if split:
        columns += [
            column("hc", ctx.t("col.hc_eur"), key=False),
            column("hp", ctx.t("col.hp_eur"), key=False),
        ]
    columns += [
        column("energy", ctx.t("cost.energy"), key=False),
        column("sub", ctx.t("cost.subscription"), key=False),
        column("total", ctx.t("cost.total")),
        column("note", ctx.t("col.note"), align="left", key=False),
    ]
    rows = []
    for day in model.days:
        priced = by_tag(day)
        has_value = day.source is not None
        row: dict[str, Any] = {
            "date": i18n.day_text(day.day, ctx.lang),
            "kwh": (
                ("≈ " if day.source is DaySource.ESTIMATED else "")
                + i18n.number(day.total_kwh, 2, ctx.lang)
                if has_value
                else "—"
            ),
            "energy": i18n.eur(day.energy_eur, ctx.lang),
            "sub": i18n.eur(day.subscription_eur, ctx.lang),
            "total": i18n.eur(day.energy_eur + day.subscription_eur, ctx.lang),
            "note": _note(ctx, day),
        }
        if tempo:
            row["tempo"] = ctx.label("tempo", model.tempo.get(day.day))
        if split:
            row["hc"] = i18n.eur(sum(v for k, v in priced.items() if offpeak_tag(k)), ctx.lang)
            row["hp"] = i18n.eur(sum(v for k, v in priced.items() if not offpeak_tag(k)), ctx.lang)
        rows.append(row)
    heading(ctx.t("energy.table"))
    day_table(ctx, columns, rows, m.TABLE_COST)


def _compare(ctx: PageContext, selection: Selection) -> None:
    heading(ctx.t("cost.compare_title"))
    ui.label(ctx.t("cost.compare_text")).classes("text-sm")
    link = ui.link(
        ctx.t("cost.compare_link"), ctx.url(m.PAGE_PATHS[m.PAGE_SIMULATOR], pdl=selection.pdl)
    ).classes("text-sm font-medium")
    m.apply(link, m.COST_SIMULATOR_LINK)


async def build(ctx: PageContext) -> None:
    """The Consommation (€) page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    with shell(ctx, m.PAGE_COST):
        selection = await select(ctx, Direction.CONSUMPTION, points)
        if selection is None:
            message(ctx.t("common.no_pdl"))
            return
        picker(ctx, selection, points)
        # Days after the newest stored one have no consumption yet: no cost, no subscription.
        if selection.last < selection.period.start:
            message(ctx.t("common.no_data"))
            return
        costs = await asyncio.to_thread(_read, store, selection, ctx.now)
        change = costs.repricing
        if change is not None and change.start <= selection.last:
            repricing_banner(ctx, change, selection.anchor)
        with ui.card().classes("w-full"):
            _totals(ctx, selection, costs)
        with ui.card().classes("w-full"):
            _by_slot(ctx, selection, costs)
        with ui.card().classes("w-full"):
            _chart(ctx, selection, costs)
        with ui.card().classes("w-full"):
            _compare(ctx, selection)
        with ui.card().classes("w-full"):
            _table(ctx, costs)
