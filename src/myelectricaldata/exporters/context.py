"""What the export service hands an exporter, so that no exporter builds its own world.

An exporter gets an :class:`ExporterContext`: a read-only :class:`StoreView` (for destinations
that need more than the changed rows, like Home Assistant's running sums), the
:class:`ExporterSettings` it may see, the configs of the other destinations (Home Assistant
publishing through the MQTT exporter's broker), and a :class:`SharedState` that lives as long as
the service (the Prometheus page's last snapshot). The runtime is the only place that wires
them; an exporter never reads settings, key files or the environment itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import Direction, EcoWattDay, LoadCurvePoint, TempoDay
from myelectricaldata.store.pricing import PricedRange, Pricing
from myelectricaldata.store.repo import Store, StoredDaily, StoredMaxPower, StoredUsagePoint

if TYPE_CHECKING:
    from myelectricaldata.exporters.base import StateSnapshot
    from myelectricaldata.exporters.fields import ExporterConfig
    from myelectricaldata.store.exports import ExportLog

T = TypeVar("T")


class ExporterSetupError(RuntimeError):
    """An exporter needs something its context does not have (run it through the service)."""


class StoreView:
    """Read-only access to the store: usage points and readings, no writes.

    Every method blocks (the store is synchronous): call it with ``asyncio.to_thread``.
    """

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    def usage_points(self) -> list[StoredUsagePoint]:
        """Every usage point with its contract and date-versioned off-peak schedules."""
        return self._store.usage_points()

    def usage_point(self, pdl: str) -> StoredUsagePoint | None:
        """One usage point, or ``None``."""
        return self._store.usage_point(pdl)

    def daily(self, pdl: str, direction: Direction, start: date, end: date) -> list[StoredDaily]:
        """Daily values of ``start`` to ``end``, both inclusive, by day."""
        return self._store.daily(pdl, direction, start, end)

    def latest_daily(self, pdl: str, direction: Direction) -> date | None:
        """The newest day with a daily value."""
        return self._store.latest_day("daily_energy", pdl=pdl, direction=direction.value)

    def load_curve(
        self, pdl: str, direction: Direction, start: datetime, end: datetime
    ) -> list[LoadCurvePoint]:
        """Load-curve points of [start, end)."""
        return self._store.load_curve(pdl, direction, start, end)

    def iter_load_curve_rows(
        self, pdl: str, direction: Direction, start: datetime, end: datetime, *, batch: int = 5000
    ) -> Iterator[list[tuple[int, int, int, str]]]:
        """Raw ``(start_ts, interval_min, avg_w, quality)`` rows of [start, end), in batches
        (the fast path for whole years of load curve)."""
        return self._store.iter_load_curve_rows(pdl, direction, start, end, batch=batch)

    def max_power(self, pdl: str, start: date, end: date) -> list[StoredMaxPower]:
        """Daily maximum power of ``start`` to ``end``, both inclusive."""
        return self._store.max_power(pdl, start, end)

    def tempo(self, start: date, end: date) -> list[TempoDay]:
        """Tempo colours of ``start`` to ``end``, both inclusive."""
        return self._store.tempo(start, end)

    def ecowatt(self, start: date, end: date) -> list[EcoWattDay]:
        """EcoWatt signals of ``start`` to ``end``, both inclusive."""
        return self._store.ecowatt(start, end)


class DatedPricing(Protocol):
    """How each PDL's days are priced, exactly as the web UI prices them: its offer, each day
    at the row in force that day at the meter's kVA, with that day's off-peak hours
    (:class:`myelectricaldata.store.pricing.StorePricing`). Blocking: call it in a thread."""

    def pricing(self, point: StoredUsagePoint, first: date, last: date) -> Pricing:
        """The offer and its dated rows pricing ``point`` over first..last."""
        ...

    def price_range(
        self,
        point: StoredUsagePoint,
        first: date,
        last: date,
        *,
        rows: Sequence[tuple[int, int, int, str]] | None = None,
    ) -> PricedRange:
        """Each day of first..last priced (``rows``: its load curve, when already read)."""
        ...


@dataclass(frozen=True, slots=True)
class ExporterSettings:
    """The service's settings an exporter may read.

    ``data_source`` is ``demo`` when the readings are synthetic, else ``gateway``;
    ``tariff_prices`` returns the single prices the user saved (the production resale price;
    it reads the store: call it in a thread); ``pricing`` prices consumption day by day like the
    UI (``None`` outside the service: costs then use ``tariff_prices`` for every day).
    """

    data_source: str = "gateway"
    tariff_prices: Callable[[], TariffPrices] = TariffPrices
    pricing: DatedPricing | None = None


class PeerConfigs(Protocol):
    """Another destination's config in force (secrets decrypted), or ``None`` when that type is
    not installed. Blocking: call it in a thread."""

    def __call__(self, name: str) -> ExporterConfig | None: ...


def no_peers(name: str) -> ExporterConfig | None:
    """The peers of an exporter built outside the service: none."""
    return None


class SharedState:
    """Objects a destination type keeps for as long as the service lives, one per class.

    An exporter instance lives for one run; what must outlive it (and be seen by the type's
    HTTP routes) goes here instead of in a module global.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[type[Any], Any] = {}

    def get(self, kind: type[T]) -> T:
        """The one ``kind()`` of this destination type, created on first use."""
        with self._lock:
            found = self._items.get(kind)
            if found is None:
                found = self._items[kind] = kind()
            return cast(T, found)


@dataclass(frozen=True, slots=True)
class ExporterContext:
    """Everything an exporter is given besides its config."""

    store: StoreView | None = None
    settings: ExporterSettings = ExporterSettings()
    peers: PeerConfigs = no_peers
    shared: SharedState = field(default_factory=SharedState)

    def require_store(self) -> StoreView:
        """The store view; :class:`ExporterSetupError` when the exporter was built without one."""
        if self.store is None:
            raise ExporterSetupError(
                "this exporter reads the store: run it through the export service, or give it "
                "ExporterContext(store=StoreView(store))"
            )
        return self.store


class ExporterHost(Protocol):
    """What an exporter type's own HTTP routes may use of the running export service."""

    async def config_of(self, name: str) -> ExporterConfig:
        """The config in force of a destination type."""
        ...

    async def state_snapshot(self) -> StateSnapshot | None:
        """The catalogue's current values (cached a few seconds), ``None`` when not computed."""
        ...

    async def recent_logs(self, limit: int) -> list[ExportLog]:
        """Export runs of every destination, newest first."""
        ...

    def shared(self, name: str) -> SharedState:
        """The shared state of a destination type (the one its exporters' contexts hold)."""
        ...
