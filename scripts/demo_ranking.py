"""Print the offer simulator's ranking for both demo meters (issue 11's closing note).

    .venv/bin/python scripts/demo_ranking.py [--today 2026-12-06] [--dated]

Reads the demo source directly (no database): the last 12 months of daily values and load
curve up to yesterday, the Tempo colours, and the demo catalogue; each meter's current offer is
the regulated Tarif Bleu of its own pricing option.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime, time, timedelta

from myelectricaldata.domain.billing import Calendars, DaySource, build_usage
from myelectricaldata.domain.offers import OfferType
from myelectricaldata.domain.offpeak import OffpeakHistory
from myelectricaldata.domain.simulator import simulate
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction
from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.sources.demo_offers import demo_catalogue


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


async def main(today: date, dated: bool) -> None:
    noon = datetime.combine(today, time(12), tzinfo=PARIS).astimezone(UTC)
    source = DemoSource(clock=lambda: noon)
    catalogue = demo_catalogue()
    last = today - timedelta(days=1)
    first = _year_before(last) + timedelta(days=1)
    tempo = {d.day: d.color for d in await source.tempo(first - timedelta(days=1), today)}
    for point in await source.usage_points():
        daily = await source.daily(point.pdl, Direction.CONSUMPTION, first, today)
        curve = await source.load_curve(point.pdl, Direction.CONSUMPTION, first, today)
        rows = [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in curve]
        usage = build_usage(rows, {r.day: r.value_wh for r in daily}, first, last)
        offpeak = OffpeakHistory([(date(1970, 1, 1), point.offpeak)] if point.offpeak else [])
        kva = point.subscribed_power_kva
        option = OfferType(point.pricing_option.value) if point.pricing_option else None
        current = next((o for o in catalogue.current(kva, today) if o.offer_type is option), None)
        sim = simulate(
            catalogue, usage, Calendars(offpeak, tempo), kva=kva, as_of=today, current=current,
            dated=dated,
        )  # fmt: skip
        print(f"\n== {point.pdl} {point.name}: {kva:g} kVA, {option}, HC {point.offpeak.canonical() if point.offpeak else None}")
        print(
            f"   {first}..{last}: {usage.total_kwh:,.1f} kWh; "
            f"{usage.count(DaySource.CURVE)} days with load curve, "
            f"{usage.count(DaySource.ESTIMATED)} from daily values, "
            f"{len(usage.missing)} without data; "
            + ("each day at its own prices" if dated else f"prices in force on {today}")
        )
        for item in sim.ranking:
            bill = item.bill
            total = f"{bill.total_eur:9.2f} €" if bill.total_eur is not None else (
                f"{bill.low_eur:.2f}..{bill.high_eur:.2f} €"
            )
            saving = f"{item.saving_eur:+8.2f} €" if item.saving_eur is not None else "      —"
            mark = "*" if item.is_current else " "
            slots = ", ".join(f"{s.tag} {s.kwh:,.0f} kWh {s.eur:,.2f} €" for s in bill.slots)
            print(
                f" {mark}{item.rank or '-':>2} {bill.offer.name:<28} {total}  saving {saving}  "
                f"(subscription {bill.subscription_eur:.2f} €; {slots})"
            )
        for note in sim.notes:
            print(f"   note: {note.message}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(PARIS).date())
    parser.add_argument("--dated", action="store_true", help="each day at its own prices")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.today, arguments.dated))
