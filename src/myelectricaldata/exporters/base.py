"""The exporter contract the integration guide publishes, and the batch-carrying data objects.

A plug-in implements :class:`BaseExporter` with a pydantic :class:`ExporterConfig` subclass and
declares it under the entry-point group ``myelectricaldata.exporters``. Data objects carry one
batch (a PDL and its readings for one granularity), never one reading per call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from myelectricaldata.store.repo import Store

from myelectricaldata.domain.types import EcoWattDay, Stream, TempoColor, TempoDay, UsagePoint


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """One value of a series, stamped with the start of the period it covers.

    ``value`` is Wh for daily and load-curve points (energy of the period) and VA for max power;
    ``avg_w`` is the load curve's average power over the interval; ``at`` is when a max power
    was reached.
    """

    start: datetime
    end: datetime
    value: float
    quality: str = "BRUT"
    avg_w: float | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SeriesData:
    """A batch of one PDL's points of one stream, oldest first.

    ``stream`` says what the points are: daily energy, load curve (``stream.is_detail``) or
    max power; ``stream.granularity`` is its label (``daily``, ``load_curve``, ``max_power``).
    """

    pdl: str
    stream: Stream
    points: Sequence[EnergyPoint]
    usage_point: UsagePoint | None = None

    @property
    def unit(self) -> str:
        """Unit of ``EnergyPoint.value``."""
        return "VA" if self.stream is Stream.MAX_POWER else "Wh"


@dataclass(frozen=True, slots=True)
class ConsumptionData(SeriesData):
    """Consumption (or max power) history batch."""


@dataclass(frozen=True, slots=True)
class ProductionData(SeriesData):
    """Production history batch."""


@dataclass(frozen=True, slots=True)
class TempoData:
    """Tempo colours, oldest first."""

    days: Sequence[TempoDay]


@dataclass(frozen=True, slots=True)
class EcowattData:
    """EcoWatt signals, oldest first."""

    days: Sequence[EcoWattDay]


#: Numeric code of each Tempo colour, for destinations that only store numbers.
TEMPO_CODE: dict[TempoColor, int] = {TempoColor.BLUE: 1, TempoColor.WHITE: 2, TempoColor.RED: 3}


@dataclass(frozen=True, slots=True)
class ConnectionTestResult:
    """Outcome of ``test_connection``: did it work, what to tell the user, how long it took."""

    success: bool
    message: str
    error: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Outcome of one export call: the destination accepted all records, or it did not."""

    success: bool
    records_exported: int = 0
    error: str | None = None
    #: False when trying again can't help (bad credentials, a 4xx): the run stops at once.
    retryable: bool = True


@dataclass(frozen=True, slots=True)
class MeasureValue:
    """One current value of the measures catalogue, as state exporters publish it."""

    key: str
    scope: str  # a PDL, "tempo" or "ecowatt"
    value: float | int | str | bool | None
    unit: str | None
    label_fr: str
    label_en: str
    device_class: str | None
    state_class: str | None
    options: tuple[str, ...] | None = None
    date: str | None = None
    quality: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """Every catalogue value, computed once per run and handed to every state exporter."""

    computed_at: datetime
    values: Sequence[MeasureValue]
    usage_points: Sequence[UsagePoint] = ()

    def for_scope(self, scope: str) -> list[MeasureValue]:
        """Values of one PDL (or of ``tempo`` / ``ecowatt``)."""
        return [v for v in self.values if v.scope == scope]


def secret_field(default: str = "", description: str = "") -> Any:
    """A config field holding a secret: encrypted at rest, masked in answers, never logged."""
    return Field(default, description=description, json_schema_extra={"secret": True})


class ExporterConfig(BaseModel):
    """Base of every exporter's configuration; subclasses add their fields with descriptions."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: bool = Field(False, description="Export to this destination.")
    interval_minutes: int = Field(
        60, ge=0, le=10080, description="Minutes between two runs (0: only after each sync)."
    )

    #: Prefix of the environment variables that bootstrap this config (``MQTT`` -> MQTT_*).
    env_prefix: ClassVar[str] = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """Field values from ``<PREFIX>_<FIELD>`` variables, or ``None`` when none is set.

        Exporters whose documented variables differ (``MQTT_BROKER`` as one URL) override it.
        """
        if not cls.env_prefix:
            return None
        found: dict[str, Any] = {}
        for name in cls.model_fields:
            value = env.get(f"{cls.env_prefix}_{name}".upper())
            if value is not None and value != "":
                found[name] = value
        return found or None

    @classmethod
    def secret_fields(cls) -> set[str]:
        """Names of the fields marked with :func:`secret_field`."""
        return {
            name
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("secret")
        }


class BaseExporter(ABC):
    """One destination. History exporters implement the ``export_*`` methods; state exporters
    implement :meth:`export_state`; a destination may do both."""

    #: Registry name, e.g. ``"mqtt"``.
    name: ClassVar[str]
    #: Human-readable name for the UI.
    title: ClassVar[str] = ""
    #: The pydantic model of this exporter's configuration.
    config_model: ClassVar[type[ExporterConfig]]
    #: Writes timestamped history (so backfilled and corrected rows must reach it).
    supports_history: ClassVar[bool] = True
    #: Publishes current values from the measures catalogue.
    supports_state: ClassVar[bool] = False
    #: Largest number of points per export call.
    batch_size: ClassVar[int] = 5000

    def __init__(self, config: ExporterConfig) -> None:
        self.config = config
        #: Read access to the store, set by the export service before a run, for exporters
        #: whose destination needs more than the changed rows (Home Assistant's running sums).
        self.store: Store | None = None

    @abstractmethod
    async def test_connection(self) -> ConnectionTestResult:
        """Check the destination answers and accepts our credentials."""

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Write a consumption (or max power) batch."""
        return ExportResult(True, 0)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Write a production batch."""
        return ExportResult(True, 0)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Write Tempo colours."""
        return ExportResult(True, 0)

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """Write EcoWatt signals."""
        return ExportResult(True, 0)

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Publish current values (state exporters)."""
        return ExportResult(True, 0)

    async def aclose(self) -> None:
        """Release connections (called after every run)."""
        return None
