"""Imports the statistics of one PDL and direction (a "group") into Home Assistant.

From a day on, everything is recomputed from the store and sent again, each statistic's sum
continuing from the sum Home Assistant holds just before that day. ``recorder/import_statistics``
is an upsert on (statistic, hour), so sending an overlapping range again rewrites the same rows
with the same sums, a corrected hour re-sends every later hour with corrected sums, and an import
cut by a disconnect is completed by sending it again.

Per group and run: one ``get_statistics_metadata`` (which statistics exist), one
``statistics_during_period`` for the sums before the first hour (none on a first import), the
imports (messages cut to ``max_message_bytes``, a window of them in flight) and a read-back of the
newest hour, polled until the recorder has stored it: only then does the export report success.
A statistic HA does not have yet (first import, cost switched on, statistics cleared) makes the
group start again from its oldest day, so it gets its whole history.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from myelectricaldata.domain.offers import Period
from myelectricaldata.domain.offpeak import OffpeakHistory
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, PricingOption, TempoColor
from myelectricaldata.exporters.context import DatedPricing, StoreView
from myelectricaldata.exporters.home_assistant.messages import (
    chunk_messages,
    interleave,
    message_builder,
)
from myelectricaldata.exporters.home_assistant.statistics import (
    Hourly,
    OfferHours,
    StatisticRows,
    StatisticSpec,
    TariffClassifier,
    build_hourly,
    dated_tag_prices,
    energy_tags,
    fallback_tag,
    iso_hours,
    metadata,
    midnight_ts,
    statistic_rows,
    statistic_specs,
)
from myelectricaldata.exporters.home_assistant.websocket import (
    HomeAssistantError,
    HomeAssistantWebSocket,
    MessageBuilder,
)

log = logging.getLogger(__name__)

#: Days read before the first recomputed day to find the hour whose sums continue.
LOOKBACK_DAYS = 7
#: Hour window searched in HA for the last sum before a full recompute (then month rows).
HA_LOOKBACK_DAYS = 35
#: Import messages awaiting their ``result`` at once.
WINDOW = 4
_FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
_FAR_FUTURE = date(2100, 1, 1)
#: Home Assistant releases that take ``mean_type``/``unit_class`` (and require them in 2026.11).
MODERN_METADATA = (2025, 11)


@dataclass(slots=True)
class GroupSource:
    """What the store holds for a group from a day on (plus the days just before)."""

    pdl: str
    direction: Direction
    option: PricingOption | None
    hourly: Hourly
    #: Load-curve rows read: start_ts -> (minutes, avg_w).
    curve: dict[int, tuple[int, int]]
    daily: dict[date, int]
    tempo: dict[date, TempoColor]
    #: Oldest day with data (``None``: the group has no data at all).
    oldest: date | None
    #: First day recomputed (rows from its local midnight are sent).
    first_day: date | None
    #: The offer rows pricing each day read (consumption with a dated pricing), else ``None``.
    periods: tuple[Period, ...] | None = None

    @property
    def first_ts(self) -> int:
        """Epoch seconds of the first recomputed hour."""
        return midnight_ts(self.first_day) if self.first_day else 0


@dataclass(slots=True)
class Coverage:
    """What a group import of this run sent, to skip the batches it already covered."""

    first_ts: int
    #: True when it started at the group's oldest day (nothing before it).
    full: bool
    curve: dict[int, tuple[int, int]]
    daily: dict[date, int]
    tempo: dict[date, TempoColor]


@dataclass(slots=True)
class ImportReport:
    """Outcome of a group import."""

    rows: int = 0
    messages: int = 0
    statistics: int = 0
    full: bool = False
    first_day: date | None = None
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def oldest_day(store: StoreView, pdl: str, direction: Direction) -> date | None:
    """The oldest local day with a daily value or a load-curve point (blocking)."""
    days = store.daily(pdl, direction, date(1970, 1, 2), _FAR_FUTURE)
    oldest = days[0].day if days else None
    first = next(
        store.iter_load_curve_rows(
            pdl, direction, datetime(1970, 1, 2, tzinfo=UTC), local_midnight(_FAR_FUTURE), batch=1
        ),
        [],
    )
    if first:
        curve_day = datetime.fromtimestamp(first[0][0], PARIS).date()
        oldest = curve_day if oldest is None else min(oldest, curve_day)
    return oldest


def read_group(
    store: StoreView,
    pdl: str,
    direction: Direction,
    since: date | None,
    pricing: DatedPricing | None = None,
) -> GroupSource:
    """The group's data from ``since`` (``None``: from its oldest day) minus
    :data:`LOOKBACK_DAYS`, its hourly energy, and the Tempo colours it was split with. With a
    ``pricing``, consumption is split with the hours of the offer row pricing each day when it
    has its own (:class:`OfferHours`), as the web UI prices it."""
    stored = store.usage_point(pdl)
    option = stored.point.pricing_option if stored is not None else None
    history = stored.offpeak_history if stored is not None else OffpeakHistory([])
    oldest = oldest_day(store, pdl, direction)
    tags = energy_tags(direction, option)
    if oldest is None:
        return GroupSource(pdl, direction, option, Hourly(tags), {}, {}, {}, None, None)
    first_day = oldest if since is None or since < oldest else since
    read_from = first_day - timedelta(days=LOOKBACK_DAYS)
    daily = {row.day: row.value_wh for row in store.daily(pdl, direction, read_from, _FAR_FUTURE)}
    rows = [
        row
        for batch in store.iter_load_curve_rows(
            pdl, direction, local_midnight(read_from), local_midnight(_FAR_FUTURE), batch=20_000
        )
        for row in batch
    ]
    periods = None
    if pricing is not None and stored is not None and direction is Direction.CONSUMPTION:
        last_curve = [datetime.fromtimestamp(r[0], PARIS).date() for r in rows[-1:]]
        newest = max([*daily, *last_curve], default=first_day)
        periods = pricing.pricing(stored, read_from, max(newest, first_day)).periods
        history = OfferHours(history, periods)
    tempo: dict[date, TempoColor] = {}
    classify = None
    if direction is Direction.CONSUMPTION and option not in (None, PricingOption.BASE,
                                                             PricingOption.EJP):  # fmt: skip
        if option is PricingOption.TEMPO:
            tempo = {d.day: d.color for d in store.tempo(read_from - timedelta(days=1),
                                                         _FAR_FUTURE)}  # fmt: skip
        classify = TariffClassifier(option, history, tempo, tags)
    hourly = build_hourly(rows, daily, tags, fallback_tag(direction, option), classify)
    curve = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
    return GroupSource(
        pdl, direction, option, hourly, curve, daily, tempo, oldest, first_day, periods
    )


class GroupImporter:
    """Runs group imports on one connection; keeps what it covered for the rest of the run."""

    def __init__(
        self,
        store: StoreView,
        ws: Callable[[], Any],
        *,
        prefix: str,
        prices: Callable[[], TariffPrices | None],
        pricing: DatedPricing | None = None,
        max_message_bytes: int,
        wait_seconds: float,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.store = store
        self._ws = ws
        self.prefix = prefix
        self._prices = prices
        self._pricing = pricing
        self.max_message_bytes = max_message_bytes
        self.wait_seconds = wait_seconds
        self.on_progress = on_progress
        self.coverage: dict[tuple[str, Direction], Coverage] = {}
        self.reports: list[ImportReport] = []

    # -- coverage of the batches of this run --

    def covers_curve(self, pdl: str, direction: Direction, points: Sequence[tuple[int, int, float]]
                     ) -> bool:  # fmt: skip
        """True if every ``(start_ts, minutes, avg_w)`` point was sent, with that value."""
        cov = self.coverage.get((pdl, direction))
        if cov is None:
            return False
        return all(
            ts >= cov.first_ts and cov.curve.get(ts) == (minutes, round(avg_w))
            for ts, minutes, avg_w in points
        )

    def covers_daily(self, pdl: str, direction: Direction, days: Sequence[tuple[date, float]]
                     ) -> bool:  # fmt: skip
        """True if every ``(day, Wh)`` value was sent (or its day's load curve was)."""
        cov = self.coverage.get((pdl, direction))
        if cov is None:
            return False
        return all(
            midnight_ts(day) >= cov.first_ts and cov.daily.get(day) == round(wh) for day, wh in days
        )

    def covers_tempo(self, pdl: str, day: date, color: TempoColor) -> bool:
        """True if the consumption of ``pdl`` was split with this colour for ``day``."""
        cov = self.coverage.get((pdl, Direction.CONSUMPTION))
        if cov is None:
            return False
        if cov.full and midnight_ts(day + timedelta(days=1)) < cov.first_ts:
            return True  # the day's hours are before the oldest data
        # Hours before 06:00 belong to the previous Tempo day: a whole-history import also
        # split the first day's early hours with the colour of the day before.
        starts = midnight_ts(day) if not cov.full else midnight_ts(day + timedelta(days=1))
        return starts >= cov.first_ts and cov.tempo.get(day) == color

    # -- import --

    async def sync(self, pdl: str, direction: Direction, since: date | None) -> ImportReport:
        """Recompute the group from ``since`` (``None``: its oldest day) and import it."""
        started = time.perf_counter()
        ws: HomeAssistantWebSocket = await self._ws()
        prices = self._prices()
        source = await asyncio.to_thread(
            read_group, self.store, pdl, direction, since, self._pricing
        )
        report = ImportReport()
        if source.oldest is None or not source.hourly.hours:
            return report
        specs = statistic_specs(self.prefix, pdl, direction, source.option, prices)
        ids = [s.statistic_id for s in specs]
        existing = await self._existing(ws, ids)
        start = source.hourly.index_from(source.first_ts)
        if start >= len(source.hourly.hours):
            return report  # nothing stored from that day on
        bases: dict[str, int] | None = None
        if source.first_day != source.oldest and set(ids) <= existing:
            bases = await self._continued_sums(ws, source, specs)
        if bases is None:
            if source.first_day != source.oldest:
                source = await asyncio.to_thread(
                    read_group, self.store, pdl, direction, None, self._pricing
                )
                start = source.hourly.index_from(source.first_ts)
            report.full = True
            known = [s for s in specs if s.statistic_id in existing]
            bases = await self._sums_before(ws, source.first_ts, known)
        report.first_day = source.first_day
        if prices is not None and source.periods is not None:
            dated = self._dated(source)
            specs = statistic_specs(self.prefix, pdl, direction, source.option, prices, dated)
        all_rows = [
            statistic_rows(source.hourly, spec, start, bases.get(spec.statistic_id, 0))
            for spec in specs
        ]
        await self._send(ws, all_rows, report)
        await self._confirm(ws, all_rows)
        self.coverage[(pdl, direction)] = Coverage(
            source.first_ts,
            source.first_day == source.oldest,
            {ts: v for ts, v in source.curve.items() if ts >= source.first_ts},
            {d: v for d, v in source.daily.items() if midnight_ts(d) >= source.first_ts},
            source.tempo,
        )
        report.statistics = len(specs)
        report.elapsed_s = time.perf_counter() - started
        self.reports.append(report)
        log.info(
            "home_assistant: %s %s: %d rows of %d statistics from %s in %d messages (%.1f s)%s",
            pdl, direction.value, report.rows, report.statistics, report.first_day,
            report.messages, report.elapsed_s, " (whole history)" if report.full else "",
        )  # fmt: skip
        return report

    @staticmethod
    def _dated(source: GroupSource) -> dict[str, dict[int, float]] | None:
        """EUR/kWh of each tag by local day, from the offer rows that priced the group's days."""
        if source.periods is None:
            return None
        return dated_tag_prices(source.periods, source.hourly.tags)

    async def _existing(self, ws: HomeAssistantWebSocket, ids: list[str]) -> set[str]:
        found = await ws.command("recorder/get_statistics_metadata", statistic_ids=ids)
        return {item["statistic_id"] for item in found or [] if isinstance(item, dict)}

    async def _continued_sums(
        self, ws: HomeAssistantWebSocket, source: GroupSource, specs: list[StatisticSpec]
    ) -> dict[str, int] | None:
        """Sums of every statistic at the last stored hour before the first recomputed one,
        read from HA; ``None`` when HA does not hold that hour for all of them (a gap: the
        whole history is then sent again)."""
        previous = source.hourly.last_before(source.first_ts)
        if previous is None:
            return None
        answer = await ws.command(
            "recorder/statistics_during_period",
            start_time=_iso(previous),
            end_time=_iso(previous + 3600),
            statistic_ids=[s.statistic_id for s in specs],
            period="hour",
            types=["sum"],
        )
        bases: dict[str, int] = {}
        for spec in specs:
            rows = (answer or {}).get(spec.statistic_id) or []
            row = next((r for r in rows if r.get("start") == previous * 1000), None)
            if row is None or row.get("sum") is None:
                log.warning(
                    "home_assistant: %s has no row at %s although the store has data there: "
                    "sending its whole history again",
                    spec.statistic_id,
                    _iso(previous),
                )
                return None
            bases[spec.statistic_id] = spec.from_value(float(row["sum"]))
        return bases

    async def _sums_before(
        self, ws: HomeAssistantWebSocket, first_ts: int, specs: list[StatisticSpec]
    ) -> dict[str, int]:
        """The last sum HA holds before ``first_ts`` for each statistic (0 when none): rows of
        an earlier installation keep counting from where they were."""
        if not specs:
            return {}
        ids = [s.statistic_id for s in specs]
        window_start = first_ts - HA_LOOKBACK_DAYS * 86400
        recent = await ws.command(
            "recorder/statistics_during_period",
            start_time=_iso(window_start),
            end_time=_iso(first_ts),
            statistic_ids=ids,
            period="hour",
            types=["sum"],
        )
        # HA aligns a month query's end up to the end of its month: stop it well before the
        # window above so that no month row reaches past first_ts.
        older = await ws.command(
            "recorder/statistics_during_period",
            start_time=_FAR_PAST.isoformat(),
            end_time=_iso(first_ts - (HA_LOOKBACK_DAYS - 2) * 86400),
            statistic_ids=ids,
            period="month",
            types=["sum"],
        )
        bases: dict[str, int] = {}
        for spec in specs:
            rows = [
                r
                for r in ((recent or {}).get(spec.statistic_id) or [])
                if r.get("start", 0) < first_ts * 1000 and r.get("sum") is not None
            ]
            if not rows:
                rows = [r for r in ((older or {}).get(spec.statistic_id) or [])
                        if r.get("sum") is not None]  # fmt: skip
            if rows:
                bases[spec.statistic_id] = spec.from_value(float(rows[-1]["sum"]))
        return bases

    async def _send(
        self, ws: HomeAssistantWebSocket, all_rows: list[StatisticRows], report: ImportReport
    ) -> None:
        modern = (ws.version or (9999, 12)) >= MODERN_METADATA
        iso = iso_hours(all_rows[0].hours) if all_rows else {}
        per_statistic = [
            chunk_messages(
                rows, metadata(rows.spec, self.prefix, modern), iso, self.max_message_bytes
            )
            for rows in all_rows
            if rows.hours
        ]
        ordered = list(interleave(per_statistic))
        total = len(ordered)
        sizes = [count for count, _ in ordered]
        done = 0
        step = max(1, total // 10)

        def progressed(count: int) -> None:
            nonlocal done
            before = done
            done += count
            if self.on_progress is not None:
                self.on_progress(done, total)
            if done // step != before // step or done == total:
                log.info("home_assistant: import %d/%d messages", done, total)

        def builders() -> Iterator[tuple[str, MessageBuilder]]:
            for _, body in ordered:
                yield "recorder/import_statistics", message_builder(body)

        await ws.pipeline(builders(), window=WINDOW, on_done=progressed)
        report.messages = total
        report.rows = sum(sizes)

    async def _confirm(self, ws: HomeAssistantWebSocket, all_rows: list[StatisticRows]) -> None:
        """Wait until HA's recorder stored the newest row of every statistic with our sum."""
        expected = {r.spec.statistic_id: (r.spec, r.hours[-1], r.last_sum) for r in all_rows
                    if r.hours}  # fmt: skip
        if not expected:
            return
        newest = max(hour for _, hour, _ in expected.values())
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.05
        while True:
            answer = await ws.command(
                "recorder/statistics_during_period",
                start_time=_iso(newest),
                end_time=_iso(newest + 3600),
                statistic_ids=list(expected),
                period="hour",
                types=["sum"],
            )
            missing = []
            for statistic_id, (spec, hour, total) in expected.items():
                rows = (answer or {}).get(statistic_id) or []
                row = next((r for r in rows if r.get("start") == hour * 1000), None)
                if row is None or row.get("sum") is None or spec.from_value(row["sum"]) != total:
                    missing.append(statistic_id)
            if not missing:
                return
            if time.monotonic() >= deadline:
                raise HomeAssistantError(
                    f"Home Assistant accepted the import but has not stored it after "
                    f"{self.wait_seconds:g} s ({len(missing)} statistics, e.g. {missing[0]}): its "
                    "recorder may be overloaded; raise import_wait_seconds or try again later"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()
