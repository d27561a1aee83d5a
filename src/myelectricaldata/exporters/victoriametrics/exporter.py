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
import json
import logging
import math
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any, ClassVar

import httpx
from pydantic import Field, field_validator

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import PARIS, ecowatt_hours
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoDay
from myelectricaldata.exporters.base import (
    TEMPO_CODE,
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterConfig,
    ExportResult,
    ProductionData,
    SeriesData,
    TempoData,
    secret_field,
)
from myelectricaldata.exporters.http import (
    ExportHTTPError,
    body_excerpt,
    check_base_url,
    make_client,
    parse_pairs,
    send,
    timeout_field,
    verify_tls_field,
)

log = logging.getLogger(__name__)

CONSUMPTION_WH = "myelectricaldata_consumption_wh"
PRODUCTION_WH = "myelectricaldata_production_wh"
POWER_W = "myelectricaldata_power_w"
MAX_POWER_VA = "myelectricaldata_max_power_va"
TEMPO_COLOR = "myelectricaldata_tempo_color"
ECOWATT_LEVEL = "myelectricaldata_ecowatt_level"

#: Labels that describe a value rather than identify the point: one of them per timestamp.
ATTRIBUTE_LABELS = frozenset({"quality", "color"})
#: Labels the exporter sets itself; ``extra_labels`` may not use them.
RESERVED_LABELS = frozenset({"__name__", "pdl", "granularity", "direction", "quality", "color"})
#: VictoriaMetrics drops samples more than two days ahead of its clock (checked on 1.79).
FUTURE_LIMIT = timedelta(days=2) - timedelta(minutes=10)
#: End of "all time" for whole-series exports (2100-01-01).
_ALL_TIME_END_S = 4102444800
#: How long verification waits for samples to become searchable when force_flush is refused
#: (1.79 makes them searchable within about 2 s: rows and index rows are flushed every second).
_VISIBLE_WITHOUT_FLUSH_S = 20.0
_POLL_S = 0.5
#: Retention below which test_connection warns: the store holds three years of daily values.
_MIN_RETENTION_DAYS = 4 * 365

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: ``myelectricaldata_lookup!="<random>"`` is true for every series (none carries that value):
#: it only makes each read's selector new to VictoriaMetrics' series cache (module docstring).
_LOOKUP_LABEL = "myelectricaldata_lookup"

Labels = tuple[tuple[str, str], ...]
"""A series' labels, sorted by name, ``__name__`` included."""
Samples = dict[Labels, dict[int, float]]
"""Samples by series: timestamp in ms -> value."""


class VictoriaMetricsError(ExportHTTPError):
    """A request failed or VictoriaMetrics did not keep what it was sent; the message says why.

    ``status`` is the HTTP status when VictoriaMetrics answered with an error, else None.
    ``retryable`` is False when trying again can't help (credentials, a 4xx, dropped samples);
    when not given, no answer (down, timeout), busy or a server error is retryable.
    """


# -- configuration ------------------------------------------------------------------------------


class VictoriaMetricsConfig(ExporterConfig):
    """Where VictoriaMetrics listens, how to authenticate, and labels added to every series."""

    env_prefix: ClassVar[str] = "VICTORIAMETRICS"

    url: str = Field(
        "http://localhost:8428",
        description="Base URL of VictoriaMetrics single-node (…/api/v1/import is appended). "
        "Run it with -retentionPeriod=100y and -dedup.minScrapeInterval=1ms.",
    )
    username: str = Field("", description="HTTP Basic user (-httpAuth.username); empty for none.")
    password: str = secret_field("", "HTTP Basic password (-httpAuth.password).")
    token: str = secret_field(
        "", "Bearer token (e.g. a vmauth user); sent instead of Basic auth when set."
    )
    extra_labels: dict[str, str] = Field(
        default_factory=dict,
        description='Labels added to every series, e.g. {"home": "paris"} '
        "(environment: home=paris,site=a). Changing them starts new series.",
    )
    verify_writes: bool = Field(
        True,
        description="Read each batch back (needs /api/v1/export, /api/v1/query and "
        "/internal/force_flush). Off: samples VictoriaMetrics drops and corrections go "
        "unnoticed; only for a URL that accepts writes only.",
    )
    timeout_seconds: float = timeout_field()
    verify_tls: bool = verify_tls_field()

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return check_base_url(value, "http://localhost:8428")

    @field_validator("extra_labels", mode="before")
    @classmethod
    def _labels_from_text(cls, value: Any) -> Any:
        return parse_pairs(value, "labels")

    @field_validator("extra_labels")
    @classmethod
    def _check_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name, label_value in value.items():
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"{name!r} is not a label name: use letters, digits and _")
            if name in RESERVED_LABELS:
                raise ValueError(f"{name!r} is set by the exporter: choose another label name")
            if not label_value:
                raise ValueError(f"label {name!r} has an empty value: give it a value or drop it")
        return value


