"""The store's only entry point: idempotent upserts with change numbers, and the queries.

Every write that inserts or changes rows takes the next number of ``change_counter`` in the same
transaction and stamps it on exactly the rows it inserted or changed; a row written again with the
same values keeps its old number. The counter row is locked by the write, so numbers are handed
out in commit order on PostgreSQL too, and a reader never sees a lower number appear later.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from myelectricaldata.domain.offpeak import OffpeakHistory, OffpeakSchedule, parse_offpeak
from myelectricaldata.domain.timeutil import PARIS, from_epoch, to_epoch
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.store import schema as t
from myelectricaldata.store.db import make_engine, normalise_url, upgrade
from myelectricaldata.store.health import classify, preflight
from myelectricaldata.store.locks import SYNC_LOCK, Holder, LockBusy, Locks
from myelectricaldata.store.reprice import RepriceReason, mark_in


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What an upsert did: rows it inserted or changed, and the change number it used."""

    changed: int
    received: int
    change_no: int | None

    @property
    def unchanged(self) -> int:
        """Rows that were already stored with the same values."""
        return self.received - self.changed


@dataclass(frozen=True, slots=True)
class StoredDaily:
    """A stored daily value with its provenance."""

    day: date
    value_wh: int
    quality: str
    origin: str
    change_no: int


@dataclass(frozen=True, slots=True)
class StoredMaxPower:
    """A stored daily maximum power."""

    day: date
    value_va: int
    at: datetime
    quality: str
    origin: str


#: Why a PDL the site lists as inactive is skipped.
INACTIVE_ON_SITE = (
    "inactive on the MyElectricalData site: it is skipped; reactivate it there to sync it again"
)


@dataclass(frozen=True, slots=True)
class StoredUsagePoint:
    """A usage point as stored, with its date-versioned off-peak schedules.

    ``point.is_active`` is False when the site lists it as inactive or when the gateway refused
    its data at the last try; ``inactive_reason`` then says which, and what to do.
    """

    point: UsagePoint
    origin: str
    updated_at: datetime
    offpeak_versions: tuple[tuple[date, OffpeakSchedule], ...]
    inactive_reason: str | None = None
    denied_at: datetime | None = None

    @property
    def offpeak_history(self) -> OffpeakHistory:
        """Schedules by date of entry into force."""
        return OffpeakHistory(list(self.offpeak_versions))


