"""The offer simulator: every current offer of the catalogue priced on the user's own load curve.

Pure: it gets the catalogue, the usage (:func:`~myelectricaldata.domain.billing.build_usage`)
and the calendars, and ranks. By default every offer is priced at the prices it has on
``as_of`` for the whole period (what the past 12 months would cost at today's prices: the fair
way to choose an offer now); ``dated=True`` prices each day at the price in force that day
instead (what the period did cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from myelectricaldata.domain.billing import (
    Bill,
    Calendars,
    DaySource,
    Problem,
    Usage,
    price_usage,
)
from myelectricaldata.domain.offers import Catalogue, Offer, OfferType, Period

#: Longest simulated period (two years and a leap day: the load curve goes back two years).
MAX_SIMULATION_DAYS = 731


@dataclass(frozen=True, slots=True)
class Ranked:
    """One offer of the ranking; ``rank`` is ``None`` when only a cost range is known."""

    rank: int | None
    bill: Bill
    #: Current offer's total minus this one's (positive: this offer is cheaper).
    saving_eur: float | None
    is_current: bool


@dataclass(frozen=True, slots=True)
class Note:
    """Something the result depends on, as a code and an English sentence."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Simulation:
    """The ranking of the offers for one meter over ``first..last``."""

    first: date
    last: date
    kva: float | None
    as_of: date
    dated: bool
    usage: Usage
    current: Ranked | None
    ranking: tuple[Ranked, ...]
    notes: tuple[Note, ...]

    @property
    def days(self) -> int:
        """Days in the period."""
        return (self.last - self.first).days + 1


def _periods(
    catalogue: Catalogue, offer: Offer, kva: float | None, usage: Usage, as_of: date, dated: bool
) -> list[Period]:
    if dated:
        return catalogue.timeline(offer, kva, usage.first, usage.last)
    row = catalogue.version_on(offer, kva, as_of) or offer
    return [Period(usage.first, usage.last, row)]


def _sort_key(bill: Bill) -> tuple[int, float, str]:
    if Problem.NO_PRICE in bill.problems or Problem.NEEDS_OFFPEAK_HOURS in bill.problems:
        return (2, 0.0, bill.offer.name)
    return (0 if bill.exact else 1, bill.low_eur, bill.offer.name)


def simulate(
    catalogue: Catalogue,
    usage: Usage,
    cal: Calendars,
    *,
    kva: float | None,
    as_of: date,
    current: Offer | None = None,
    offer_type: OfferType | None = None,
    dated: bool = False,
) -> Simulation:
    """Rank every offer in force on ``as_of`` for ``kva`` on ``usage`` (the user's own dated
    prices are ranked too when the catalogue holds them); ``current`` is the meter's offer, the
    reference of the savings."""
    candidates = catalogue.current(kva, as_of, offer_type=offer_type)
    current_family = current.family if current is not None else None
    if current is not None and all(o.family != current_family for o in candidates):
        candidates.append(current)
    bills = [
        price_usage(offer, _periods(catalogue, offer, kva, usage, as_of, dated), usage, cal)
        for offer in candidates
    ]
    bills.sort(key=_sort_key)
    current_bill = next((b for b in bills if b.offer.family == current_family), None)
    reference = current_bill.total_eur if current_bill is not None else None
    ranking: list[Ranked] = []
    position = 0
    for bill in bills:
        rank = None
        if bill.exact:
            position += 1
            rank = position
        total = bill.total_eur
        saving = reference - total if reference is not None and total is not None else None
        ranking.append(Ranked(rank, bill, saving, bill is current_bill))
    current_ranked = next((r for r in ranking if r.is_current), None)
    return Simulation(
        first=usage.first,
        last=usage.last,
        kva=kva,
        as_of=as_of,
        dated=dated,
        usage=usage,
        current=current_ranked,
        ranking=tuple(ranking),
        notes=tuple(_notes(usage, ranking, current, kva)),
    )


def _notes(
    usage: Usage, ranking: list[Ranked], current: Offer | None, kva: float | None
) -> list[Note]:
    notes: list[Note] = []
    days = (usage.last - usage.first).days + 1
    curve = usage.count(DaySource.CURVE)
    notes.append(Note("curve_days", f"{curve} of the {days} days have a complete load curve."))
    estimated = usage.count(DaySource.ESTIMATED)
    if estimated:
        how = (
            f"spread like the average day of the {usage.profile_days} days with a load curve"
            if usage.profile_days
            else "spread evenly over the day (no day of the period has a load curve)"
        )
        notes.append(
            Note("estimated_days", f"{estimated} days are priced from their daily value, {how}.")
        )
    partial = usage.count(DaySource.PARTIAL)
    if partial:
        notes.append(
            Note(
                "partial_days",
                f"{partial} days have an incomplete load curve and no daily value: only the "
                "measured part is priced.",
            )
        )
    if usage.missing:
        notes.append(
            Note(
                "missing_days",
                f"{len(usage.missing)} days have no consumption value: only their subscription "
                "is counted.",
            )
        )
    if kva is None:
        notes.append(
            Note(
                "unknown_kva",
                "The subscribed power is unknown: only offers priced alike for every kVA are "
                "ranked; the subscription depends on it.",
            )
        )
    if current is None:
        notes.append(
            Note("no_current_offer", "No offer is chosen for this meter: no saving is computed.")
        )
    problems = {p for r in ranking for p in r.bill.problems}
    if Problem.NEEDS_PEAK_DAYS in problems:
        notes.append(
            Note(
                "needs_peak_days",
                "EJP and peak-day offers need the calendar of peak days, which is not known "
                "here: they show the lowest and highest possible cost and are not ranked.",
            )
        )
    if Problem.NEEDS_TEMPO_COLORS in problems:
        notes.append(
            Note(
                "needs_tempo_colors",
                "Some Tempo colours of the period are not stored yet: Tempo offers show a "
                "cost range.",
            )
        )
    if Problem.NEEDS_OFFPEAK_HOURS in problems:
        notes.append(
            Note(
                "needs_offpeak_hours",
                "Some HC/HP offers have no off-peak hours of their own and the meter has none: "
                "they are not priced.",
            )
        )
    return notes
