"""Export bookkeeping: configs, per destination and stream checkpoints, logs, locks, and the
rows changed since a checkpoint (read by change number, not by date)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from myelectricaldata.store import schema as t
from myelectricaldata.store.locks import Holder, LockBusy, export_lock
from myelectricaldata.store.repo import Store


def _now() -> datetime:
    return datetime.now(UTC)


class ExportStream(StrEnum):
    """A stream a destination keeps a checkpoint for."""

    CONSUMPTION_DAILY = "consumption_daily"
    CONSUMPTION_DETAIL = "consumption_detail"
    PRODUCTION_DAILY = "production_daily"
    PRODUCTION_DETAIL = "production_detail"
    MAX_POWER = "max_power"
    TEMPO = "tempo"
    ECOWATT = "ecowatt"


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


def _stream_query(stream: ExportStream) -> tuple[Any, Any]:
    """The table of a stream and the select of its exported columns (change_no first)."""
    if stream in (ExportStream.CONSUMPTION_DAILY, ExportStream.PRODUCTION_DAILY):
        c = t.daily_energy.c
        direction = stream.value.split("_")[0]
        query = select(c.change_no, c.pdl, c.day, c.value_wh, c.quality).where(
            c.direction == direction
        )
        return t.daily_energy, query.order_by(c.change_no, c.pdl, c.day)
    if stream in (ExportStream.CONSUMPTION_DETAIL, ExportStream.PRODUCTION_DETAIL):
        c2 = t.load_curve.c
        direction = stream.value.split("_")[0]
        query = select(
            c2.change_no, c2.pdl, c2.start_ts, c2.interval_min, c2.avg_w, c2.quality
        ).where(c2.direction == direction)
        return t.load_curve, query.order_by(c2.change_no, c2.pdl, c2.start_ts)
    if stream is ExportStream.MAX_POWER:
        c3 = t.max_power.c
        query = select(c3.change_no, c3.pdl, c3.day, c3.value_va, c3.at_ts, c3.quality)
        return t.max_power, query.order_by(c3.change_no, c3.pdl, c3.day)
    if stream is ExportStream.TEMPO:
        c4 = t.tempo_days.c
        query = select(c4.change_no, c4.day, c4.color, c4.rte_updated_at)
        return t.tempo_days, query.order_by(c4.change_no, c4.day)
    c5 = t.ecowatt_days.c
    query = select(c5.change_no, c5.day, c5.level, c5.hourly, c5.message, c5.generated_at)
    return t.ecowatt_days, query.order_by(c5.change_no, c5.day)


def _direction_filter(stream: ExportStream, table: Any) -> list[Any]:
    if stream.value.endswith(("_daily", "_detail")):
        return [table.c.direction == stream.value.split("_")[0]]
    return []


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

    def checkpoints(self, destination: str) -> dict[ExportStream, int]:
        """Change number each stream of a destination has delivered up to."""
        c = t.export_checkpoints.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.stream, c.change_no).where(c.destination == destination)
            ).all()
        known = {r.stream: r.change_no for r in rows}
        return {s: int(known.get(s.value, 0)) for s in ExportStream}

    def advance(self, destination: str, stream: ExportStream, change_no: int) -> None:
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

    def change_groups(self, stream: ExportStream, after: int) -> list[tuple[int, int]]:
        """(change number, rows) of every write newer than ``after`` that touched the stream."""
        table, _ = _stream_query(stream)
        conditions = [table.c.change_no > after, *_direction_filter(stream, table)]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.change_no, func.count())
                .where(and_(*conditions))
                .group_by(table.c.change_no)
                .order_by(table.c.change_no)
            ).all()
        return [(int(r[0]), int(r[1])) for r in rows]

    def changed_rows(self, stream: ExportStream, after: int, upto: int) -> list[tuple[Any, ...]]:
        """Rows of the stream with ``after < change_no <= upto``, by change number then key."""
        table, query = _stream_query(stream)
        query = query.where(table.c.change_no > after, table.c.change_no <= upto)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query).all()]

    def rows_from(self, stream: ExportStream, since: date) -> list[tuple[Any, ...]]:
        """Every row of the stream from a day on (for "export again from date X")."""
        table, query = _stream_query(stream)
        if "start_ts" in table.c:
            from myelectricaldata.domain.timeutil import local_midnight, to_epoch

            condition = table.c.start_ts >= to_epoch(local_midnight(since))
        else:
            condition = table.c.day >= since
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query.where(condition)).all()]

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