# -- mapping of our data to samples -------------------------------------------------------------


def _ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def _labels(name: str, extra: Mapping[str, str], **labels: str) -> Labels:
    return tuple(sorted({**extra, **labels, "__name__": name}.items()))


def identity(labels: Labels) -> Labels:
    """The labels that identify a point's series, without the attribute labels."""
    return tuple(item for item in labels if item[0] not in ATTRIBUTE_LABELS)


def series_samples(data: SeriesData, direction: str, extra: Mapping[str, str]) -> Samples:
    """Samples of a consumption, production or max-power batch, stamped at each period's start."""
    fixed = {"pdl": data.pdl}
    if data.stream is Stream.MAX_POWER:
        names = [(MAX_POWER_VA, False)]
        fixed["granularity"] = "daily"
    else:
        energy = PRODUCTION_WH if direction == "production" else CONSUMPTION_WH
        names = [(energy, False)]
        fixed["granularity"] = data.stream.granularity
        if data.stream.is_detail:
            names.append((POWER_W, True))
    points = data.points
    qualities = {point.quality for point in points}
    samples: Samples = {}
    for quality in sorted(qualities):
        # One quality per batch is the rule: the filter only runs on mixed batches.
        rows = points if len(qualities) == 1 else [p for p in points if p.quality == quality]
        stamps = [round(p.start.timestamp() * 1000) for p in rows]
        for name, is_power in names:
            labels = {**fixed, "quality": quality}
            if is_power:
                labels["direction"] = direction
                values = {
                    ts: float(p.avg_w)
                    for ts, p in zip(stamps, rows, strict=True)
                    if p.avg_w is not None
                }
            else:
                values = dict(zip(stamps, [float(p.value) for p in rows], strict=True))
            if values:
                samples[_labels(name, extra, **labels)] = values
    return samples


def tempo_samples(days: Iterable[TempoDay], extra: Mapping[str, str]) -> Samples:
    """Tempo colour codes (1 blue, 2 white, 3 red) with a ``color`` label, at 06:00 of the day."""
    samples: Samples = {}
    for day in days:
        labels = _labels(TEMPO_COLOR, extra, color=day.color.value)
        samples.setdefault(labels, {})[_ms(tempo_instant(day.day))] = float(TEMPO_CODE[day.color])
    return samples


def ecowatt_samples(days: Iterable[EcoWattDay], extra: Mapping[str, str]) -> Samples:
    """EcoWatt day levels at local midnight and hourly levels at each local hour."""
    day_labels = _labels(ECOWATT_LEVEL, extra, granularity="day")
    hour_labels = _labels(ECOWATT_LEVEL, extra, granularity="hour")
    samples: Samples = {day_labels: {}, hour_labels: {}}
    for day in days:
        midnight = datetime.combine(day.day, clock(0), tzinfo=PARIS)
        samples[day_labels][_ms(midnight)] = float(day.level)
        for hour, instant in ecowatt_hours(day.day):
            if hour < len(day.hourly):
                samples[hour_labels][_ms(instant)] = float(day.hourly[hour])
    return samples


# -- reconciliation with what is stored ---------------------------------------------------------


def _same(a: float, b: float) -> bool:
    # VictoriaMetrics stores values as decimals: allow for the last binary digits.
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@dataclass(slots=True)
class WritePlan:
    """What a batch needs once compared with the stored samples of its time range."""

    send: Samples
    """Samples to import (those already stored with the same value are left out)."""
    rewrite: list[Labels]
    """Stored series holding another value (or another quality/colour) at a batch timestamp."""
    final: dict[Labels, set[int]]
    """Timestamps each series of the batch's identities must hold in the range afterwards."""
    present: int
    """Samples already stored with the same value."""


def plan_write(wanted: Samples, stored: Samples) -> WritePlan:
    """Compare a batch with the samples stored in its time range (pure: no I/O)."""
    if not stored:  # new history: the common case, kept cheap
        return WritePlan(dict(wanted), [], {k: set(v) for k, v in wanted.items()}, 0)
    owner: dict[Labels, dict[int, Labels]] = {}
    for labels, samples in wanted.items():
        slot = owner.setdefault(identity(labels), {})
        for ts in samples:
            slot[ts] = labels
    rewrite: set[Labels] = set()
    present: dict[Labels, set[int]] = {}
    for labels, samples in stored.items():
        ours = owner.get(identity(labels))
        if ours is None:
            continue  # a series with labels of its own (another writer): not ours to touch
        for ts, value in samples.items():
            want = ours.get(ts)
            if want is None:
                continue
            if want == labels and _same(value, wanted[want][ts]):
                present.setdefault(labels, set()).add(ts)
            else:
                rewrite.add(labels)
    send: Samples = {}
    for labels, samples in wanted.items():
        skip = set() if labels in rewrite else present.get(labels, set())
        remaining = {ts: v for ts, v in samples.items() if ts not in skip}
        if remaining:
            send[labels] = remaining
    final: dict[Labels, set[int]] = {}
    for labels, samples in stored.items():
        batch = owner.get(identity(labels))
        if batch is None:
            continue
        kept = set(samples)
        if labels in rewrite:
            kept = {ts for ts in kept if ts not in batch}
        final[labels] = kept
    for labels, samples in wanted.items():
        final.setdefault(labels, set()).update(samples)
    return WritePlan(
        send,
        sorted(rewrite),
        final,
        sum(len(ts) for labels, ts in present.items() if labels not in rewrite),
    )


