"""Days to export again because their costs or HC/HP split changed after they were exported.

A price, an offer or an off-peak version dated in the past re-prices days that destinations
already hold (Home Assistant's cost and split statistics). The write that makes such a change
marks the PDL's affected days in the same transaction (:func:`mark_in`), as a range owed to
every destination (``*``). The export service hands that range to each destination that keeps
exported costs (:meth:`RepriceMarks.hand_out`); each destination re-sends it on its next run and
clears only its own mark, and only if it was not widened meanwhile (``seq``): a destination that
is down keeps its mark, and so does a run that crashed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.store import schema as t

if TYPE_CHECKING:
    from myelectricaldata.store.repo import Store

#: The destination of a mark not handed out yet.
EVERY_DESTINATION = "*"


class RepriceReason(StrEnum):
    """What re-priced the days of a mark (the newest reason is kept when marks merge)."""

    PRICES = "prices"  # the user's own dated prices, or the fallback prices
    OFFER = "offer"  # another offer chosen (by the user, or on the gateway's site)
    OFFPEAK = "offpeak"  # an off-peak version dated in the past


@dataclass(frozen=True, slots=True)
class RepriceMark:
    """Days ``first..last`` of a PDL that ``destination`` must export again."""

    destination: str
    pdl: str
    first: date
    last: date
    reason: RepriceReason
    seq: int
    marked_at: datetime


def _today() -> date:
    return datetime.now(PARIS).date()


def oldest_day_in(conn: Connection, pdl: str) -> date | None:
    """The oldest day with a daily value or a load-curve point of ``pdl``, either direction."""
    daily = conn.execute(
        select(func.min(t.daily_energy.c.day)).where(t.daily_energy.c.pdl == pdl)
    ).scalar_one()
    first_ts = conn.execute(
        select(func.min(t.load_curve.c.start_ts)).where(t.load_curve.c.pdl == pdl)
    ).scalar_one()
    curve = datetime.fromtimestamp(first_ts, UTC).astimezone(PARIS).date() if first_ts else None
    found = [d for d in (daily, curve) if d is not None]
    return min(found) if found else None


def _merge(
    conn: Connection,
    destination: str,
    pdl: str,
    first: date,
    last: date,
    reason: RepriceReason,
) -> None:
    c = t.reprice_marks.c
    now = datetime.now(UTC)
    found = conn.execute(
        select(t.reprice_marks).where(c.destination == destination, c.pdl == pdl)
    ).first()
    if found is None:
        conn.execute(
            t.reprice_marks.insert().values(
                destination=destination, pdl=pdl, first_day=first, last_day=last,
                reason=reason.value, seq=1, marked_at=now,
            )
        )  # fmt: skip
        return
    conn.execute(
        update(t.reprice_marks)
        .where(c.destination == destination, c.pdl == pdl)
        .values(
            first_day=min(first, found.first_day),
            last_day=max(last, found.last_day),
            reason=reason.value,
            seq=found.seq + 1,
            marked_at=now,
        )
    )


def mark_in(
    conn: Connection,
    pdl: str,
    first: date | None,
    reason: RepriceReason,
    *,
    today: date | None = None,
) -> bool:
    """Mark the days of ``pdl`` from ``first`` (``None``: its whole history) to today, when
    some of them hold data: a change dated today or later re-prices nothing exported."""
    today = today or _today()
    oldest = oldest_day_in(conn, pdl)
    if oldest is None:
        return False
    first = oldest if first is None else max(first, oldest)
    if first >= today:
        return False
    _merge(conn, EVERY_DESTINATION, pdl, first, today, reason)
    return True


def every_pdl_in(conn: Connection) -> list[str]:
    """Every stored PDL."""
    return list(conn.execute(select(t.usage_points.c.pdl).order_by(t.usage_points.c.pdl)).scalars())


def _mark_of(row: object) -> RepriceMark:
    return RepriceMark(
        row.destination,  # type: ignore[attr-defined]
        row.pdl,  # type: ignore[attr-defined]
        row.first_day,  # type: ignore[attr-defined]
        row.last_day,  # type: ignore[attr-defined]
        RepriceReason(row.reason),  # type: ignore[attr-defined]
        row.seq,  # type: ignore[attr-defined]
        row.marked_at,  # type: ignore[attr-defined]
    )


class RepriceMarks:
    """The re-pricing marks of a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def mark(
        self,
        pdls: Iterable[str] | None,
        first: date | None,
        reason: RepriceReason,
        *,
        today: date | None = None,
    ) -> None:
        """Mark ``pdls`` (``None``: every stored PDL) from ``first`` (``None``: their whole
        history) to today."""
        with self.engine.begin() as conn:
            for pdl in every_pdl_in(conn) if pdls is None else pdls:
                mark_in(conn, pdl, first, reason, today=today)

    def hand_out(self, destinations: Sequence[str]) -> None:
        """Give every mark owed to all (``*``) to each of ``destinations`` and drop it: a
        destination not among them has nothing exported to correct."""
        c = t.reprice_marks.c
        with self.engine.begin() as conn:
            owed = conn.execute(
                select(t.reprice_marks).where(c.destination == EVERY_DESTINATION)
            ).all()
            for row in owed:
                for destination in destinations:
                    _merge(
                        conn, destination, row.pdl, row.first_day, row.last_day,
                        RepriceReason(row.reason),
                    )  # fmt: skip
            conn.execute(delete(t.reprice_marks).where(c.destination == EVERY_DESTINATION))

    def pending(self, destination: str | None = None) -> list[RepriceMark]:
        """Marks of one destination (``None``: of all, ``*`` included), by destination and PDL."""
        c = t.reprice_marks.c
        query = select(t.reprice_marks).order_by(c.destination, c.pdl)
        if destination is not None:
            query = query.where(c.destination == destination)
        with self.engine.connect() as conn:
            return [_mark_of(row) for row in conn.execute(query).all()]

    def clear(self, mark: RepriceMark) -> bool:
        """Drop a mark once its destination re-sent it; ``False`` (kept) when it was widened
        since it was read."""
        c = t.reprice_marks.c
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(t.reprice_marks).where(
                    c.destination == mark.destination, c.pdl == mark.pdl, c.seq == mark.seq
                )
            )
        return bool(result.rowcount)
