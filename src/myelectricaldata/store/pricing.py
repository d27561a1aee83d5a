"""How a PDL's consumption is priced, read from the store: its offer (chosen by the user, else
picked on the gateway's site, else a fallback), the dated rows of that offer at the meter's kVA
that price each day, and each day's bill (:mod:`myelectricaldata.domain.billing`).

One function for every reader of costs: the web UI prices with it, and the exporters too,
through the :class:`StorePricing` their context hands them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from myelectricaldata.domain.billing import (
    Bill,
    Calendars,
    DayBill,
    Usage,
    bill_of,
    build_usage,
    price_days,
)
from myelectricaldata.domain.offers import Catalogue, Offer, Period, default_offer
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import Direction
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.repo import Store, StoredUsagePoint


class PricingOrigin(StrEnum):
    """Where the offer pricing a PDL comes from."""

    USER = "user"  # chosen by the user (a catalogue offer or their own prices)
    GATEWAY = "gateway"  # picked on the MyElectricalData site (``/pdl`` selected_offer_id)
    DEFAULT = "default"  # nothing chosen: the fallback prices


@dataclass(frozen=True, slots=True)
class Pricing:
    """How a PDL's consumption of a range is priced: its offer, and the dated rows of that
    offer at the meter's kVA that price each day (the subscription comes with them)."""

    offer: Offer  # the row in force on the last day (else the newest row): names the offer
    origin: PricingOrigin
    periods: tuple[Period, ...]  # the row pricing each day; days without one are unpriced
    kva: float | None
    provider: str  # the supplier's name ("" for the user's own prices)
    #: An offer id chosen (by the user or on the site) that the stored catalogue does not hold.
    missing_offer_id: str | None = None

    @property
    def rows(self) -> list[Offer]:
        """The distinct rows used, oldest first."""
        rows: list[Offer] = []
        for period in self.periods:
            if not rows or rows[-1].id != period.offer.id:
                rows.append(period.offer)
        return rows


def pricing_of(
    store: Store,
    point: StoredUsagePoint,
    first: date,
    last: date,
    *,
    fallback: Offer,
    catalogue: Catalogue | None = None,
) -> Pricing:
    """The offer pricing ``point`` over first..last and its row for each day at the meter's
    kVA: the user's choice, else the offer picked on the site, else ``fallback`` for every day.
    ``catalogue`` saves re-reading it (:meth:`OfferStore.catalogue_for` of the PDL)."""
    pdl = point.point.pdl
    offers = OfferStore(store)
    catalogue = catalogue if catalogue is not None else offers.catalogue_for(pdl)
    selection = offers.selection(pdl)
    kva = point.point.subscribed_power_kva
    offer = offers.offer_of(pdl, catalogue, kva, last)
    if offer is None and selection.offer_id is not None and kva is None:
        # The meter's power is unknown: the chosen row's own kVA is the best one can say.
        chosen = catalogue.get(selection.offer_id)
        if chosen is not None:
            kva = chosen.power_kva
            offer = offers.offer_of(pdl, catalogue, kva, last)
    if offer is None:
        return Pricing(
            fallback,
            PricingOrigin.DEFAULT,
            (Period(first, last, fallback),),
            kva,
            "",
            selection.offer_id,
        )
    origin = PricingOrigin.USER if selection.user_offer_id else PricingOrigin.GATEWAY
    periods = tuple(catalogue.timeline(offer, kva, first, last))
    return Pricing(offer, origin, periods, kva, catalogue.provider_name(offer))


@dataclass(frozen=True, slots=True)
class PricedRange:
    """Each day of a range priced (:class:`DayBill`), their :class:`Bill`, and what they read."""

    pricing: Pricing
    days: tuple[DayBill, ...]
    bill: Bill
    usage: Usage
    calendars: Calendars


def usage_calendars(
    store: Store,
    point: StoredUsagePoint,
    first: date,
    last: date,
    rows: Sequence[tuple[int, int, int, str]] | None = None,
) -> tuple[Usage, Calendars]:
    """The consumption of first..last as pricing reads it (load curve, else daily values) and
    the calendars its rules read (dated off-peak hours, Tempo colours; no peak-day calendar)."""
    pdl = point.point.pdl
    daily = {r.day: r.value_wh for r in store.daily(pdl, Direction.CONSUMPTION, first, last)}
    if rows is None:
        rows = [
            row
            for batch in store.iter_load_curve_rows(
                pdl,
                Direction.CONSUMPTION,
                local_midnight(first),
                local_midnight(last + timedelta(days=1)),
            )
            for row in batch
        ]
    usage = build_usage(rows, daily, first, last)
    # The day before: its Tempo colour prices the hours before 06:00 of the first day.
    tempo = {
        d.day: d.color for d in store.tempo(first - timedelta(days=1), last + timedelta(days=1))
    }
    return usage, Calendars(point.offpeak_history, tempo)


def price_range(
    store: Store,
    point: StoredUsagePoint,
    first: date,
    last: date,
    pricing: Pricing,
    *,
    rows: Sequence[tuple[int, int, int, str]] | None = None,
) -> PricedRange:
    """Each day of first..last priced at its row of ``pricing``: a complete load curve minute
    by minute, a day with only its daily value spread like the range's average day."""
    usage, cal = usage_calendars(store, point, first, last, rows)
    days = price_days(pricing.periods, usage, cal)
    return PricedRange(pricing, tuple(days), bill_of(pricing.offer, days, cal), usage, cal)


class StorePricing:
    """The dated pricing of every PDL, as the UI prices it, for readers that are handed it
    instead of reading the offer tables themselves (the exporters, through their context).

    ``fallback_prices`` gives the former single prices (the runtime's saved prices) that price
    a PDL with no offer at all. Every method blocks: call it in a thread.
    """

    __slots__ = ("_fallback_prices", "_store")

    def __init__(self, store: Store, fallback_prices: Callable[[], TariffPrices]) -> None:
        self._store = store
        self._fallback_prices = fallback_prices

    def pricing(self, point: StoredUsagePoint, first: date, last: date) -> Pricing:
        """:func:`pricing_of` the PDL over first..last."""
        fallback = default_offer(self._fallback_prices(), point.point.pricing_option)
        return pricing_of(self._store, point, first, last, fallback=fallback)

    def price_range(
        self,
        point: StoredUsagePoint,
        first: date,
        last: date,
        *,
        rows: Sequence[tuple[int, int, int, str]] | None = None,
    ) -> PricedRange:
        """:func:`price_range` of first..last with the PDL's :meth:`pricing` (``rows``: the
        load-curve rows of the range when the caller already read them)."""
        pricing = self.pricing(point, first, last)
        return price_range(self._store, point, first, last, pricing, rows=rows)
