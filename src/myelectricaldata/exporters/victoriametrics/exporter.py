"""VictoriaMetrics history exporter: ``/api/v1/import`` JSON lines with the original timestamps.

VictoriaMetrics answers 204 even to samples it then drops (outside ``-retentionPeriod``, more than
two days ahead, malformed), and with ``-dedup.minScrapeInterval`` it keeps an arbitrary one of two
samples at the same timestamp, not the last one written (PROTOCOLS.md §2). So each batch is:

1. read back first (``/api/v1/export`` over the batch's time range): samples already stored with
   the same value are not sent again; a stored sample that differs (value, or its ``quality`` /
   ``color`` label) is a correction: that stored series is exported whole, deleted, and imported
   again without the batch's timestamps, so one point never has two values;
2. imported, one JSON line per series;
3. verified: ``/internal/force_flush``, then one ``count_over_time`` query over the batch's range
   must count exactly the samples expected. When it does not, the range is exported raw and
   compared sample by sample: expected samples that are missing are reported as an error that
   names ``-retentionPeriod``; samples nobody wrote, or stored twice (no
   ``-dedup.minScrapeInterval``), as one that names the dedup flag; when the raw read-back holds
   exactly what was expected, it is the proof and the batch succeeds.

Fresh lookups. VictoriaMetrics (1.79 checked; ``lib/storage/index_db.go``) caches which series a
selector matches, per selector and day range (``tagFiltersToMetricIDsCache``), and drops that
cache only when its index table's flush callback runs: at once when ``/internal/force_flush``
itself moves the new series' index rows into a part, but when the background flusher (every
second) got there first, only on a 10-second ticker. So a read-back made before an import, and
repeated with the same selector after it, can miss every series the import created for up to
10 s, force_flush or not: the count said 0 and the batch failed. Each read (export or count)
therefore adds a matcher ``myelectricaldata_lookup!="<random>"``: true for every series, but it
makes the selector one VictoriaMetrics has never looked up, so its answer comes from the index.

A point is identified by its metric name and its identity labels (``pdl``, ``granularity``,
``direction``, the user's extra labels); ``quality`` and ``color`` are attributes carried as
labels, of which the exporter keeps one per timestamp.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import httpx

from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterContext,
    ExportResult,
    ProductionData,
    TempoData,
)
from myelectricaldata.exporters.http import body_excerpt, make_client, send
from myelectricaldata.exporters.victoriametrics.checks import (
    VictoriaMetricsError,
    flag_warnings,
    mismatch_error,
)
from myelectricaldata.exporters.victoriametrics.config import VictoriaMetricsConfig
from myelectricaldata.exporters.victoriametrics.samples import (
    Labels,
    Samples,
    describe,
    ecowatt_samples,
    fresh_selector,
    identity,
    import_body,
    ms,
    parse_export,
    plan_write,
    selector,
    series_samples,
    tempo_samples,
    when,
)

log = logging.getLogger(__name__)

#: VictoriaMetrics drops samples more than two days ahead of its clock (checked on 1.79).
FUTURE_LIMIT = timedelta(days=2) - timedelta(minutes=10)
#: End of "all time" for whole-series exports (2100-01-01).
_ALL_TIME_END_S = 4102444800
#: How long verification waits for samples to become searchable when force_flush is refused
#: (1.79 makes them searchable within about 2 s: rows and index rows are flushed every second).
_VISIBLE_WITHOUT_FLUSH_S = 20.0
_POLL_S = 0.5


class VictoriaMetricsExporter(BaseExporter[VictoriaMetricsConfig]):
    """Writes the history to VictoriaMetrics and proves every sample was kept."""

    name: ClassVar[str] = "victoriametrics"
    title: ClassVar[str] = "VictoriaMetrics"
    config_model: ClassVar[type[VictoriaMetricsConfig]] = VictoriaMetricsConfig
    supports_history: ClassVar[bool] = True
    # One import, flush and count per call: large batches amortise them (two years = 35,040).
    batch_size: ClassVar[int] = 50_000

    def __init__(
        self, config: VictoriaMetricsConfig, context: ExporterContext | None = None
    ) -> None:
        super().__init__(config, context)
        self._client: httpx.AsyncClient | None = None
        # Samples of series deleted to apply a correction, not yet imported again: every later
        # import of this run carries them until one succeeds.
        self._restore: Samples = {}
        # An import was sent but not flushed: flush before the next read-back relies on it.
        self._unflushed = False
        self._can_flush = True
        self._warned_future = False
        self._sleep = asyncio.sleep  # tests stand in for the passing of time

    # -- HTTP ------------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = make_client(
                self.config.url,
                timeout_s=self.config.timeout_seconds,
                verify_tls=self.config.verify_tls,
                authorization=f"Bearer {self.config.token}" if self.config.token else None,
                username=self.config.username,
                password=self.config.password,
            )
        return self._client

    async def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        content: bytes | None = None,
        wait_s: float | None = None,
    ) -> httpx.Response:
        url = self.config.url
        response = await send(
            self._http(),
            method,
            path,
            server="VictoriaMetrics",
            url=url,
            what=what,
            error=VictoriaMetricsError,
            wait_s=wait_s,
            params=list(params or ()),
            content=content,
        )
        status = response.status_code
        if status in (401, 403):
            raise VictoriaMetricsError(
                f"VictoriaMetrics at {url} refused {what} (HTTP {status}): "
                "check username/password (-httpAuth.*) or token",
                status,
            )
        if status >= 400:
            body = body_excerpt(response)
            raise VictoriaMetricsError(
                f"VictoriaMetrics at {url} answered HTTP {status} to {what}: {body}", status
            )
        return response

    async def _export(
        self,
        series: Iterable[Labels],
        start_ms: int,
        end_ms: int,
        doubles: dict[Labels, int] | None = None,
    ) -> Samples:
        """Stored samples in [start, end] of the series matching these labels (or more)."""
        nonce = _nonce()
        params = [("match[]", fresh_selector(labels, nonce)) for labels in series]
        params += [("start", f"{start_ms / 1000:.3f}"), ("end", f"{end_ms / 1000:.3f}")]
        response = await self._request("GET", "/api/v1/export", "a read-back", params=params)
        try:
            return parse_export(response.text, doubles)
        except (ValueError, KeyError, TypeError) as exc:
            raise VictoriaMetricsError(
                f"VictoriaMetrics at {self.config.url} sent an unreadable export ({exc}): is url a "
                "VictoriaMetrics single-node?",
                retryable=False,
            ) from None

    async def _flush(self) -> bool:
        """Make imported samples searchable now; False when the URL does not allow it."""
        if not self._can_flush:
            return False
        try:
            await self._request("GET", "/internal/force_flush", "a flush")
        except VictoriaMetricsError as exc:
            if exc.status not in (400, 401, 403, 404, 405):
                raise  # down or failing: not a reason to stop flushing
            # A proxy or -forceFlushAuthKey refuses it: verification then waits instead.
            log.info("VictoriaMetrics force_flush refused, waiting instead: %s", exc)
            self._can_flush = False
            return False
        self._unflushed = False
        return True

    async def _counts(
        self, idents: Sequence[Labels], start_ms: int, end_ms: int
    ) -> dict[Labels, int]:
        """Samples each series of these identities holds in [start, end], counted by the server."""
        window = end_ms - start_ms + 1
        nonce = _nonce()
        query = " or ".join(
            f"count_over_time({fresh_selector(ident, nonce)}[{window}ms]) keep_metric_names"
            for ident in idents
        )
        params = [("query", query), ("time", f"{end_ms / 1000:.3f}"), ("nocache", "1")]
        response = await self._request("GET", "/api/v1/query", "a count query", params=params)
        try:
            result = response.json()["data"]["result"]
            counts: dict[Labels, int] = {}
            for item in result:
                labels = tuple(sorted((str(k), str(v)) for k, v in item["metric"].items()))
                counts[labels] = int(float(item["value"][1]))
            return counts
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise VictoriaMetricsError(
                f"VictoriaMetrics at {self.config.url} sent an unreadable query answer ({exc}): "
                "is url a VictoriaMetrics single-node?",
                retryable=False,
            ) from None

    # -- the write path --------------------------------------------------------------------------

    async def _write(self, wanted: Samples, records: int) -> ExportResult:
        wanted = self._without_far_future(wanted)
        wanted = {labels: samples for labels, samples in wanted.items() if samples}
        try:
            if not wanted and not self._restore:
                return ExportResult(True, records)
            if not self.config.verify_writes:
                await self._import(import_body(self._restore, wanted))
                return ExportResult(True, records)
            await self._write_verified(wanted)
        except VictoriaMetricsError as exc:
            return ExportResult.failed(exc)
        except ValueError as exc:  # json refuses NaN and infinities
            message = f"a value cannot be written to VictoriaMetrics ({exc}): it is not a number"
            return ExportResult(False, 0, message, retryable=False)
        return ExportResult(True, records)

    async def _import(self, body: bytes) -> bool:
        """POST an import body; False when there was nothing to send."""
        if not body:
            return False
        self._unflushed = True
        await self._request("POST", "/api/v1/import", "the import", content=body)
        self._restore.clear()
        return True

    async def _write_verified(self, wanted: Samples) -> None:
        if self._unflushed:
            await self._flush()
        stamps = [ts for samples in wanted.values() for ts in samples]
        start, end = (min(stamps), max(stamps)) if stamps else (0, 0)
        idents = sorted({identity(labels) for labels in wanted})
        stored = await self._export(idents, start, end) if stamps else {}
        plan = plan_write(wanted, stored)
        for labels in plan.rewrite:
            await self._rewrite(labels, wanted)
        final = plan.final
        for labels, samples in self._restore.items():
            if identity(labels) in idents:
                final.setdefault(labels, set()).update(ts for ts in samples if start <= ts <= end)
        if plan.rewrite:
            log.info(
                "VictoriaMetrics: %d corrected series rewritten: %s",
                len(plan.rewrite),
                ", ".join(describe(labels) for labels in plan.rewrite),
            )
        sent = await self._import(import_body(self._restore, plan.send))
        # Nothing sent and nothing deleted: the read-back already proved every sample is there.
        if stamps and (sent or plan.rewrite):
            await self._verify(final, idents, start, end)

    async def _rewrite(self, labels: Labels, wanted: Samples) -> None:
        """Export a stored series whole, delete it, and keep its samples outside the batch.

        The kept samples wait in ``_restore`` for the next import; they are taken only once the
        deletion succeeded, so a failure before it changes nothing.
        """
        batch_stamps = {
            ts
            for other, samples in wanted.items()
            if identity(other) == identity(labels)
            for ts in samples
        }
        # Unflushed samples are not searchable yet and would be deleted unseen. (Without
        # force_flush, this run's own imports were already seen by their verification.)
        await self._flush()
        whole = await self._export([labels], 0, _ALL_TIME_END_S * 1000)
        await self._request(
            "POST",
            "/api/v1/admin/tsdb/delete_series",
            "the deletion of a corrected series (it must run without -deleteAuthKey)",
            params=[("match[]", fresh_selector(labels, _nonce()))],
        )
        for found, samples in whole.items():
            # The selector also matches series with more labels (another writer's): they are
            # deleted with it, so all of their samples come back.
            keep = (
                samples
                if found != labels
                else {ts: v for ts, v in samples.items() if ts not in batch_stamps}
            )
            if keep:
                self._restore.setdefault(found, {}).update(keep)

    async def _verify(
        self, final: dict[Labels, set[int]], idents: Sequence[Labels], start: int, end: int
    ) -> None:
        """Count each series' samples in [start, end] on the server: exactly ``final``'s."""
        # After force_flush the samples are searchable at once (one re-check is for safety);
        # without it VictoriaMetrics takes seconds.
        flushed = await self._flush()
        delays = [0.1] if flushed else [_POLL_S] * int(_VISIBLE_WITHOUT_FLUSH_S / _POLL_S)
        wanted_idents = set(idents)
        while True:
            counts = await self._counts(idents, start, end)
            mismatched = [
                labels
                for labels in set(counts) | set(final)
                if identity(labels) in wanted_idents
                and counts.get(labels, 0) != len(final.get(labels, ()))
            ]
            if not mismatched:
                return
            if not delays:
                break
            await self._sleep(delays.pop())
        error = await self._explain(final, mismatched, start, end)
        if error is not None:
            raise error
        log.info(
            "VictoriaMetrics: the count query disagreed with the raw read-back of %s; the "
            "read-back holds exactly the expected samples",
            ", ".join(describe(labels) for labels in sorted(mismatched)),
        )

    async def _explain(
        self, final: dict[Labels, set[int]], mismatched: list[Labels], start: int, end: int
    ) -> VictoriaMetricsError | None:
        """Why the counts disagree, from a raw read-back; None when it holds exactly ``final``."""
        doubles: dict[Labels, int] = {}
        stored = await self._export(sorted(mismatched), start, end, doubles)
        return mismatch_error(final, mismatched, stored, doubles, start, end)

    def _without_far_future(self, wanted: Samples) -> Samples:
        limit = ms(datetime.now(UTC) + FUTURE_LIMIT)
        if all(max(samples, default=0) <= limit for samples in wanted.values()):
            return wanted
        kept: Samples = {}
        dropped = 0
        for labels, samples in wanted.items():
            near = {ts: v for ts, v in samples.items() if ts <= limit}
            dropped += len(samples) - len(near)
            kept[labels] = near
        if not self._warned_future:
            self._warned_future = True
            log.warning(
                "VictoriaMetrics refuses samples more than 2 days ahead: %d forecast samples "
                "(EcoWatt J+2/J+3) were not written",
                dropped,
            )
        return kept

    # -- the contract ----------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """Health, an empty import (write access) and an empty read-back (read access)."""
        started = time.perf_counter()
        quick = min(5.0, self.config.timeout_seconds)
        try:
            health = await self._request("GET", "/health", "the health check", wait_s=quick)
            if health.text.strip() != "OK":
                raise VictoriaMetricsError(
                    f"{self.config.url}/health answered {health.text.strip()[:60]!r}, not OK: is "
                    "url the address of VictoriaMetrics single-node?"
                )
            await self._request(
                "POST", "/api/v1/import", "an empty import", content=b"", wait_s=quick
            )
            if self.config.verify_writes:
                probe = selector([("__name__", "myelectricaldata_connection_test")])
                await self._request(
                    "GET",
                    "/api/v1/export",
                    "a read-back",
                    params=[("match[]", probe), ("start", "0"), ("end", "1")],
                    wait_s=quick,
                )
            warnings = await self._flag_warnings(quick)
        except VictoriaMetricsError as exc:
            return ConnectionTestResult(
                False,
                "VictoriaMetrics: connection test failed",
                error=str(exc),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        message = f"VictoriaMetrics at {self.config.url} is up and accepts writes"
        if warnings:
            message += "; warning: " + "; ".join(warnings)
        return ConnectionTestResult(
            True, message, latency_ms=(time.perf_counter() - started) * 1000
        )

    async def _flag_warnings(self, wait_s: float) -> list[str]:
        """Flags that would lose history, read from /metrics when it is reachable."""
        try:
            text = (await self._request("GET", "/metrics", "/metrics", wait_s=wait_s)).text
        except VictoriaMetricsError:
            return []
        return flag_warnings(text)

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily and load-curve consumption (Wh, and W for the load curve), or max power (VA)."""
        samples = series_samples(data, "consumption", self.config.extra_labels)
        return await self._write(samples, len(data.points))

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily and load-curve production (Wh, and W for the load curve)."""
        samples = series_samples(data, "production", self.config.extra_labels)
        return await self._write(samples, len(data.points))

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours as codes 1/2/3 with a ``color`` label."""
        return await self._write(tempo_samples(data.days, self.config.extra_labels), len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt day and hourly levels."""
        samples = ecowatt_samples(data.days, self.config.extra_labels)
        return await self._write(samples, len(data.days))

    async def aclose(self) -> None:
        """Close the HTTP client; say so if a corrected series could not be restored."""
        if self._restore:
            first = min(ts for samples in self._restore.values() for ts in samples)
            log.error(
                "VictoriaMetrics: %d samples of series deleted to apply a correction could not "
                "be imported again; run 'export again from %s' once VictoriaMetrics is back",
                sum(len(s) for s in self._restore.values()),
                when(first)[:10],
            )
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _nonce() -> str:
    return os.urandom(8).hex()
