"""Export bookkeeping: configs, per destination and stream checkpoints, logs, locks, and the
rows changed since a checkpoint (read by change number, not by date) as typed readings."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from myelectricaldata.domain.timeutil import from_epoch, local_midnight, to_epoch
from myelectricaldata.domain.types import (
    DailyReading,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Stream,
    TempoColor,
    TempoDay,
)
from myelectricaldata.store import schema as t
from myelectricaldata.store.locks import Holder, LockBusy, export_lock
from myelectricaldata.store.repo import Store


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ChangeGroup:
    """One write that touched a stream: its change number and the rows it wrote there."""

    change_no: int
    rows: int


@dataclass(slots=True)
class StreamRows:
    """Rows of one stream as typed readings, each list oldest first.

    The meter's streams fill one of ``daily``, ``curve`` or ``max_power`` (by PDL); Tempo and
    EcoWatt fill ``tempo`` or ``ecowatt``.
    """

    stream: Stream
    daily: dict[str, list[DailyReading]] = field(default_factory=dict)
    curve: dict[str, list[LoadCurvePoint]] = field(default_factory=dict)
    max_power: dict[str, list[MaxPowerReading]] = field(default_factory=dict)
    tempo: list[TempoDay] = field(default_factory=list)
    ecowatt: list[EcoWattDay] = field(default_factory=list)

    def __len__(self) -> int:
        meter = (
            sum(map(len, self.daily.values()))
            + sum(map(len, self.curve.values()))
            + sum(map(len, self.max_power.values()))
        )
        return meter + len(self.tempo) + len(self.ecowatt)


@dataclass(frozen=True, slots=True)
class ExportLog:
    """One export run of one destination."""

    id: int
    destination: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    records: int
    records_total: int
    attempts: int
    error: str | None


class ExportBusy(LockBusy):
    """Another run of this destination is in progress."""


def _stream_query(stream: Stream) -> tuple[Any, Any]:
    """The table of a stream and the select of its exported columns (change_no first)."""
    if stream in (Stream.CONSUMPTION_DAILY, Stream.PRODUCTION_DAILY):
        c = t.daily_energy.c
        query = select(c.change_no, c.pdl, c.day, c.value_wh, c.quality).where(
            c.direction == stream.direction.value
        )
        return t.daily_energy, query.order_by(c.change_no, c.pdl, c.day)
    if stream.is_detail:
        c2 = t.load_curve.c
        query = select(
            c2.change_no, c2.pdl, c2.start_ts, c2.interval_min, c2.avg_w, c2.quality
        ).where(c2.direction == stream.direction.value)
        return t.load_curve, query.order_by(c2.change_no, c2.pdl, c2.start_ts)
    if stream is Stream.MAX_POWER:
        c3 = t.max_power.c
        query = select(c3.change_no, c3.pdl, c3.day, c3.value_va, c3.at_ts, c3.quality)
        return t.max_power, query.order_by(c3.change_no, c3.pdl, c3.day)
    if stream is Stream.TEMPO:
        c4 = t.tempo_days.c
        query = select(c4.change_no, c4.day, c4.color, c4.rte_updated_at)
        return t.tempo_days, query.order_by(c4.change_no, c4.day)
    c5 = t.ecowatt_days.c
    query = select(c5.change_no, c5.day, c5.level, c5.hourly, c5.message, c5.generated_at)
    return t.ecowatt_days, query.order_by(c5.change_no, c5.day)


def _direction_filter(stream: Stream, table: Any) -> list[Any]:
    if stream.per_pdl and stream is not Stream.MAX_POWER:
        return [table.c.direction == stream.direction.value]
    return []


def _typed(stream: Stream, rows: Sequence[Any]) -> StreamRows:
    """Database rows of a stream (``_stream_query``'s columns) as typed readings."""
    out = StreamRows(stream)
    if stream in (Stream.CONSUMPTION_DAILY, Stream.PRODUCTION_DAILY):
        for _, pdl, day, value_wh, quality in rows:
            out.daily.setdefault(pdl, []).append(DailyReading(day, value_wh, quality))
        for daily in out.daily.values():
            daily.sort(key=lambda r: r.day)
    elif stream.is_detail:
        for _, pdl, start_ts, minutes, avg_w, quality in rows:
            point = LoadCurvePoint(from_epoch(start_ts), avg_w, minutes, quality)
            out.curve.setdefault(pdl, []).append(point)
        for curve in out.curve.values():
            curve.sort(key=lambda p: p.start)
    elif stream is Stream.MAX_POWER:
        for _, pdl, day, value_va, at_ts, quality in rows:
            peak = MaxPowerReading(day, value_va, from_epoch(at_ts), quality)
            out.max_power.setdefault(pdl, []).append(peak)
        for peaks in out.max_power.values():
            peaks.sort(key=lambda r: r.day)
    elif stream is Stream.TEMPO:
        out.tempo = sorted(
            (TempoDay(day, TempoColor(color), updated) for _, day, color, updated in rows),
            key=lambda d: d.day,
        )
    else:
        out.ecowatt = sorted(
            (
                EcoWattDay(day, level, tuple(int(c) for c in hourly), message, generated)
                for _, day, level, hourly, message, generated in rows
            ),
            key=lambda d: d.day,
        )
    return out


class ExportRepo:
    """Typed access to the export tables of a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # -- configs -------------------------------------------------------------------------------

    def config(self, kind: str) -> dict[str, Any] | None:
        """Saved config of a destination type (secrets still encrypted), or ``None``."""
        with self.engine.connect() as conn:
            raw = conn.execute(
                select(t.export_configs.c.config).where(t.export_configs.c.type == kind)
            ).scalar()
        return json.loads(raw) if raw else None

    def configs(self) -> dict[str, dict[str, Any]]:
        """Every saved config by type."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.export_configs)).all()
        return {r.type: json.loads(r.config) for r in rows}

    def save_config(self, kind: str, config: dict[str, Any]) -> None:
        """Save (replace) the config of a destination type."""
        row = {"type": kind, "config": json.dumps(config), "updated_at": _now()}
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.export_configs)
                .where(t.export_configs.c.type == kind)
                .values(config=row["config"], updated_at=row["updated_at"])
            ).rowcount
            if not done:
                conn.execute(insert(t.export_configs).values(row))

    # -- checkpoints ---------------------------------------------------------------------------

    def checkpoints(self, destination: str) -> dict[Stream, int]:
        """Change number each stream of a destination has delivered up to."""
        c = t.export_checkpoints.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.stream, c.change_no).where(c.destination == destination)
            ).all()
        known = {r.stream: r.change_no for r in rows}
        return {s: int(known.get(s.value, 0)) for s in Stream}

    def advance(self, destination: str, stream: Stream, change_no: int) -> None:
        """Move a checkpoint forward (called only after the destination accepted the rows)."""
        c = t.export_checkpoints.c
        now = _now()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.export_checkpoints)
                .where(c.destination == destination, c.stream == stream.value)
                .values(change_no=change_no, updated_at=now)
            ).rowcount
            if not done:
                conn.execute(
                    insert(t.export_checkpoints).values(
                        destination=destination,
                        stream=stream.value,
                        change_no=change_no,
                        updated_at=now,
                    )
                )

    def reset_checkpoints(self, destination: str) -> None:
        """Forget what a destination received: the next run sends the whole history."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(t.export_checkpoints).where(
                    t.export_checkpoints.c.destination == destination
                )
            )

    # -- changed rows --------------------------------------------------------------------------

    def change_groups(self, stream: Stream, after: int) -> list[ChangeGroup]:
        """Every write newer than ``after`` that touched the stream, oldest first."""
        table, _ = _stream_query(stream)
        conditions = [table.c.change_no > after, *_direction_filter(stream, table)]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.change_no, func.count())
                .where(and_(*conditions))
                .group_by(table.c.change_no)
                .order_by(table.c.change_no)
            ).all()
        return [ChangeGroup(int(r[0]), int(r[1])) for r in rows]

    def changed_rows(self, stream: Stream, after: int, upto: int) -> StreamRows:
        """Rows of the stream with ``after < change_no <= upto``."""
        table, query = _stream_query(stream)
        query = query.where(table.c.change_no > after, table.c.change_no <= upto)
        with self.engine.connect() as conn:
            return _typed(stream, conn.execute(query).all())

    def rows_from(self, stream: Stream, since: date, batch: int) -> Iterator[StreamRows]:
        """Every row of the stream from a day on (for "export again from date X"), ``batch``
        rows at a time."""
        table, query = _stream_query(stream)
        if "start_ts" in table.c:
            condition = table.c.start_ts >= to_epoch(local_midnight(since))
        else:
            condition = table.c.day >= since
        with self.engine.connect() as conn:
            rows = conn.execute(query.where(condition)).all()
        for i in range(0, len(rows), batch):
            yield _typed(stream, rows[i : i + batch])

    # -- logs ----------------------------------------------------------------------------------

    def start_log(self, destination: str, trigger: str) -> int:
        """Open a log row in the ``running`` state."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(t.export_logs).values(
                    destination=destination,
                    trigger=trigger,
                    status="running",
                    started_at=_now(),
                    records=0,
                    records_total=0,
                    attempts=0,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def update_log(self, log_id: int, **values: Any) -> None:
        """Update progress fields of a log row."""
        with self.engine.begin() as conn:
            conn.execute(update(t.export_logs).where(t.export_logs.c.id == log_id).values(**values))

    def finish_log(
        self, log_id: int, status: str, *, error: str | None = None, **values: Any
    ) -> None:
        """Close a log row."""
        self.update_log(log_id, status=status, error=error, finished_at=_now(), **values)

    def logs(self, destination: str | None = None, limit: int = 50) -> list[ExportLog]:
        """Newest logs first."""
        c = t.export_logs.c
        query = select(t.export_logs).order_by(c.id.desc()).limit(limit)
        if destination is not None:
            query = query.where(c.destination == destination)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ExportLog(
                r.id,
                r.destination,
                r.trigger,
                r.status,
                r.started_at,
                r.finished_at,
                r.records,
                r.records_total,
                r.attempts,
                r.error,
            )
            for r in rows
        ]

    def abandon_running(self) -> None:
        """Mark logs left ``running`` by a process that died as ``interrupted`` (a destination
        whose lock a live process holds keeps its log)."""
        c = t.export_logs.c
        with self.engine.connect() as conn:
            names = conn.execute(select(c.destination).where(c.status == "running")).scalars()
            destinations = sorted(set(names))
        for destination in destinations:
            lock = export_lock(destination)
            if self.store.locks.live_holder(lock) is not None:
                continue
            free = ~select(t.locks.c.name).where(t.locks.c.name == lock).exists()
            with self.engine.begin() as conn:
                conn.execute(
                    update(t.export_logs)
                    .where(c.status == "running", c.destination == destination, free)
                    .values(status="interrupted", finished_at=_now())
                )

    # -- locks ---------------------------------------------------------------------------------

    def acquire(self, destination: str, holder: str) -> None:
        """Take the run lock of a destination, or raise :class:`ExportBusy` naming its holder.

        The lock of a run whose process died is taken over at once (its log is marked
        ``interrupted``).
        """

        def interrupted(conn: Connection, _dead: Holder) -> None:
            c = t.export_logs.c
            conn.execute(
                update(t.export_logs)
                .where(c.status == "running", c.destination == destination)
                .values(status="interrupted", finished_at=_now())
            )

        try:
            self.store.locks.acquire(export_lock(destination), holder, on_takeover=interrupted)
        except LockBusy as exc:
            raise ExportBusy(f"an export to {destination} is already running ({exc})") from None

    def running_elsewhere(self, destination: str) -> Holder | None:
        """The live holder of a destination's run lock, if any."""
        return self.store.locks.live_holder(export_lock(destination))

    def heartbeat(self, destination: str, holder: str) -> None:
        """Keep a run lock fresh (the store also beats every held lock in the background)."""
        self.store.locks.beat(export_lock(destination), holder)

    def release(self, destination: str, holder: str) -> None:
        """Give a run lock back."""
        self.store.locks.release(export_lock(destination), holder)
