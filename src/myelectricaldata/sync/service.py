"""The sync run: one at a time, newest first, within the quota, resumable, never losing data.

Fetched rows are written in transactions of a few thousand rows (one per gateway call would mean
hundreds of small commits, hard on a Raspberry Pi's SD card); whatever was fetched is written
before the run ends, fails or is stopped, and what is missing is fetched by the next run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.tempo import season_start
from myelectricaldata.domain.timeutil import today_paris
from myelectricaldata.domain.types import Stream, UsagePoint
from myelectricaldata.sources.base import (
    AuthRefused,
    GatewayDown,
    Quota,
    QuotaExhausted,
    RangeUnavailable,
    Source,
    SourceError,
)
from myelectricaldata.store.repo import (
    Store,
    StreamState,
    SyncBusy,
    SyncRun,
    UnavailableRange,
    WriteResult,
)
from myelectricaldata.support.redaction import redact
from myelectricaldata.sync.planner import (
    RECENT_DAYS,
    Chunk,
    cover,
    history_window,
    incomplete_days,
    order_newest_first,
    subtract_ranges,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Buffered rows of one stream that trigger a write.
FLUSH_ROWS = 5000
#: Seconds between two progress writes to the store.
PROGRESS_EVERY = 0.5
#: Pseudo-PDL under which grid signals (Tempo, EcoWatt) keep their sync state.
GRID = "grid"
#: Consecutive outages on different streams after which the gateway is considered down.
DOWN_AFTER = 3
#: An old range that came back empty is remembered as empty after this many days.
EMPTY_IS_FINAL_AFTER = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What ``GET /api/sync`` and ``status`` show."""

    running: bool
    current: SyncRun | None
    last: list[SyncRun]
    streams: list[StreamState]
    quota: Quota | None
    source: str


@dataclass(slots=True)
class SyncReport:
    """Outcome of one run."""

    run_id: int
    status: str = "success"
    rows_written: int = 0
    calls: int = 0
    deferred_calls: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def fail(self, scope: str, error: BaseException | str) -> None:
        """Record an error for ``scope`` (a PDL and stream, or the run)."""
        self.errors.append({"scope": scope, "error": str(error), "kind": _kind(error)})


def _kind(error: BaseException | str) -> str:
    return type(error).__name__ if isinstance(error, BaseException) else "message"


ProgressCallback = Callable[[int, int, str], None]