def selector(labels: Iterable[tuple[str, str]]) -> str:
    """A series selector matching these labels exactly (and series with more labels)."""
    return "{" + ",".join(f"{name}={_quote(value)}" for name, value in labels) + "}"


def fresh_selector(labels: Iterable[tuple[str, str]], nonce: str) -> str:
    """``selector(labels)`` plus an always-true matcher no earlier lookup used (see the module
    docstring): VictoriaMetrics answers it from its index, not from a cached lookup."""
    matchers = [f"{name}={_quote(value)}" for name, value in labels]
    return "{" + ",".join([*matchers, f"{_LOOKUP_LABEL}!={_quote(nonce)}"]) + "}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def describe(labels: Labels) -> str:
    """``name{label="value",...}`` for messages."""
    name = dict(labels).get("__name__", "")
    return name + selector(item for item in labels if item[0] != "__name__")


def _when(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).astimezone(PARIS).isoformat()


def import_body(*parts: Samples) -> bytes:
    """JSON lines for ``/api/v1/import``: one line per series, timestamps sorted."""
    merged: Samples = {}
    for part in parts:
        for labels, samples in part.items():
            merged.setdefault(labels, {}).update(samples)
    lines = []
    for labels, samples in merged.items():
        if not samples:
            continue
        stamps = list(samples)
        if stamps == sorted(stamps):  # batches come oldest first: no re-ordering needed
            values = list(samples.values())
        else:
            stamps.sort()
            values = [samples[ts] for ts in stamps]
        lines.append(
            json.dumps(
                {"metric": dict(labels), "values": values, "timestamps": stamps},
                separators=(",", ":"),
                allow_nan=False,
            )
        )
    return "\n".join(lines).encode()


def parse_export(text: str, doubles: dict[Labels, int] | None = None) -> Samples:
    """Samples of an ``/api/v1/export`` answer (JSON lines).

    A timestamp a series holds twice (a server without ``-dedup.minScrapeInterval``) is kept
    once; ``doubles``, when given, receives how many such extra samples each series holds.
    """
    samples: Samples = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        labels = tuple(sorted((str(k), str(v)) for k, v in item["metric"].items()))
        target = samples.setdefault(labels, {})
        before = len(target)
        stamps = item["timestamps"]
        for ts, value in zip(stamps, item["values"], strict=True):
            target[int(ts)] = float(value)
        if doubles is not None and len(target) - before != len(stamps):
            doubles[labels] = doubles.get(labels, 0) + len(stamps) - (len(target) - before)
    return samples


# -- the exporter -------------------------------------------------------------------------------


