"""The sync run: one at a time, newest first, within the quota, resumable, never losing data.

Fetched rows are written in transactions of a few thousand rows (one per gateway call would mean
hundreds of small commits, hard on a Raspberry Pi's SD card); whatever was fetched is written
before the run ends, fails or is stopped, and what is missing is fetched by the next run.

One bad answer never stops the run: a call that fails alone (:class:`ChunkFailed`) is recorded
and asked again by a later sync while the run goes on with older ranges and other streams; a
stream Enedis refuses for good is skipped for the run with what to do; a PDL the gateway refuses
is skipped and shown inactive. Only credentials, the quota and an unreachable gateway stop it.
"""

from __future__ import annotations

import asyncio
import functools
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
from myelectricaldata.domain.timeutil import PARIS, day_length_minutes, today_paris
from myelectricaldata.domain.types import DailyReading, LoadCurvePoint, Stream, UsagePoint
from myelectricaldata.sources.base import (
    AccessDenied,
    AuthRefused,
    Bucket,
    ChunkFailed,
    GatewayDown,
    GatewayTraits,
    NoData,
    Quota,
    QuotaExhausted,
    RangeUnavailable,
    Source,
    SourceError,
    StreamRefused,
)
from myelectricaldata.sources.offers import OffersFeed
from myelectricaldata.store.offers import OfferStore, RefreshResult, refresh_catalogue
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
    day_runs,
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
#: A range that is still missing this long after its day is remembered as empty.
EMPTY_IS_FINAL_AFTER = timedelta(days=30)
#: Calls of the 50-call bucket boundary repairs leave for EcoWatt refreshes.
NO_CACHE_RESERVE = 10
#: Daily energy streams: the gateway's cache drops the last day of ranges it did not hold.
_DAILY_ENERGY = (Stream.CONSUMPTION_DAILY, Stream.PRODUCTION_DAILY)
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What ``GET /api/sync`` and ``status`` show."""

    running: bool
    current: SyncRun | None
    last: list[SyncRun]
    streams: list[StreamState]
    quota: Quota | None
    source: str
    #: Every quota bucket of the source (the cached one first); empty when it has none.
    quotas: list[Quota] = field(default_factory=list)


@dataclass(slots=True)
class SyncReport:
    """Outcome of one run."""

    run_id: int
    status: str = "success"
    rows_written: int = 0
    calls: int = 0
    deferred_calls: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    #: Instants or days answered twice with different values (the later answer was kept).
    conflicts: int = 0
    #: Days the gateway's cache dropped that were asked again without it, and came back.
    repaired_days: int = 0
    #: PDLs not synced: inactive on the site or refused by the gateway.
    skipped_pdls: list[str] = field(default_factory=list)

    def fail(self, scope: str, error: BaseException | str, *, where: str = "") -> None:
        """Record an error for ``scope`` (a PDL and stream, or the run), ``where`` it happened."""
        text = f"{where}: {error}" if where else str(error)
        self.errors.append({"scope": scope, "error": text, "kind": _kind(error)})

    def degrade(self) -> None:
        """Some work was not done: a successful run becomes partial."""
        if self.status == "success":
            self.status = "partial"


#: Minutes of a Paris day (1380, 1440 or 1500), asked for every day of every chunk.
_day_minutes = functools.lru_cache(maxsize=4096)(day_length_minutes)


def days_between(start: date, end: date) -> list[date]:
    """The days of [start, end)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]


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
        offers: OffersFeed | None = None,
    ) -> None:
        self.store = store
        self.source = source
        #: Where the offers catalogue comes from (``None``: it is not refreshed by the sync).
        self.offers = offers
        self.quota_reserve = quota_reserve
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = asyncio.Lock()
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[SyncReport] | None = None
        #: Rows fetched and not yet written, per PDL and stream (see :meth:`_flush`).
        self._pending: dict[tuple[str, Stream], list[Any]] = {}
        #: Per run: the first day served, per PDL (activation) and per PDL and stream.
        self._pdl_floor: dict[str, date] = {}
        self._stream_floor: dict[tuple[str, Stream], date] = {}
        #: Per run: the streams of each PDL, and daily days the cache dropped.
        self._streams_of: dict[str, list[Stream]] = {}
        self._repairs: dict[tuple[str, Stream], set[date]] = {}
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

    @property
    def _traits(self) -> GatewayTraits | None:
        return self.source if isinstance(self.source, GatewayTraits) else None

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
        traits = self._traits
        return SyncStatus(
            running=running,
            current=current,
            last=runs,
            streams=self.store.stream_states(),
            quota=self.source.quota(),
            source=self.source.origin.value,
            quotas=traits.quotas() if traits is not None else [],
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
                self._pdl_floor, self._stream_floor = {}, {}
                self._streams_of, self._repairs = {}, {}
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
                    logging.INFO if report.status == "success" else logging.WARNING,
                    "sync %s %s: %d rows, %d calls, %d errors, %d conflicts merged%s",
                    run_id,
                    report.status,
                    report.rows_written,
                    report.calls,
                    len(report.errors),
                    report.conflicts,
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
        traits = self._traits
        conflicts_before = traits.conflicts_merged() if traits is not None else 0
        points = await self._usage_points(report, today)
        if points is None:
            return
        # The prices the new days are worth: at most one catalogue fetch a day (a failure keeps
        # the stored catalogue and is logged; it never stops the run).
        await self.refresh_offers()
        if pdls:
            known = {p.pdl for p in points}
            unknown = [p for p in pdls if p not in known]
            if unknown:
                raise InvalidInput("pdl", f"unknown usage point(s) {', '.join(unknown)}")
            points = [p for p in points if p.pdl in pdls]
        for point in points:
            if not point.is_active:
                # The site lists it as inactive: its data calls would all be refused.
                log.info("%s is inactive on the site: skipped", point.pdl)
                report.skipped_pdls.append(point.pdl)
        active = [p for p in points if p.is_active]
        states = {(s.pdl, s.stream): s for s in await self._db(self.store.stream_states)}
        chunks = order_newest_first(
            [c for p in active for c in await self._plan(p, today, start, end, states)]
        )
        grid_steps = 0 if pdls or start or end else 2
        budget = self._budget()
        if budget is not None and len(chunks) > budget:
            report.deferred_calls = len(chunks) - budget
            chunks = chunks[:budget]
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
        if stop != "everything":
            # The 1000-call bucket may be spent: the 50-call one and Tempo are counted apart.
            await self._repair_dropped_days(report)
        report.rows_written += await self._flush()
        if traits is not None:
            report.conflicts = traits.conflicts_merged() - conflicts_before
        if stop != "everything" and grid_steps:
            await self._sync_tempo(report, today)
            await step("tempo")
            if await self._db(self._ecowatt_wanted, today):
                await self._sync_ecowatt(report)
            await step("ecowatt")
        if report.deferred_calls:
            quota = self.source.quota()
            reset = quota.reset_at.isoformat() if quota else "the next quota reset"
            report.degrade()
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
        offers = OfferStore(self.store)
        for point in points:
            await self._db(self.store.upsert_usage_point, point, self.source.origin, seen_on=today)
            # The offer picked on the site follows /pdl, cleared when the site clears it (the
            # user's own choice in Paramètres is kept apart and still wins).
            picked = await self._db(offers.selection, point.pdl)
            if picked.gateway_offer_id != point.selected_offer_id:
                await self._db(offers.set_gateway_offer, point.pdl, point.selected_offer_id)
        return points

    async def refresh_offers(self, *, force: bool = False) -> RefreshResult | None:
        """Fetch the offers catalogue when the stored one is a day old (at most daily; after a
        failure, not again for an hour) and keep its history; ``None`` without a feed."""
        if self.offers is None:
            return None
        return await refresh_catalogue(
            OfferStore(self.store), self.offers.fetch, now=self._clock(), force=force
        )

    async def _plan(
        self,
        point: UsagePoint,
        today: date,
        start: date | None,
        end: date | None,
        states: dict[tuple[str, str], StreamState],
    ) -> list[Chunk]:
        streams = []
        if point.has_consumption:
            streams += [Stream.CONSUMPTION_DAILY, Stream.CONSUMPTION_DETAIL, Stream.MAX_POWER]
        if point.has_production:
            streams += [Stream.PRODUCTION_DAILY, Stream.PRODUCTION_DETAIL]
        self._streams_of[point.pdl] = streams
        traits = self._traits
        holes = await self._db(self.store.unavailable_ranges, point.pdl)
        chunks: list[Chunk] = []
        for stream in streams:
            until = traits.servable_until(stream, today) if traits is not None else today
            low, high = history_window(
                stream, today, point.activation_date, point.oldest_available_date, until
            )
            if start is not None or end is not None:
                # An explicit range is fetched again whole (within what the gateway keeps).
                low = max(low, start or low)
                high = min(high, (end + timedelta(days=1)) if end else high)
                wanted = [low + timedelta(days=i) for i in range(max((high - low).days, 0))]
            else:
                wanted = await self._missing(point.pdl, stream, low, high)
                state = states.get((point.pdl, stream.value))
                last = state.last_success_at if state is not None else None
                if last is None or last.astimezone(PARIS).date() < today:
                    # Enedis corrects recent days for a while: they are asked again, once a day.
                    recent = max(low, high - timedelta(days=RECENT_DAYS))
                    wanted = sorted(
                        set(wanted)
                        | {recent + timedelta(days=i) for i in range((high - recent).days)}
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

    # -- chunks --------------------------------------------------------------------------------

    def _clip(self, chunk: Chunk) -> Chunk | None:
        """The chunk without the days before its PDL's first day found in this run."""
        floors = [self._pdl_floor.get(chunk.pdl), self._stream_floor.get((chunk.pdl, chunk.stream))]
        floor = max((f for f in floors if f is not None), default=None)
        if floor is None or floor <= chunk.start:
            return chunk
        if floor >= chunk.end:
            return None
        return replace(chunk, start=floor)

    async def _fetch_chunks(
        self,
        report: SyncReport,
        chunks: list[Chunk],
        step: Callable[[str], Any],
    ) -> str | None:
        """Fetch and store every chunk; what stopped them early, if anything.

        ``"everything"`` (credentials refused, gateway unreachable): nothing more is asked in
        this run. ``"cached"``: the 1000-call quota is spent; other buckets may go on.
        """
        skip: set[tuple[str, Stream]] = set()
        denied: set[str] = set()
        failed: dict[tuple[str, Stream], str] = {}
        succeeded: set[tuple[str, Stream]] = set()
        was_denied = {
            p.point.pdl for p in await self._db(self.store.usage_points) if p.denied_at is not None
        }
        consecutive_down = 0
        stop: str | None = None
        for planned in chunks:
            key = (planned.pdl, planned.stream)
            chunk = self._clip(planned)
            if chunk is None or key in skip or planned.pdl in denied:
                await step(f"skipped {planned.label()}")
                continue
            try:
                report.calls += await self._fetch_chunk(chunk)
                report.rows_written += await self._flush(FLUSH_ROWS)
                succeeded.add(key)
                consecutive_down = 0
                if chunk.pdl in was_denied:
                    # It serves data again: no longer shown inactive.
                    await self._db(self.store.set_denied, chunk.pdl, None)
                    was_denied.discard(chunk.pdl)
            except AccessDenied as exc:
                # One PDL inactive or unlinked: skip it, show it inactive, go on with the others.
                denied.add(chunk.pdl)
                report.skipped_pdls.append(chunk.pdl)
                await self._db(self.store.set_denied, chunk.pdl, str(exc))
                failed[key] = str(exc)
                report.fail(chunk.pdl, exc)
                report.degrade()
            except StreamRefused as exc:
                # Not retried in this run: the message says what the user should do.
                report.calls += 1
                skip.add(key)
                failed[key] = str(exc)
                report.fail(f"{chunk.pdl}/{chunk.stream.value}", exc)
                report.degrade()
            except RangeUnavailable as exc:
                # A refusal the first-day search could not place: older days are refused too.
                report.calls += 1
                await self._remember(chunk, exc)
                skip.add(key)
            except ChunkFailed as exc:
                # This call alone: recorded, asked again by a later sync; older ranges go on.
                report.calls += 1
                failed[key] = f"{chunk.label()}: {exc}"
                report.fail(f"{chunk.pdl}/{chunk.stream.value}", exc, where=chunk.label())
                report.degrade()
            except QuotaExhausted as exc:
                report.degrade()
                report.fail("quota", f"{exc} (resumes after {exc.reset_at.isoformat()})")
                if exc.bucket is Bucket.CACHED:
                    stop = "cached"
                else:
                    skip.add(key)
            except AuthRefused as exc:
                report.status = "failed"
                report.fail("auth", exc)
                stop = "everything"
            except GatewayDown as exc:
                report.calls += 1
                skip.add(key)
                failed[key] = str(exc)
                report.fail(f"{chunk.pdl}/{chunk.stream.value}", exc)
                consecutive_down += 1
                if consecutive_down >= DOWN_AFTER:
                    report.fail("gateway", "gateway unreachable on several streams; run stopped")
                    stop = "everything"
            await step(chunk.label())
            if stop:
                break
        report.rows_written += await self._flush()
        for key in succeeded | set(failed):
            await self._db(self.store.record_stream, key[0], key[1].value, error=failed.get(key))
        if failed and report.status != "failed":
            # Nothing came through at all (and not because PDLs were refused): a failed run.
            report.status = "partial" if succeeded or denied else "failed"
        return stop

    async def _fetch_chunk(self, chunk: Chunk) -> int:
        """Fetch one chunk into the write buffer; calls made.

        A refusal for being before the first day served (activation, 3-year limit) finds that
        day once: from the refusal when it says it, else by halving the chunk. The day then
        bounds every stream of the PDL (activation) or this stream (too old), here and in later
        runs, so no call is spent again on days that can't exist.
        """
        key = (chunk.pdl, chunk.stream)
        mark = len(self._pending.get(key, []))  # the buffer is not flushed within a chunk
        try:
            rows = await self._fetch_one(chunk)
            first = chunk.start
            calls = 1
        except RangeUnavailable as exc:
            if not exc.time_bound:
                raise
            if exc.presumed and await self._has_older_values(chunk):
                # An empty answer read as "before activation", yet older days hold values:
                # a hole in Enedis's data, not the meter's first day.
                rows, first, calls = [], chunk.start, 1
            else:
                first, calls = await self._first_day(chunk, exc)
                await self._set_first_day(chunk, first, exc)
                rows = self._pending.get(key, [])[mark:]
                calls += 1
        await self._check_days(chunk, first, rows)
        return calls

    async def _has_older_values(self, chunk: Chunk) -> bool:
        """Whether the store holds daily values of this stream in the year before the chunk."""
        present = await self._db(
            self.store.daily_days_present,
            chunk.pdl,
            chunk.stream.direction,
            chunk.start - timedelta(days=366),
            chunk.start,
        )
        return bool(present)

    async def _first_day(self, chunk: Chunk, refusal: RangeUnavailable) -> tuple[date, int]:
        """(first day served in the chunk, calls made); rows of the served days are buffered."""
        usable = refusal.available_from
        if usable is not None and usable >= chunk.end:
            return usable, 0
        if usable is not None and usable > chunk.start:
            try:
                await self._fetch_one(replace(chunk, start=usable))
                return usable, 1
            except RangeUnavailable as again:
                if not again.time_bound:
                    raise
                first, calls = await self._bisect(replace(chunk, start=usable))
                return first, calls + 1
        return await self._bisect(chunk)

    async def _bisect(self, chunk: Chunk) -> tuple[date, int]:
        """First day served in a chunk whose start is refused: halving, newest half first.

        Each served half is kept, so the served part of the chunk is fetched on the way.
        """
        lo, hi = chunk.start, chunk.end  # asking from lo is refused; from hi, served (or end)
        calls = 0
        while (hi - lo).days > 1:
            middle = lo + timedelta(days=(hi - lo).days // 2)
            calls += 1
            try:
                await self._fetch_one(replace(chunk, start=middle, end=hi))
                hi = middle
            except RangeUnavailable as exc:
                if not exc.time_bound:
                    raise
                lo = middle
        log.info("%s %s: first day served is %s", chunk.pdl, chunk.stream.value, hi)
        return hi, calls

    async def _set_first_day(self, chunk: Chunk, first: date, exc: RangeUnavailable) -> None:
        """Bound this run's chunks by ``first`` and remember it for later runs."""
        if exc.code.upper() == "ADAM-ERR0123":
            # The meter's activation: the same day for every stream of the PDL.
            self._pdl_floor[chunk.pdl] = max(self._pdl_floor.get(chunk.pdl, first), first)
            streams = self._streams_of.get(chunk.pdl, [chunk.stream])
        else:
            key = (chunk.pdl, chunk.stream)
            self._stream_floor[key] = max(self._stream_floor.get(key, first), first)
            streams = [chunk.stream]
        reason = f"{exc} (first day served: {first.isoformat()})"
        for stream in streams:
            await self._db(
                self.store.remember_unavailable,
                UnavailableRange(chunk.pdl, stream.value, _EPOCH, first, exc.code, reason),
            )

    async def _fetch_one(self, chunk: Chunk) -> list[Any]:
        """Fetch one chunk into the write buffer; its rows."""
        source, stream = self.source, chunk.stream
        rows: list[Any]
        try:
            if stream is Stream.MAX_POWER:
                rows = list(await source.max_power(chunk.pdl, chunk.start, chunk.end))
            elif stream.is_detail:
                rows = list(
                    await source.load_curve(chunk.pdl, stream.direction, chunk.start, chunk.end)
                )
            else:
                rows = list(await source.daily(chunk.pdl, stream.direction, chunk.start, chunk.end))
        except NoData:
            rows = []
        self._pending.setdefault((chunk.pdl, stream), []).extend(rows)
        return rows

    async def _check_days(self, chunk: Chunk, first: date, rows: list[Any]) -> None:
        """Days the chunk should have brought and did not: repaired, or remembered as empty.

        Yesterday and today can still come, so they are never held against a range. Daily
        energy days the gateway's cache dropped are asked again without the cache (after the
        chunks); other days still missing a month later are remembered as empty.
        """
        today = today_paris(self._clock())
        low, high = max(first, chunk.start), min(chunk.end, today - timedelta(days=1))
        if low >= high:
            return
        days = days_between(low, high)
        if chunk.stream.is_detail:
            points: list[LoadCurvePoint] = rows
            # Cheap first: a chunk whose points cover all its minutes, yesterday's included,
            # lacks nothing (answers hold one point per instant, within the chunk).
            whole = days_between(low, chunk.end)
            if sum(p.interval_min for p in points) >= sum(_day_minutes(d) for d in whole):
                return
            covered: dict[date, int] = {}
            for p in points:
                day = p.start.astimezone(PARIS).date()
                covered[day] = covered.get(day, 0) + p.interval_min
            missing = [d for d in days if covered.get(d, 0) < _day_minutes(d)]
        else:
            present = {r.day for r in rows}
            missing = [d for d in days if d not in present]
        if not missing:
            return
        if chunk.stream in _DAILY_ENERGY and self._traits is not None:
            self._repairs.setdefault((chunk.pdl, chunk.stream), set()).update(missing)
            return
        final = [d for d in missing if d <= today - EMPTY_IS_FINAL_AFTER]
        for lo, hi in day_runs(final):
            await self._remember(
                replace(chunk, start=lo, end=hi),
                RangeUnavailable("no data for this old range", code="NO_DATA"),
            )

    async def _repair_dropped_days(self, report: SyncReport) -> None:
        """Ask the daily days the cache dropped once each, past the cache (50-call bucket).

        A day that comes back is stored; one that does not is an Enedis hole and remembered, so
        it is never asked again. The 50-call bucket keeps :data:`NO_CACHE_RESERVE` calls for
        EcoWatt; days left over are found again by the next run's gap check.
        """
        traits = self._traits
        if traits is None or not self._repairs:
            return
        for (pdl, stream), days in sorted(self._repairs.items()):
            for lo, hi in day_runs(days):
                no_cache = traits.quotas()[-1]
                if no_cache.remaining <= NO_CACHE_RESERVE:
                    report.fail(
                        f"{pdl}/{stream.value}",
                        f"days the gateway's cache dropped ({lo}..) are asked again once the "
                        f"50-call quota resets ({no_cache.reset_at.isoformat()})",
                    )
                    report.degrade()
                    return
                try:
                    rows: list[DailyReading] = await traits.daily_uncached(
                        pdl, stream.direction, lo, hi
                    )
                    report.calls += 1
                except (NoData, RangeUnavailable):
                    rows = []  # an empty answer for these days: Enedis has nothing for them
                    report.calls += 1
                except QuotaExhausted as exc:
                    report.fail("quota", f"{exc} (resumes after {exc.reset_at.isoformat()})")
                    report.degrade()
                    return
                except (AuthRefused, GatewayDown) as exc:
                    report.fail(f"{pdl}/{stream.value}", exc)
                    report.degrade()
                    return
                except SourceError as exc:
                    report.fail(f"{pdl}/{stream.value}", exc)
                    report.degrade()
                    continue
                got = {r.day for r in rows if lo <= r.day < hi}
                report.repaired_days += len(got)
                self._pending.setdefault((pdl, stream), []).extend(rows)
                still = [lo + timedelta(days=i) for i in range((hi - lo).days)]
                for a, b in day_runs(d for d in still if d not in got):
                    await self._remember(
                        Chunk(pdl, stream, a, b),
                        RangeUnavailable(
                            "Enedis has no value for these days (asked once without the cache)",
                            code="NO_DATA",
                        ),
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
        # "Before activation" and "too old" hold backwards: the range and everything older.
        start = _EPOCH if exc.time_bound else chunk.start
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
            report.degrade()

    async def _sync_ecowatt(self, report: SyncReport) -> None:
        try:
            written = await self.refresh_ecowatt()
            report.rows_written += written
            report.calls += 1
        except SourceError as exc:
            report.fail(f"{GRID}/ecowatt", exc)
            report.degrade()

    def _ecowatt_wanted(self, today: date) -> bool:
        """Whether a sync run should ask EcoWatt (it costs calls of the 50-call bucket).

        Not when today to J+2 are stored and J+3 is too, or RTE has not published it yet
        (17:00 Paris): the scheduled refreshes follow RTE's publications anyway.
        """
        known = {d.day for d in self.store.ecowatt(today, today + timedelta(days=3))}
        if any(today + timedelta(days=i) not in known for i in range(3)):
            return True
        published = self._clock().astimezone(PARIS).hour >= 17
        return published and today + timedelta(days=3) not in known

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