class SyncService:
    """Runs syncs from one source into one store; a second concurrent run is refused."""

    def __init__(
        self,
        store: Store,
        source: Source,
        *,
        quota_reserve: int = 20,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.source = source
        self.quota_reserve = quota_reserve
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = asyncio.Lock()
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[SyncReport] | None = None
        #: Rows fetched and not yet written, per PDL and stream (see :meth:`_flush`).
        self._pending: dict[tuple[str, Stream], list[Any]] = {}
        #: Awaited after every run that wrote rows (exports hook in here); errors are logged.
        self.after_run: list[Callable[[SyncReport], Awaitable[None]]] = []

    @property
    def background_task(self) -> asyncio.Task[SyncReport] | None:
        """The run started by :meth:`start_background`, if any."""
        return self._task

    @property
    def running(self) -> bool:
        """True while a run of this process is in progress."""
        return self._lock.locked()

    async def _db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # The store is synchronous; keep the event loop free while it works.
        return await asyncio.to_thread(func, *args, **kwargs)

    def start_background(self, *, trigger: str = "api") -> asyncio.Task[SyncReport]:
        """Start a run as a task; raises :class:`SyncBusy` if one is running."""
        if self.running or (self._task is not None and not self._task.done()):
            raise SyncBusy("a sync is already running; follow it on GET /api/sync")
        self._task = asyncio.create_task(self._run_logged(trigger), name=f"sync-{trigger}")
        return self._task

    async def _run_logged(self, trigger: str) -> SyncReport:
        try:
            return await self.run(trigger=trigger)
        except SyncBusy:
            log.info("sync skipped: another sync holds the lock")
            raise
        except Exception:
            log.exception("sync failed unexpectedly")
            raise

    def status(self) -> SyncStatus:
        """Progress of the current run, the last runs and every stream's last outcome."""
        # The lock tells whether a sync runs, here or in another process (a dead one's run is
        # closed by the check), so GET /api/sync and POST's 409 always agree.
        running = self.running or self.store.sync_lock_holder() is not None
        runs = self.store.runs(limit=10)
        current = next((r for r in runs if r.status == "running"), None) if running else None
        return SyncStatus(
            running=running,
            current=current,
            last=runs,
            streams=self.store.stream_states(),
            quota=self.source.quota(),
            source=self.source.origin.value,
        )

    async def run(
        self,
        *,
        trigger: str = "manual",
        pdls: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Fetch what is missing or recent (or exactly [start, end] when given) and store it."""
        if start is not None and end is not None and start > end:
            raise InvalidInput("to", f"{end} is before --from {start}")
        if self._lock.locked():
            raise SyncBusy("a sync is already running in this process")
        async with self._lock:
            await self._db(self.store.acquire_sync_lock, self._holder)
            try:
                run_id = await self._db(self.store.start_run, trigger)
                report = SyncReport(run_id)
                used_before = self._requests()
                self._pending = {}
                try:
                    await self._run(report, pdls, start, end, on_progress)
                except asyncio.CancelledError:
                    # The service is stopping: what was fetched is written, the next run resumes.
                    report.status = "interrupted"
                    report.fail("run", "stopped before the end; the next run continues")
                    report.rows_written += await self._flush()
                    await self._db(self.store.finish_run, run_id, report.status, report.errors)
                    raise
                except Exception as exc:  # the run record must say why, whatever happened
                    report.status = "failed"
                    report.fail("run", exc)
                    report.rows_written += await self._flush()
                    await self._db(self.store.finish_run, run_id, report.status, report.errors)
                    raise
                await self._db(self.store.finish_run, run_id, report.status, report.errors)
                # Every request counts, retries and failed ones included, not only the calls
                # that brought data back.
                report.calls = max(report.calls, self._requests() - used_before)
                log.log(
                    logging.WARNING if report.status == "failed" else logging.INFO,
                    "sync %s %s: %d rows, %d calls, %d errors%s",
                    run_id,
                    report.status,
                    report.rows_written,
                    report.calls,
                    len(report.errors),
                    redact(f" (first: {report.errors[0]['scope']}: {report.errors[0]['error']})")
                    if report.status == "failed" and report.errors
                    else "",
                )
            finally:
                await self._db(self.store.release_sync_lock, self._holder)
        if report.status != "failed":
            for hook in self.after_run:
                try:
                    await hook(report)
                except Exception:
                    log.exception("a post-sync step failed")
        return report

    # -- the run -------------------------------------------------------------------------------

    async def _run(
        self,
        report: SyncReport,
        pdls: Sequence[str] | None,
        start: date | None,
        end: date | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        today = today_paris(self._clock())
        points = await self._usage_points(report, today)
        if points is None:
            return
        if pdls:
            known = {p.pdl for p in points}
            unknown = [p for p in pdls if p not in known]
            if unknown:
                raise InvalidInput("pdl", f"unknown usage point(s) {', '.join(unknown)}")
            points = [p for p in points if p.pdl in pdls]

        chunks = order_newest_first(
            [c for p in points for c in await self._plan(p, today, start, end)]
        )
        grid_steps = 0 if pdls or start or end else 2
        budget = self._budget()
        if budget is not None and len(chunks) + grid_steps > budget:
            report.deferred_calls = len(chunks) + grid_steps - budget
            chunks = chunks[: max(budget - grid_steps, 0)]
            if budget < grid_steps:
                grid_steps = 0
        total = len(chunks) + grid_steps
        done = 0
        last_write = 0.0

        async def step(label: str) -> None:
            nonlocal done, last_write
            done += 1
            if on_progress is not None:
                on_progress(done, total, label)
            # Progress is for people: a write every half second is enough, and a backfill's
            # hundreds of steps don't each cost a commit.
            now = time.monotonic()
            if done < total and now - last_write < PROGRESS_EVERY:
                return
            last_write = now
            await self._db(
                self.store.update_run,
                report.run_id,
                steps_total=total,
                steps_done=done,
                rows_written=report.rows_written,
                current=label,
                heartbeat=self._holder,
            )

        await self._db(self.store.update_run, report.run_id, steps_total=total)
        stop = await self._fetch_chunks(report, chunks, step)
        if not stop and grid_steps:
            await self._sync_tempo(report, today)
            await step("tempo")
            await self._sync_ecowatt(report)
            await step("ecowatt")
        if report.deferred_calls and report.status == "success":
            quota = self.source.quota()
            reset = quota.reset_at.isoformat() if quota else "the next quota reset"
            report.status = "partial"
            report.fail(
                "quota",
                f"{report.deferred_calls} calls left for later to stay within the daily quota; "
                f"the next run after {reset} continues where this one stopped",
            )

    async def _usage_points(self, report: SyncReport, today: date) -> list[UsagePoint] | None:
        try:
            points = await self.source.usage_points()
            report.calls += 1
        except SourceError as exc:
            report.status = "failed"
            report.fail("usage_points", exc)
            await self._db(self.store.record_stream, GRID, "usage_points", error=str(exc))
            return None
        for point in points:
            await self._db(self.store.upsert_usage_point, point, self.source.origin, seen_on=today)
        return points

    async def _plan(
        self, point: UsagePoint, today: date, start: date | None, end: date | None
    ) -> list[Chunk]:
        streams = []
        if point.has_consumption:
            streams += [Stream.CONSUMPTION_DAILY, Stream.CONSUMPTION_DETAIL, Stream.MAX_POWER]
        if point.has_production:
            streams += [Stream.PRODUCTION_DAILY, Stream.PRODUCTION_DETAIL]
        holes = await self._db(self.store.unavailable_ranges, point.pdl)
        chunks: list[Chunk] = []
        for stream in streams:
            low, high = history_window(
                stream, today, point.activation_date, point.oldest_available_date
            )
            if start is not None or end is not None:
                # An explicit range is fetched again whole (within what the gateway keeps).
                low = max(low, start or low)
                high = min(high, (end + timedelta(days=1)) if end else high)
                wanted = [low + timedelta(days=i) for i in range(max((high - low).days, 0))]
            else:
                wanted = await self._missing(point.pdl, stream, low, high)
                recent = max(low, high - timedelta(days=RECENT_DAYS))
                wanted = sorted(
                    set(wanted) | {recent + timedelta(days=i) for i in range((high - recent).days)}
                )
            spans = [(h.start, h.end) for h in holes if h.stream == stream.value]
            wanted = subtract_ranges(wanted, spans)
            chunks += cover(point.pdl, stream, wanted, self.source.max_days(stream))
        return chunks

    async def _missing(self, pdl: str, stream: Stream, low: date, high: date) -> list[date]:
        if stream.is_detail:
            minutes = await self._db(
                self.store.load_curve_minutes_per_day, pdl, stream.direction, low, high
            )
            return incomplete_days(low, high, minutes, detail=True)
        if stream is Stream.MAX_POWER:
            present = await self._db(self.store.max_power_days_present, pdl, low, high)
        else:
            present = await self._db(
                self.store.daily_days_present, pdl, stream.direction, low, high
            )
        return incomplete_days(low, high, present, detail=False)

    def _requests(self) -> int:
        # Sources that talk HTTP count their requests (the demo source makes none).
        return int(getattr(self.source, "requests", 0))

    def _budget(self) -> int | None:
        quota = self.source.quota()
        if quota is None:
            return None
        return max(quota.remaining - self.quota_reserve, 0)

    async def _fetch_chunks(
        self,
        report: SyncReport,
        chunks: list[Chunk],
        step: Callable[[str], Any],
    ) -> bool:
        """Fetch and store every chunk; True when the whole run must stop (auth, quota, down)."""
        skip: set[tuple[str, Stream]] = set()
        failed: dict[tuple[str, Stream], str] = {}
        succeeded: set[tuple[str, Stream]] = set()
        consecutive_down = 0
        stop = False
        for chunk in chunks:
            key = (chunk.pdl, chunk.stream)
            if key in skip:
                await step(f"skipped {chunk.label()}")
                continue
            try:
                calls, exhausted = await self._fetch_probing(chunk)
                report.calls += calls
                report.rows_written += await self._flush(FLUSH_ROWS)
                succeeded.add(key)
                consecutive_down = 0
                if exhausted:
                    # Chunks run newest first: everything older of this stream is unavailable.
                    skip.add(key)
            except RangeUnavailable as exc:
                report.calls += 1
                await self._remember(chunk, exc)
                skip.add(key)
            except QuotaExhausted as exc:
                report.status = "partial"
                report.fail("quota", f"{exc} (resumes after {exc.reset_at.isoformat()})")
                stop = True
            except AuthRefused as exc:
                report.status = "failed"
                report.fail("auth", exc)
                stop = True
            except GatewayDown as exc:
                report.calls += 1
                skip.add(key)
                failed[key] = str(exc)
                report.fail(f"{chunk.pdl}/{chunk.stream.value}", exc)
                consecutive_down += 1
                if consecutive_down >= DOWN_AFTER:
                    report.fail("gateway", "gateway unreachable on several streams; run stopped")
                    stop = True
            await step(chunk.label())
            if stop:
                break
        report.rows_written += await self._flush()
        for key in succeeded | set(failed):
            await self._db(self.store.record_stream, key[0], key[1].value, error=failed.get(key))
        if failed and report.status == "success":
            report.status = "partial" if succeeded else "failed"
        return stop

    async def _fetch_probing(self, chunk: Chunk) -> tuple[int, bool]:
        """Fetch a chunk; when its older part is before the first day served, find that day.

        Returns (calls made, whether the stream's older history is exhausted). A date-bound
        refusal with no usable date is narrowed by halving, once: the boundary is then
        remembered and never asked again. Other refusals (load curve not enabled) and one-day
        chunks propagate as :class:`RangeUnavailable`.
        """
        try:
            await self._fetch_one(chunk)
            return 1, False
        except RangeUnavailable as exc:
            usable = exc.available_from
            if usable is not None and chunk.start < usable < chunk.end:
                await self._remember(replace(chunk, end=usable), exc)
                calls, _ = await self._fetch_probing(replace(chunk, start=usable))
                return calls + 1, True
            if not exc.time_bound or chunk.days == 1:
                raise
            middle = chunk.start + timedelta(days=chunk.days // 2)
            newer, older = replace(chunk, start=middle), replace(chunk, end=middle)
            try:
                calls, exhausted = await self._fetch_probing(newer)
            except RangeUnavailable as newer_exc:
                await self._remember(chunk, newer_exc)  # the newer half refused: all of it
                return 2, True
            if exhausted:
                return calls + 1, True
            try:
                more_calls, _ = await self._fetch_probing(older)
            except RangeUnavailable as older_exc:
                await self._remember(older, older_exc)
                more_calls = 1
            return calls + more_calls + 1, True

    async def _fetch_one(self, chunk: Chunk) -> None:
        """Fetch one chunk into the write buffer."""
        source, stream = self.source, chunk.stream
        rows: list[Any]
        if stream is Stream.MAX_POWER:
            rows = list(await source.max_power(chunk.pdl, chunk.start, chunk.end))
        elif stream.is_detail:
            rows = list(
                await source.load_curve(chunk.pdl, stream.direction, chunk.start, chunk.end)
            )
        else:
            rows = list(await source.daily(chunk.pdl, stream.direction, chunk.start, chunk.end))
        self._pending.setdefault((chunk.pdl, stream), []).extend(rows)
        today = today_paris(self._clock())
        if not rows and chunk.end <= today - EMPTY_IS_FINAL_AFTER:
            # An old range that is still empty will stay empty: don't spend quota on it again.
            await self._remember(
                chunk, RangeUnavailable("no data for this old range", code="NO_DATA")
            )

    async def _flush(self, at_least: int = 0) -> int:
        """Write buffered rows of every stream holding ``at_least`` of them; rows changed."""
        changed = 0
        store, origin = self.store, self.source.origin
        for key in [k for k, rows in self._pending.items() if rows and len(rows) >= at_least]:
            (pdl, stream), rows = key, self._pending.pop(key)
            result: WriteResult
            if stream is Stream.MAX_POWER:
                result = await self._db(store.upsert_max_power, pdl, rows, origin)
            elif stream.is_detail:
                result = await self._db(
                    store.upsert_load_curve, pdl, stream.direction, rows, origin
                )
            else:
                result = await self._db(store.upsert_daily, pdl, stream.direction, rows, origin)
            changed += result.changed
        return changed

    async def _remember(self, chunk: Chunk, exc: RangeUnavailable) -> None:
        # The range and everything older: "before activation" and "too old" hold backwards.
        start = date(1970, 1, 1) if exc.code != "NO_DATA" else chunk.start
        end = chunk.end
        if exc.available_from is not None and exc.available_from > chunk.start:
            end = min(chunk.end, exc.available_from)
        log.info("remembering %s as unavailable (%s)", chunk.label(), exc.code)
        await self._db(
            self.store.remember_unavailable,
            UnavailableRange(chunk.pdl, chunk.stream.value, start, end, exc.code, str(exc)),
        )

    # -- grid signals --------------------------------------------------------------------------

    async def _sync_tempo(self, report: SyncReport, today: date) -> None:
        try:
            written = await self.refresh_tempo(today)
            report.rows_written += written
            report.calls += 1
        except SourceError as exc:
            report.fail(f"{GRID}/tempo", exc)
            if report.status == "success":
                report.status = "partial"

    async def _sync_ecowatt(self, report: SyncReport) -> None:
        try:
            written = await self.refresh_ecowatt()
            report.rows_written += written
            report.calls += 1
        except SourceError as exc:
            report.fail(f"{GRID}/ecowatt", exc)
            if report.status == "success":
                report.status = "partial"

    async def refresh_tempo(self, today: date | None = None) -> int:
        """Fetch Tempo colours from the first missing day (3 seasons back) to tomorrow."""
        today = today or today_paris(self._clock())
        first = season_start(today - timedelta(days=3 * 365))
        latest = await self._db(self.store.latest_day, "tempo_days")
        start = latest + timedelta(days=1) if latest and latest >= first else first
        start = min(start, today - timedelta(days=RECENT_DAYS))
        try:
            days = await self.source.tempo(start, today + timedelta(days=2))
        except SourceError as exc:
            await self._db(self.store.record_stream, GRID, "tempo", error=str(exc))
            raise
        result = await self._db(self.store.upsert_tempo, days, self.source.origin)
        await self._db(self.store.record_stream, GRID, "tempo")
        return result.changed

    async def refresh_ecowatt(self) -> int:
        """Fetch the EcoWatt forecast (today and up to three days ahead)."""
        try:
            days = await self.source.ecowatt()
        except SourceError as exc:
            await self._db(self.store.record_stream, GRID, "ecowatt", error=str(exc))
            raise
        result = await self._db(self.store.upsert_ecowatt, days, self.source.origin)
        await self._db(self.store.record_stream, GRID, "ecowatt")
        return result.changed

    async def grid_job(self, kind: str) -> None:
        """Scheduler entry for a light Tempo or EcoWatt refresh; skipped while a sync runs."""
        if self.running:
            return
        async with self._lock:
            try:
                if kind == "tempo":
                    await self.refresh_tempo()
                else:
                    await self.refresh_ecowatt()
            except SourceError as exc:
                log.warning("%s refresh failed: %s", kind, exc)