class VictoriaMetricsExporter(BaseExporter):
    """Writes the history to VictoriaMetrics and proves every sample was kept."""

    name: ClassVar[str] = "victoriametrics"
    title: ClassVar[str] = "VictoriaMetrics"
    config_model: ClassVar[type[ExporterConfig]] = VictoriaMetricsConfig
    supports_history: ClassVar[bool] = True
    # One import, flush and count per call: large batches amortise them (two years = 35,040).
    batch_size: ClassVar[int] = 50_000

    def __init__(self, config: ExporterConfig) -> None:
        if not isinstance(config, VictoriaMetricsConfig):
            raise TypeError("VictoriaMetricsExporter needs a VictoriaMetricsConfig")
        super().__init__(config)
        self.cfg: VictoriaMetricsConfig = config
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
                self.cfg.url,
                timeout_s=self.cfg.timeout_seconds,
                verify_tls=self.cfg.verify_tls,
                authorization=f"Bearer {self.cfg.token}" if self.cfg.token else None,
                username=self.cfg.username,
                password=self.cfg.password,
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
        url = self.cfg.url
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
                f"VictoriaMetrics at {self.cfg.url} sent an unreadable export ({exc}): is url a "
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
                f"VictoriaMetrics at {self.cfg.url} sent an unreadable query answer ({exc}): "
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
            if not self.cfg.verify_writes:
                await self._import(import_body(self._restore, wanted))
                return ExportResult(True, records)
            await self._write_verified(wanted)
        except VictoriaMetricsError as exc:
            return ExportResult(False, 0, str(exc), retryable=exc.retryable)
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
        missing = [
            (ts, labels)
            for labels in mismatched
            for ts in final.get(labels, ())
            if ts not in stored.get(labels, {})
        ]
        foreign = {
            labels: len(set(stored.get(labels, ())) - final.get(labels, set()))
            for labels in mismatched
        }
        surplus = sorted(labels for labels in mismatched if doubles.get(labels) or foreign[labels])
        expected = sum(len(final.get(labels, ())) for labels in mismatched)
        if missing:
            ts, labels = min(missing)
            return VictoriaMetricsError(
                f"VictoriaMetrics answered 204 but {len(missing)} of {expected} samples are "
                f"missing on read-back (first: {describe(labels)} at {_when(ts)}): it drops "
                "samples outside its retention without an error. Start VictoriaMetrics with "
                "-retentionPeriod=100y (the default keeps 1 month), then run the export again; "
                "its log says 'cannot insert row with too small timestamp'.",
                retryable=False,
            )
        if not surplus:
            return None
        labels = surplus[0]
        found = []
        if doubles.get(labels):
            found.append(f"{doubles[labels]} stored twice")
        if foreign[labels]:
            found.append(f"{foreign[labels]} not written by this export")
        return VictoriaMetricsError(
            f"VictoriaMetrics holds more samples than were written for {describe(labels)} "
            f"between {_when(start)} and {_when(end)} ({', '.join(found)}): start it with "
            "-dedup.minScrapeInterval=1ms so that a sample sent twice is stored once, and let "
            "only one writer use these series (or give each its own extra_labels).",
            retryable=False,
        )

    def _without_far_future(self, wanted: Samples) -> Samples:
        limit = _ms(datetime.now(UTC) + FUTURE_LIMIT)
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
        quick = min(5.0, self.cfg.timeout_seconds)
        try:
            health = await self._request("GET", "/health", "the health check", wait_s=quick)
            if health.text.strip() != "OK":
                raise VictoriaMetricsError(
                    f"{self.cfg.url}/health answered {health.text.strip()[:60]!r}, not OK: is "
                    "url the address of VictoriaMetrics single-node?"
                )
            await self._request(
                "POST", "/api/v1/import", "an empty import", content=b"", wait_s=quick
            )
            if self.cfg.verify_writes:
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
        message = f"VictoriaMetrics at {self.cfg.url} is up and accepts writes"
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
        flags = dict(re.findall(r'^flag\{name="([^"]+)", value="([^"]*)"', text, re.MULTILINE))
        warnings = []
        retention = _retention_days(flags.get("retentionPeriod", ""))
        if retention is not None and retention < _MIN_RETENTION_DAYS:
            warnings.append(
                f"-retentionPeriod={flags['retentionPeriod']} keeps about {retention:.0f} days: "
                "older history is dropped; restart VictoriaMetrics with -retentionPeriod=100y"
            )
        if flags.get("dedup.minScrapeInterval") in ("0s", "0"):
            warnings.append(
                "-dedup.minScrapeInterval is not set: restart VictoriaMetrics with "
                "-dedup.minScrapeInterval=1ms so that a re-sent sample is stored once"
            )
        return warnings

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily and load-curve consumption (Wh, and W for the load curve), or max power (VA)."""
        samples = series_samples(data, "consumption", self.cfg.extra_labels)
        return await self._write(samples, len(data.points))

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily and load-curve production (Wh, and W for the load curve)."""
        samples = series_samples(data, "production", self.cfg.extra_labels)
        return await self._write(samples, len(data.points))

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours as codes 1/2/3 with a ``color`` label."""
        return await self._write(tempo_samples(data.days, self.cfg.extra_labels), len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt day and hourly levels."""
        samples = ecowatt_samples(data.days, self.cfg.extra_labels)
        return await self._write(samples, len(data.days))

    async def aclose(self) -> None:
        """Close the HTTP client; say so if a corrected series could not be restored."""
        if self._restore:
            first = min(ts for samples in self._restore.values() for ts in samples)
            log.error(
                "VictoriaMetrics: %d samples of series deleted to apply a correction could not "
                "be imported again; run 'export again from %s' once VictoriaMetrics is back",
                sum(len(s) for s in self._restore.values()),
                _when(first)[:10],
            )
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _nonce() -> str:
    return os.urandom(8).hex()


def _retention_days(value: str) -> float | None:
    """Days of a -retentionPeriod flag value (a bare number means months)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([hdwy]?)", value.strip())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    per_unit = {"": 31.0, "h": 1 / 24, "d": 1.0, "w": 7.0, "y": 365.0}[unit]
    return number * per_unit
