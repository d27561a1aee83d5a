"""Acknowledged delivery: per destination and stream checkpoints on the store's change numbers.

A run sends the rows changed since the destination's checkpoint (new, backfilled or corrected;
never unchanged ones) in batches of whole writes, and moves the checkpoint only after the
destination accepted the batch. A failed batch is retried with the one policy of
:mod:`myelectricaldata.support.retry` (full-jitter backoff, the destination's ``Retry-After``
honoured up to a bound); a refusal the exporter calls permanent is not retried. When a batch
still fails, the run stops there and the next run starts again from the same checkpoint, so
nothing is skipped. Two runs of one destination never overlap (a lock in the store).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from myelectricaldata.domain.types import Stream, UsagePoint
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    EcowattData,
    ExporterConfig,
    ExportResult,
    SeriesData,
    StateSnapshot,
    TempoData,
    build_exporter,
)
from myelectricaldata.exporters.batches import (
    Batch,
    batch_objects,
    outcome,
    plan_batches,
    send,
)
from myelectricaldata.exporters.context import (
    ExporterContext,
    ExporterSettings,
    SharedState,
    StoreView,
)
from myelectricaldata.exporters.registry import ConfigStore, Registry, UnknownExporter
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.exports import (
    ExportBusy,
    ExportLog,
    ExportRepo,
)
from myelectricaldata.store.repo import Store
from myelectricaldata.store.reprice import RepriceMark, RepriceMarks
from myelectricaldata.support.retry import Backoff, GaveUp, Retryable, retrying

if TYPE_CHECKING:
    from fastapi import APIRouter

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Attempts per batch within one run and the waits between them; a destination asking to
#: wait longer than ``longest_wait`` ends the run (the next run asks again).
DELIVERY_POLICY = Backoff(attempts=4, base=1.0, cap=30.0, longest_wait=60.0)
#: A connection test answers within this many seconds, whatever the destination does.
TEST_TIMEOUT = 10.0

SnapshotProvider = Callable[[], Awaitable[StateSnapshot]]
ProgressCallback = Callable[[int, int], None]


class ExportFailed(Exception):
    """A batch was refused after every attempt; the checkpoint stayed where it was."""


def gave_up_message(stream: Stream, exc: GaveUp) -> str:
    """What the run's log says when a batch of ``stream`` was still refused after ``exc``."""
    return f"{stream.value}: {exc}; the next run resumes from here"


@dataclass(slots=True)
class Attempts:
    """Tries a run made (every try of every batch, and of the current values), counted as
    they are made: a run that fails after its retries still says how many it made."""

    made: int = 0