@dataclass(frozen=True, slots=True)
class UnavailableRange:
    """A range the gateway said can never be served, remembered so it is not asked again."""

    pdl: str
    stream: str
    start: date
    end: date
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One sync run and its progress."""

    id: int
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    steps_total: int
    steps_done: int
    rows_written: int
    current: str
    errors: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class StreamState:
    """Outcome of the last attempt at one stream of one PDL."""

    pdl: str
    stream: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class SyncBusy(LockBusy):
    """Another sync holds the lock; wait for it to finish."""


class Store:
    """Typed access to the database. Thread-safe: every method uses its own connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._dialect = engine.dialect.name
        self._statements: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}
        #: The sync lock and the export destinations' locks (crash-safe, see store/locks.py).
        self.locks = Locks(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open (and by default migrate) the database at ``url``.

        Raises :class:`~myelectricaldata.store.health.DatabaseFault` (one line: what is wrong
        and what to do) for an empty, damaged, locked or unreachable database.
        """
        url = normalise_url(url)
        preflight(url)
        engine = make_engine(url)
        try:
            if migrate:
                upgrade(engine)
            else:
                with engine.connect():
                    pass
        except (DBAPIError, sqlite3.Error) as exc:
            engine.dispose()
            fault = classify(exc, url)
            if fault is None:
                raise
            raise fault from None
        return cls(engine)

    def close(self) -> None:
        """Stop the lock heartbeat and release every pooled connection."""
        self.locks.close()
        self.engine.dispose()

    # -- values as the driver takes them -------------------------------------------------------

    def _day(self, value: date) -> date | str:
        """A day as stored: ISO text in SQLite (SQLAlchemy's own format there), a date elsewhere."""
        if isinstance(value, datetime):
            raise ValueError("a day must be a date, not a datetime")
        return value.isoformat() if self._dialect == "sqlite" else value

    def _instant(self, value: datetime | None) -> datetime | str | None:
        """An aware instant as stored: naive UTC (text in SQLite, as SQLAlchemy writes it)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: instants must be time-zone aware")
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self._dialect == "sqlite" else naive

    # -- generic upsert ------------------------------------------------------------------------

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    def _param(self, name: str) -> str:
        """Placeholder for a named parameter in driver-level SQL."""
        return "?" if self.engine.dialect.paramstyle == "qmark" else f"%({name})s"

    def _params(self, **values: Any) -> Any:
        """Parameters matching :meth:`_param` placeholders (in keyword order for qmark)."""
        return tuple(values.values()) if self.engine.dialect.paramstyle == "qmark" else values

    def _next_change_no(self, conn: Connection) -> int:
        # Locks the counter row until commit: numbers are handed out in commit order.
        value = conn.exec_driver_sql(
            "UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value"
        ).scalar_one()
        return int(value)

    def _upsert_sql(self, table: Table, columns: tuple[str, ...], compare: Sequence[str]) -> str:
        """Driver-level SQL of INSERT .. ON CONFLICT DO UPDATE .. WHERE a compared column differs.

        Compiled once per table: the hot path then hands plain tuples to the driver's
        ``executemany``, with none of the per-row work of SQLAlchemy's parameter handling.
        """
        cache_key = (table.name, columns, tuple(compare))
        cached = self._statements.get(cache_key)
        if cached is not None:
            return cached
        keys = [c.name for c in table.primary_key.columns]
        stmt = self._insert(table)
        excluded = stmt.excluded
        differs: ColumnElement[bool] = or_(
            *(table.c[name].is_distinct_from(excluded[name]) for name in compare)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={name: excluded[name] for name in columns if name not in keys},
            where=differs,
        )
        compiled = stmt.compile(dialect=self.engine.dialect, column_keys=list(columns))
        order = compiled.positiontup
        if order is not None and list(order) != list(columns):
            raise AssertionError(f"unexpected parameter order {order} for {columns}")
        sql = str(compiled)
        self._statements[cache_key] = sql
        return sql

    def _upsert(
        self,
        table: Table,
        columns: tuple[str, ...],
        rows: Sequence[tuple[Any, ...]],
        compare: Sequence[str],
    ) -> WriteResult:
        """Insert new rows, overwrite rows whose ``compare`` columns differ, skip the rest.

        ``rows`` are tuples in the order of ``columns`` (without ``change_no``), holding values
        the driver takes as they are (see :meth:`_day` and :meth:`_instant`).
        """
        if not rows:
            return WriteResult(0, 0, None)
        names = (*columns, "change_no")
        sql = self._upsert_sql(table, names, compare)
        positional = self._dialect == "sqlite"
        with self.engine.begin() as conn:
            change_no = self._next_change_no(conn)
            stamp = (change_no,)
            if positional:
                params: list[Any] = [row + stamp for row in rows]
            else:
                params = [dict(zip(names, row + stamp, strict=True)) for row in rows]
            conn.exec_driver_sql(sql, params)
            # The rows this write inserted or changed are exactly those stamped with its number
            # (rowcount is not reliable for upserts across drivers).
            changed = int(
                conn.exec_driver_sql(
                    f"SELECT count(*) FROM {table.name} WHERE change_no = {self._param('n')}",
                    self._params(n=change_no),
                ).scalar_one()
            )
            if changed == 0:
                # Nothing changed: give the number back so change numbers only mark real changes.
                conn.rollback()
                return WriteResult(0, len(rows), None)
        return WriteResult(changed, len(rows), change_no)

    # -- usage points --------------------------------------------------------------------------

    def upsert_usage_point(
        self, point: UsagePoint, origin: Origin, *, seen_on: date | None = None
    ) -> None:
        """Store a usage point; a new off-peak schedule becomes a version valid from ``seen_on``."""
        row = {
            "pdl": point.pdl,
            "name": point.name,
            "subscribed_power_kva": point.subscribed_power_kva,
            "pricing_option": point.pricing_option.value if point.pricing_option else None,
            "has_consumption": point.has_consumption,
            "has_production": point.has_production,
            "is_active": point.is_active,
            "activation_date": point.activation_date,
            "oldest_available_date": point.oldest_available_date,
            "origin": origin.value,
            "updated_at": _now(),
        }
        with self.engine.begin() as conn:
            stmt = self._insert(t.usage_points).values(row)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["pdl"],
                    set_={k: stmt.excluded[k] for k in row if k != "pdl"},
                )
            )
            if point.offpeak is not None:
                self._record_offpeak(conn, point.pdl, point.offpeak, seen_on or _now().date())

    def _record_offpeak(
        self, conn: Connection, pdl: str, schedule: OffpeakSchedule, seen_on: date
    ) -> None:
        latest = conn.execute(
            select(t.offpeak_schedules.c.ranges, t.offpeak_schedules.c.valid_from)
            .where(t.offpeak_schedules.c.pdl == pdl)
            .order_by(t.offpeak_schedules.c.valid_from.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.ranges == schedule.canonical():
            return
        # The first schedule ever seen applies to the whole history; a change applies from the
        # day it was seen, so past days keep the schedule of their own time.
        valid_from = date(1970, 1, 1) if latest is None else max(seen_on, latest.valid_from)
        self.set_offpeak_version(pdl, valid_from, schedule, conn=conn)

    def set_offpeak_version(
        self,
        pdl: str,
        valid_from: date,
        schedule: OffpeakSchedule,
        *,
        conn: Connection | None = None,
    ) -> None:
        """Record (or replace) the off-peak schedule in force from ``valid_from``; a new schedule
        dated in the past marks the days from ``valid_from`` for re-export
        (:mod:`myelectricaldata.store.reprice`)."""
        if conn is None:
            with self.engine.begin() as own:
                self.set_offpeak_version(pdl, valid_from, schedule, conn=own)
            return
        c = t.offpeak_schedules.c
        before = conn.execute(
            select(c.ranges)
            .where(c.pdl == pdl, c.valid_from <= valid_from)
            .order_by(c.valid_from.desc())
            .limit(1)
        ).scalar_one_or_none()
        if before != schedule.canonical():
            mark_in(conn, pdl, valid_from, RepriceReason.OFFPEAK)
        row = {
            "pdl": pdl,
            "valid_from": valid_from,
            "ranges": schedule.canonical(),
            "raw": schedule.raw or schedule.canonical(),
        }
        stmt = self._insert(t.offpeak_schedules).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["pdl", "valid_from"],
            set_={"ranges": stmt.excluded.ranges, "raw": stmt.excluded.raw},
        )
        conn.execute(stmt)

    def usage_points(self) -> list[StoredUsagePoint]:
        """Every stored usage point, by PDL."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.usage_points).order_by(t.usage_points.c.pdl)).all()
            versions = conn.execute(
                select(t.offpeak_schedules).order_by(
                    t.offpeak_schedules.c.pdl, t.offpeak_schedules.c.valid_from
                )
            ).all()
        by_pdl: dict[str, list[tuple[date, OffpeakSchedule]]] = {}
        for v in versions:
            schedule = parse_offpeak(v.ranges)
            by_pdl.setdefault(v.pdl, []).append(
                (v.valid_from, OffpeakSchedule(schedule.ranges, raw=v.raw))
            )
        result = []
        for row in rows:
            history = by_pdl.get(row.pdl, [])
            reason = INACTIVE_ON_SITE if not row.is_active else row.denied
            point = UsagePoint(
                pdl=row.pdl,
                name=row.name,
                subscribed_power_kva=row.subscribed_power_kva,
                pricing_option=PricingOption(row.pricing_option) if row.pricing_option else None,
                offpeak=history[-1][1] if history else None,
                has_consumption=row.has_consumption,
                has_production=row.has_production,
                is_active=reason is None,
                activation_date=row.activation_date,
                oldest_available_date=row.oldest_available_date,
            )
            result.append(
                StoredUsagePoint(
                    point, row.origin, row.updated_at, tuple(history), reason, row.denied_at
                )
            )
        return result

    def set_denied(self, pdl: str, reason: str | None) -> None:
        """Record that the gateway refused this PDL's data (``reason``), or serves it again."""
        values: dict[str, Any] = {"denied": reason, "denied_at": _now() if reason else None}
        with self.engine.begin() as conn:
            conn.execute(update(t.usage_points).where(t.usage_points.c.pdl == pdl).values(**values))

    def usage_point(self, pdl: str) -> StoredUsagePoint | None:
        """One stored usage point, or ``None``."""
        return next((p for p in self.usage_points() if p.point.pdl == pdl), None)

    # -- readings: writes ----------------------------------------------------------------------

    def upsert_daily(
        self, pdl: str, direction: Direction, readings: Iterable[DailyReading], origin: Origin
    ) -> WriteResult:
        """Store daily values; a re-fetch overwrites, never duplicates."""
        d, o = direction.value, origin.value
        rows = [(pdl, d, self._day(r.day), r.value_wh, r.quality, o) for r in readings]
        columns = ("pdl", "direction", "day", "value_wh", "quality", "origin")
        return self._upsert(t.daily_energy, columns, rows, ("value_wh", "quality"))

    def upsert_load_curve(
        self, pdl: str, direction: Direction, points: Iterable[LoadCurvePoint], origin: Origin
    ) -> WriteResult:
        """Store load-curve points keyed by their UTC interval start."""
        d, o = direction.value, origin.value
        rows = [(pdl, d, to_epoch(p.start), p.interval_min, p.avg_w, p.quality, o) for p in points]
        columns = ("pdl", "direction", "start_ts", "interval_min", "avg_w", "quality", "origin")
        return self._upsert(t.load_curve, columns, rows, ("avg_w", "interval_min", "quality"))

    def upsert_max_power(
        self, pdl: str, readings: Iterable[MaxPowerReading], origin: Origin
    ) -> WriteResult:
        """Store daily maximum power values."""
        o = origin.value
        rows = [(pdl, self._day(r.day), r.value_va, to_epoch(r.at), r.quality, o) for r in readings]
        columns = ("pdl", "day", "value_va", "at_ts", "quality", "origin")
        return self._upsert(t.max_power, columns, rows, ("value_va", "at_ts", "quality"))

    def upsert_tempo(self, days: Iterable[TempoDay], origin: Origin) -> WriteResult:
        """Store Tempo colours."""
        o = origin.value
        rows = [(self._day(d.day), d.color.value, self._instant(d.updated_at), o) for d in days]
        columns = ("day", "color", "rte_updated_at", "origin")
        return self._upsert(t.tempo_days, columns, rows, ("color",))

    def upsert_ecowatt(self, days: Iterable[EcoWattDay], origin: Origin) -> WriteResult:
        """Store EcoWatt signals (a newer forecast of a day replaces the older one)."""
        o = origin.value
        rows = [
            (
                self._day(d.day),
                d.level,
                "".join(str(v) for v in d.hourly),
                d.message,
                self._instant(d.generated_at),
                o,
            )
            for d in days
        ]
        columns = ("day", "level", "hourly", "message", "generated_at", "origin")
        # A new publication of a day counts as a change even with the same levels, so that a
        # forecast day is sent again as it comes within reach of destinations that refuse
        # far-future samples (VictoriaMetrics drops samples more than two days ahead).
        compare = ("level", "hourly", "message", "generated_at")
        return self._upsert(t.ecowatt_days, columns, rows, compare)

    def daily(self, pdl: str, direction: Direction, start: date, end: date) -> list[StoredDaily]:
        """Daily values for ``start`` to ``end``, both inclusive, by day."""
        c = t.daily_energy.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.day, c.value_wh, c.quality, c.origin, c.change_no)
                .where(c.pdl == pdl, c.direction == direction.value, c.day.between(start, end))
                .order_by(c.day)
            ).all()
        return [StoredDaily(r.day, r.value_wh, r.quality, r.origin, r.change_no) for r in rows]

    def iter_load_curve_rows(
        self,
        pdl: str,
        direction: Direction,
        start: datetime,
        end: datetime,
        *,
        batch: int = 5000,
    ) -> Iterator[list[tuple[int, int, int, str]]]:
        """Raw ``(start_ts, interval_min, avg_w, quality)`` rows of [start, end), in batches.

        Keyset pagination keeps memory flat whatever the range and needs no server-side cursor.
        """
        low, high = to_epoch(start), to_epoch(end)
        p = self._param
        # Driver-level SQL: rows come back as plain tuples, with none of SQLAlchemy's per-row
        # work (it was half the cost of streaming a load curve as CSV).
        sql = (
            "SELECT start_ts, interval_min, avg_w, quality FROM load_curve "
            f"WHERE pdl = {p('pdl')} AND direction = {p('direction')} "
            f"AND start_ts >= {p('low')} AND start_ts < {p('high')} "
            f"ORDER BY start_ts LIMIT {int(batch)}"
        )
        while True:
            params = self._params(pdl=pdl, direction=direction.value, low=low, high=high)
            with self.engine.connect() as conn:
                cursor = conn.exec_driver_sql(sql, params).cursor
                assert cursor is not None
                # Both drivers return a list of plain tuples.
                rows = cast(list[tuple[int, int, int, str]], cursor.fetchall())
            if not rows:
                return
            yield rows
            if len(rows) < batch:
                return
            low = rows[-1][0] + 1

    def load_curve(
        self, pdl: str, direction: Direction, start: datetime, end: datetime
    ) -> list[LoadCurvePoint]:
        """Load-curve points for [start, end) as typed points."""
        return [
            LoadCurvePoint(from_epoch(ts), avg_w, minutes, quality)
            for rows in self.iter_load_curve_rows(pdl, direction, start, end)
            for ts, minutes, avg_w, quality in rows
        ]

    def max_power(self, pdl: str, start: date, end: date) -> list[StoredMaxPower]:
        """Daily maximum power for ``start`` to ``end``, both inclusive."""
        c = t.max_power.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.day, c.value_va, c.at_ts, c.quality, c.origin)
                .where(c.pdl == pdl, c.day.between(start, end))
                .order_by(c.day)
            ).all()
        return [
            StoredMaxPower(r.day, r.value_va, from_epoch(r.at_ts), r.quality, r.origin)
            for r in rows
        ]

    def tempo(self, start: date, end: date) -> list[TempoDay]:
        """Tempo colours for ``start`` to ``end``, both inclusive."""
        c = t.tempo_days.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.day, c.color, c.rte_updated_at)
                .where(c.day.between(start, end))
                .order_by(c.day)
            ).all()
        return [TempoDay(r.day, TempoColor(r.color), r.rte_updated_at) for r in rows]

    def ecowatt(self, start: date, end: date) -> list[EcoWattDay]:
        """EcoWatt signals for ``start`` to ``end``, both inclusive."""
        c = t.ecowatt_days.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.day, c.level, c.hourly, c.message, c.generated_at)
                .where(c.day.between(start, end))
                .order_by(c.day)
            ).all()
        return [
            EcoWattDay(r.day, r.level, tuple(int(ch) for ch in r.hourly), r.message, r.generated_at)
            for r in rows
        ]

    def latest_day(self, table_name: str, **where: str) -> date | None:
        """Newest ``day`` stored in a daily-keyed table (daily_energy, max_power, tempo_days...)."""
        table = t.metadata.tables[table_name]
        conditions = [table.c[k] == v for k, v in where.items()]
        with self.engine.connect() as conn:
            query = select(func.max(table.c.day)).where(and_(True, *conditions))
            value = conn.execute(query).scalar()
        return value if isinstance(value, date) else None

    def earliest_day(self, table_name: str, **where: str) -> date | None:
        """Oldest ``day`` stored in a daily-keyed table (where a re-pricing starts)."""
        table = t.metadata.tables[table_name]
        conditions = [table.c[k] == v for k, v in where.items()]
        with self.engine.connect() as conn:
            query = select(func.min(table.c.day)).where(and_(True, *conditions))
            value = conn.execute(query).scalar()
        return value if isinstance(value, date) else None

    # -- completeness --------------------------------------------------------------------------

    def daily_days_present(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> set[date]:
        """Days in [start, end) that have a daily value."""
        c = t.daily_energy.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.day).where(
                    c.pdl == pdl, c.direction == direction.value, c.day >= start, c.day < end
                )
            ).scalars()
            return set(rows)

    def max_power_days_present(self, pdl: str, start: date, end: date) -> set[date]:
        """Days in [start, end) that have a max power value."""
        c = t.max_power.c
        with self.engine.connect() as conn:
            return set(
                conn.execute(
                    select(c.day).where(c.pdl == pdl, c.day >= start, c.day < end)
                ).scalars()
            )

    def load_curve_minutes_per_day(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> dict[date, int]:
        """Minutes covered by stored load-curve slots on each local day of [start, end).

        A day is complete when this equals its length (1380, 1440 or 1500 minutes): counting
        slots, not days, finds a day that has 40 of its 48 half-hours.
        """
        from myelectricaldata.domain.timeutil import local_midnight

        c = t.load_curve.c
        low = to_epoch(local_midnight(start))
        high = to_epoch(local_midnight(end))
        covered: dict[date, int] = {}
        with self.engine.connect() as conn:
            result = conn.execute(
                select(c.start_ts, c.interval_min).where(
                    c.pdl == pdl,
                    c.direction == direction.value,
                    c.start_ts >= low,
                    c.start_ts < high,
                )
            )
            for ts, minutes in result:
                day = datetime.fromtimestamp(ts, PARIS).date()
                covered[day] = covered.get(day, 0) + minutes
        return covered

    def count_rows(self, table_name: str, **where: str) -> int:
        """Row count of a table, optionally filtered by equal columns."""
        table = t.metadata.tables[table_name]
        conditions = [table.c[k] == v for k, v in where.items()]
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(table).where(and_(True, *conditions))
                ).scalar_one()
            )

    def max_change_no(self) -> int:
        """Newest change number handed out."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(t.change_counter.c.value).where(t.change_counter.c.id == 1)
                ).scalar_one()
            )

    # -- unavailable ranges --------------------------------------------------------------------

    def remember_unavailable(self, item: UnavailableRange) -> None:
        """Remember that a range can't be served, so sync stops asking for it."""
        row = {
            "pdl": item.pdl,
            "stream": item.stream,
            "start": item.start,
            "end": item.end,
            "code": item.code,
            "reason": item.reason,
            "recorded_at": _now(),
        }
        stmt = self._insert(t.unavailable_ranges).values(row)
        with self.engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["pdl", "stream", "start"],
                    set_={k: stmt.excluded[k] for k in ("end", "code", "reason", "recorded_at")},
                )
            )

    def unavailable_ranges(self, pdl: str | None = None) -> list[UnavailableRange]:
        """Remembered unavailable ranges, optionally for one PDL."""
        c = t.unavailable_ranges.c
        query = select(t.unavailable_ranges).order_by(c.pdl, c.stream, c.start)
        if pdl is not None:
            query = query.where(c.pdl == pdl)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [UnavailableRange(r.pdl, r.stream, r.start, r.end, r.code, r.reason) for r in rows]

    def forget_unavailable(self, pdl: str, stream: str | None = None) -> None:
        """Drop remembered unavailable ranges (e.g. after the user enabled the load curve)."""
        c = t.unavailable_ranges.c
        condition = c.pdl == pdl if stream is None else and_(c.pdl == pdl, c.stream == stream)
        with self.engine.begin() as conn:
            conn.execute(delete(t.unavailable_ranges).where(condition))

    # -- stream state --------------------------------------------------------------------------

    def record_stream(self, pdl: str, stream: str, *, error: str | None = None) -> None:
        """Record the outcome of an attempt at one stream (success when ``error`` is None)."""
        now = _now()
        row: dict[str, Any] = {"pdl": pdl, "stream": stream, "last_attempt_at": now}
        if error is None:
            row |= {"last_success_at": now, "last_error": None, "last_error_at": None}
        else:
            row |= {"last_error": error, "last_error_at": now}
        stmt = self._insert(t.sync_state).values(row)
        with self.engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["pdl", "stream"],
                    set_={k: stmt.excluded[k] for k in row if k not in ("pdl", "stream")},
                )
            )

    def stream_states(self) -> list[StreamState]:
        """Last outcome of every stream."""
        c = t.sync_state.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.sync_state).order_by(c.pdl, c.stream)).all()
        return [
            StreamState(
                r.pdl, r.stream, r.last_attempt_at, r.last_success_at, r.last_error, r.last_error_at
            )
            for r in rows
        ]

    # -- sync runs and lock --------------------------------------------------------------------

    def acquire_sync_lock(self, holder: str) -> None:
        """Take the cross-process sync lock, or raise :class:`SyncBusy` naming its holder.

        The lock of a sync whose process died is taken over at once, and that sync's run is
        marked ``interrupted``.
        """
        try:
            self.locks.acquire(SYNC_LOCK, holder, on_takeover=self._interrupt_runs)
        except LockBusy as exc:
            raise SyncBusy(
                f"another sync is running ({exc}); it will finish on its own, try again later"
            ) from None

    def release_sync_lock(self, holder: str) -> None:
        """Give the lock back (only if still held by ``holder``)."""
        self.locks.release(SYNC_LOCK, holder)

    def sync_lock_holder(self) -> Holder | None:
        """The live holder of the sync lock, if any; a dead one's lock and run are cleared."""
        holder = self.locks.live_holder(SYNC_LOCK)
        if holder is None:
            self.abandon_running_runs()
        return holder

    @staticmethod
    def _interrupt_runs(conn: Connection, _dead: Holder) -> None:
        # Called while the dead holder's lock is being taken over: its run ended with it.
        conn.execute(
            update(t.sync_runs)
            .where(t.sync_runs.c.status == "running")
            .values(status="interrupted", finished_at=_now())
        )

    def start_run(self, trigger: str) -> int:
        """Create a sync run in the ``running`` state and return its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                t.sync_runs.insert().values(
                    trigger=trigger,
                    status="running",
                    started_at=_now(),
                    steps_total=0,
                    steps_done=0,
                    rows_written=0,
                    current="",
                    errors="[]",
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def update_run(self, run_id: int, *, heartbeat: str | None = None, **values: Any) -> None:
        """Update progress fields of a run (``errors`` as a list is stored as JSON).

        ``heartbeat`` names the sync-lock holder to keep fresh in the same transaction.
        """
        if "errors" in values:
            values["errors"] = json.dumps(values["errors"], ensure_ascii=False)
        with self.engine.begin() as conn:
            conn.execute(update(t.sync_runs).where(t.sync_runs.c.id == run_id).values(**values))
            if heartbeat is not None:
                self.locks.beat(SYNC_LOCK, heartbeat, conn)

    def finish_run(self, run_id: int, status: str, errors: list[dict[str, str]]) -> None:
        """Close a run with its final status."""
        self.update_run(run_id, status=status, finished_at=_now(), errors=errors, current="")

    def runs(self, limit: int = 10) -> list[SyncRun]:
        """Newest runs first."""
        c = t.sync_runs.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.sync_runs).order_by(c.id.desc()).limit(limit)).all()
        return [
            SyncRun(
                r.id,
                r.trigger,
                r.status,
                r.started_at,
                r.finished_at,
                r.steps_total,
                r.steps_done,
                r.rows_written,
                r.current,
                json.loads(r.errors),
            )
            for r in rows
        ]

    def abandon_running_runs(self) -> None:
        """Mark runs left ``running`` by a process that died as ``interrupted`` (never the run
        of a live process, e.g. a CLI sync while the service starts)."""
        if self.locks.live_holder(SYNC_LOCK) is not None:
            return
        free = ~select(t.locks.c.name).where(t.locks.c.name == SYNC_LOCK).exists()
        with self.engine.begin() as conn:
            # Checked again in the same statement: a sync that took the lock since then has
            # its run left alone.
            conn.execute(
                update(t.sync_runs)
                .where(t.sync_runs.c.status == "running", free)
                .values(status="interrupted", finished_at=_now())
            )

    # -- gateway quota ledger ------------------------------------------------------------------

    def used(self, utc_day: date, bucket: str = "cached") -> int:
        """Gateway calls made on ``utc_day`` on ``bucket`` (the :class:`QuotaLedger` protocol)."""
        c = t.gateway_quota.c
        with self.engine.connect() as conn:
            value = conn.execute(
                select(c.calls).where(c.utc_day == utc_day, c.bucket == bucket)
            ).scalar()
        return int(value or 0)

    def add(self, utc_day: date, calls: int = 1, bucket: str = "cached") -> None:
        """Count ``calls`` more gateway calls on ``utc_day`` on ``bucket``."""
        stmt = self._insert(t.gateway_quota).values(utc_day=utc_day, bucket=bucket, calls=calls)
        with self.engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["utc_day", "bucket"],
                    set_={"calls": t.gateway_quota.c.calls + stmt.excluded.calls},
                )
            )

    # -- settings ------------------------------------------------------------------------------

    def get_setting(self, key: str) -> tuple[str, bool] | None:
        """Stored ``(value, secret)`` of a setting (secrets are stored encrypted)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.settings.c.value, t.settings.c.secret).where(t.settings.c.key == key)
            ).first()
        return (row.value, row.secret) if row else None

    def put_setting(self, key: str, value: str, *, secret: bool = False) -> None:
        """Store a setting (the caller encrypts secrets before)."""
        row = {"key": key, "value": value, "secret": secret, "updated_at": _now()}
        stmt = self._insert(t.settings).values(row)
        with self.engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["key"],
                    set_={k: stmt.excluded[k] for k in ("value", "secret", "updated_at")},
                )
            )

    def settings(self, prefix: str = "") -> dict[str, tuple[str, bool]]:
        """All settings whose key starts with ``prefix``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.settings).where(t.settings.c.key.startswith(prefix, autoescape=True))
            ).all()
        return {r.key: (r.value, r.secret) for r in rows}

    # -- web UI sessions -----------------------------------------------------------------------

    def revoke_session(self, session_id: str, expires_at: datetime) -> None:
        """Remember a signed-out session until it would have expired."""
        stmt = self._insert(t.revoked_sessions).values(id=session_id, expires_at=expires_at)
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))

    def revoked_sessions(self, now: datetime) -> dict[str, datetime]:
        """Signed-out sessions not yet expired (expired ones are forgotten)."""
        c = t.revoked_sessions.c
        with self.engine.begin() as conn:
            conn.execute(delete(t.revoked_sessions).where(c.expires_at <= now))
            rows = conn.execute(select(c.id, c.expires_at)).all()
        return {r.id: r.expires_at for r in rows}