class ExportService:
    """Runs exports: one destination at a time each, checkpoints advanced on success only.

    It builds every exporter with its context (:mod:`myelectricaldata.exporters.context`): a
    read-only view of ``store``, ``settings``, the configs of the other destinations, and the
    destination type's shared state.
    """

    def __init__(
        self,
        store: Store,
        registry: Registry,
        configs: ConfigStore,
        snapshot: SnapshotProvider | None = None,
        *,
        settings: ExporterSettings | None = None,
        policy: Backoff = DELIVERY_POLICY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.view = StoreView(store)
        self.repo = ExportRepo(store)
        self.reprices = RepriceMarks(store)
        self.registry = registry
        self.configs = configs
        self.snapshot = snapshot
        self.settings = settings or ExporterSettings()
        self.policy = policy
        self._sleep = sleep
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: dict[str, asyncio.Task[ExportLog]] = {}
        self._snapshot_cache: tuple[float, StateSnapshot] | None = None
        self._shared: dict[str, SharedState] = {}

    async def _db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(func, *args, **kwargs)

    # -- what exporters are given ----------------------------------------------------------------

    def shared(self, name: str) -> SharedState:
        """The state a destination type keeps for as long as this service lives."""
        return self._shared.setdefault(name, SharedState())

    def peer_config(self, name: str) -> ExporterConfig | None:
        """Another destination's config in force, or ``None`` when that type is not installed."""
        try:
            return self.configs.load(name)
        except UnknownExporter:
            return None

    def context(self, name: str) -> ExporterContext:
        """What an exporter of type ``name`` is given besides its config."""
        return ExporterContext(self.view, self.settings, self.peer_config, self.shared(name))

    def exporter(self, name: str, config: ExporterConfig | None = None) -> BaseExporter[Any]:
        """An exporter of a type with its config in force (or the one given, whose secrets join
        those the service masks in its logs)."""
        cls = self.registry.get(name)
        if config is not None:
            self.configs.seen.merge(config.redactor())
        return build_exporter(cls, config or self.configs.load(name), self.context(name))

    def routers(self) -> list[APIRouter]:
        """The HTTP routes the installed destination types add to the service."""
        found = []
        for name, cls in sorted(self.registry.types.items()):
            try:
                router = cls.routes(self)
            except Exception:  # a plug-in's broken routes must not stop the service
                log.exception("exporter %s: its routes could not be built", name)
                continue
            if router is not None:
                found.append(router)
        return found

    # -- ExporterHost (what routes use) ------------------------------------------------------------

    async def config_of(self, name: str) -> ExporterConfig:
        """The config in force of a destination type."""
        return await self._db(self.configs.load, name)

    async def recent_logs(self, limit: int) -> list[ExportLog]:
        """Export runs of every destination, newest first."""
        return await self._db(self.repo.logs, None, limit)

    async def state_snapshot(self) -> StateSnapshot | None:
        """The catalogue's values, computed at most once per few seconds for all exporters."""
        cached = self._snapshot_cache
        if cached is not None and time.monotonic() - cached[0] < 5:
            return cached[1]
        snapshot = await (self.snapshot or self._from_store)()
        self._snapshot_cache = (time.monotonic(), snapshot)
        return snapshot

    async def _from_store(self) -> StateSnapshot:
        """The catalogue's values now, each day priced at its offer's row in force that day."""
        prices = await asyncio.to_thread(self.settings.tariff_prices)
        return await compute_snapshot(self.view, prices=prices, pricing=self.settings.pricing)

    # -- runs ------------------------------------------------------------------------------------

    def enabled(self) -> list[str]:
        """Types whose config in force is enabled."""
        names = []
        for name in self.registry.types:
            try:
                if self.configs.load(name).enabled:
                    names.append(name)
            except Exception as exc:  # a bad saved config must not stop the others
                log.error("exporter %s has an unusable config: %s", name, exc)
        return names

    async def test(self, name: str, config: ExporterConfig | None = None) -> ConnectionTestResult:
        """Test a destination, answering within :data:`TEST_TIMEOUT` seconds."""
        exporter = self.exporter(name, config)
        redact = exporter.config.redactor()
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(exporter.test_connection(), TEST_TIMEOUT)
        except TimeoutError:
            return ConnectionTestResult(
                False,
                f"{name}: no answer within {TEST_TIMEOUT:.0f} s",
                error="timeout: check the address and that the destination is running",
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        except Exception as exc:
            error = redact(str(exc) or type(exc).__name__)
            return ConnectionTestResult(False, f"{name}: test failed", error=error)
        finally:
            await exporter.aclose()
        return ConnectionTestResult(
            result.success,
            redact(result.message),
            redact(result.error) if result.error else None,
            result.latency_ms,
        )

    def start_background(
        self, name: str, *, trigger: str = "api", since: date | None = None
    ) -> asyncio.Task[ExportLog]:
        """Start a run as a task; raises :class:`ExportBusy` when one of this type runs."""
        task = self._running.get(name)
        if task is not None and not task.done():
            raise ExportBusy(f"an export to {name} is already running")
        task = asyncio.create_task(self.run(name, trigger=trigger, since=since))
        self._running[name] = task
        return task

    async def start(
        self, name: str, *, trigger: str = "api", since: date | None = None
    ) -> asyncio.Task[ExportLog]:
        """Take the destination's lock, then run in the background: :class:`ExportBusy` (a
        409) comes here, before anything is promised, never later inside the task."""
        task = self._running.get(name)
        if task is not None and not task.done():
            raise ExportBusy(f"an export to {name} is already running")
        owner = self._owner()
        await self._db(self.repo.acquire, name, owner)
        task = asyncio.create_task(self._run_held(name, owner, trigger=trigger, since=since))
        # A task cancelled before its first step never reaches its own ``finally``.
        task.add_done_callback(lambda done: self._release_if_cancelled(done, name, owner))
        self._running[name] = task
        return task

    def _owner(self) -> str:
        # One owner per run: releasing one run's lock can never release a later run's.
        return f"{self._holder}:{uuid.uuid4().hex[:6]}"

    def _release_if_cancelled(self, task: asyncio.Task[ExportLog], name: str, owner: str) -> None:
        if task.cancelled():
            self.repo.release(name, owner)

    async def run_enabled(self, trigger: str) -> list[ExportLog]:
        """Run every enabled destination (after a sync); one failing never stops the others."""
        results: list[ExportLog] = []
        for name in await self._db(self.enabled):
            try:
                results.append(await self.run(name, trigger=trigger))
            except ExportBusy:
                log.info("export %s skipped: already running", name)
            except Exception:
                log.exception("export %s failed unexpectedly", name)
        return results

    async def run(
        self,
        name: str,
        *,
        trigger: str = "manual",
        since: date | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ExportLog:
        """One run of one destination; ``since`` re-sends everything from that day on."""
        owner = self._owner()
        await self._db(self.repo.acquire, name, owner)
        return await self._run_held(
            name, owner, trigger=trigger, since=since, on_progress=on_progress
        )

    async def _run_held(
        self,
        name: str,
        owner: str,
        *,
        trigger: str,
        since: date | None,
        on_progress: ProgressCallback | None = None,
    ) -> ExportLog:
        try:
            exporter = self.exporter(name)
            redact = exporter.config.redactor()
            log_id = await self._db(self.repo.start_log, name, trigger)
        except BaseException:
            await self._db(self.repo.release, name, owner)
            raise
        sent = 0
        attempts = Attempts()
        try:
            batches = await self._plan(name, exporter, since)
            total = sum(len(b.rows) for b in batches)
            await self._db(self.repo.update_log, log_id, records_total=total)
            points = {p.point.pdl: p.point for p in await self._db(self.store.usage_points)}
            for batch in batches:
                await self._deliver(name, exporter, batch, points, attempts)
                if batch.completes is not None:
                    await self._db(self.repo.advance, name, batch.stream, batch.completes)
                sent += len(batch.rows)
                await self._db(self.repo.update_log, log_id, records=sent, attempts=attempts.made)
                await self._db(self.repo.heartbeat, name, owner)
                if on_progress is not None:
                    on_progress(sent, total)
            if exporter.reprices:
                await self._reprice(name, exporter, attempts)
            if exporter.supports_state:
                snapshot = await self.state_snapshot()
                if snapshot is not None:
                    state = partial(exporter.export_state, snapshot)
                    await self._call(name, exporter, state, "state", attempts)
            await self._db(
                self.repo.finish_log, log_id, "success", records=sent, attempts=attempts.made
            )
        except Exception as exc:
            message = redact(str(exc) or type(exc).__name__)
            log.warning("export %s stopped after %d attempts: %s", name, attempts.made, message)
            await self._db(
                self.repo.finish_log,
                log_id,
                "failed",
                error=message,
                records=sent,
                attempts=attempts.made,
            )
        finally:
            await self._db(self.repo.release, name, owner)
            await exporter.aclose()
        return (await self._db(self.repo.logs, name, 1))[0]

    # -- re-pricing ------------------------------------------------------------------------------

    def repricing_destinations(self) -> list[str]:
        """Destinations that keep exported costs or split and have exported before (a first
        export sends every day priced as of now anyway), enabled or not: one disabled for a
        while still owes the days when it is enabled again. Blocking."""
        return [
            name
            for name, cls in sorted(self.registry.types.items())
            if cls.reprices and any(self.repo.checkpoints(name).values())
        ]

    def pending_reprices(self) -> list[RepriceMark]:
        """The ranges each destination has yet to re-send, the new marks handed out first.
        Blocking."""
        self.reprices.hand_out(self.repricing_destinations())
        return self.reprices.pending()

    async def _reprice(self, name: str, exporter: BaseExporter[Any], attempts: Attempts) -> None:
        """Re-send the ranges marked for this destination, clearing each once it is accepted:
        a failure or a crash leaves the mark for the next run (and other destinations keep
        theirs)."""
        marks = [m for m in await self._db(self.pending_reprices) if m.destination == name]
        for mark in marks:
            await self._call(
                name,
                exporter,
                partial(exporter.reprice, mark.pdl, mark.first, mark.last),
                f"re-pricing {mark.pdl}",
                attempts,
            )
            await self._db(self.reprices.clear, mark)
            log.info(
                "export %s: costs of %s from %s to %s sent again (%s)",
                name, mark.pdl, mark.first, mark.last, mark.reason.value,
            )  # fmt: skip

    async def _plan(
        self, name: str, exporter: BaseExporter[Any], since: date | None
    ) -> list[Batch]:
        if not exporter.supports_history:
            return []
        batches: list[Batch] = []
        size = exporter.batch_size
        if since is not None:
            for stream in Stream:
                parts = await self._db(lambda s=stream: list(self.repo.rows_from(s, since, size)))
                batches += [Batch(rows, None) for rows in parts]
            return batches
        checkpoints = await self._db(self.repo.checkpoints, name)
        for stream in Stream:
            groups = await self._db(self.repo.change_groups, stream, checkpoints[stream])
            for span in plan_batches(groups, size):
                rows = await self._db(self.repo.changed_rows, stream, span.after, span.upto)
                batches.append(Batch(rows, span.upto))
        return batches

    async def _deliver(
        self,
        name: str,
        exporter: BaseExporter[Any],
        batch: Batch,
        points: dict[str, UsagePoint],
        attempts: Attempts,
    ) -> None:
        """Send a batch until the destination accepts all of it, counting each try.

        Within a batch, the calls the destination accepted are not repeated by a retry.
        """
        redact = exporter.config.redactor()
        pending = batch_objects(batch.rows, points)

        async def attempt(number: int) -> None:
            nonlocal pending
            attempts.made += 1
            refused: list[SeriesData | TempoData | EcowattData] = []
            first: ExportResult | None = None
            for item in pending:
                result = await send(exporter, item)
                if result.success:
                    continue
                reason = redact(result.error or "refused")
                if not result.retryable:
                    raise ExportFailed(
                        f"{batch.stream.value}: {reason} (not retried: the destination refused "
                        "it for good; fix the cause, the next run resumes from here)"
                    )
                refused.append(item)
                first = first or ExportResult(False, 0, reason, True, result.retry_after)
            pending = refused
            if first is not None:
                raise Retryable(first.error or "refused", retry_after=first.retry_after)

        try:
            await retrying(
                attempt, self.policy, sleep=self._sleep, what=f"export {name} {batch.stream}"
            )
        except GaveUp as exc:
            raise ExportFailed(gave_up_message(batch.stream, exc)) from None

    async def _call(
        self,
        name: str,
        exporter: BaseExporter[Any],
        call: Callable[[], Awaitable[ExportResult]],
        label: str,
        attempts: Attempts,
    ) -> None:
        """Make one exporter call until it is accepted, under the delivery's retry policy; its
        failures in the run's log start with ``label``."""
        redact = exporter.config.redactor()

        async def attempt(number: int) -> None:
            attempts.made += 1
            result = await outcome(call)
            if result.success:
                return
            reason = redact(result.error or "refused")
            if not result.retryable:
                raise ExportFailed(f"{label}: {reason} (not retried)")
            raise Retryable(reason, retry_after=result.retry_after)

        try:
            await retrying(attempt, self.policy, sleep=self._sleep, what=f"export {name} {label}")
        except GaveUp as exc:
            raise ExportFailed(f"{label}: {exc}") from None
