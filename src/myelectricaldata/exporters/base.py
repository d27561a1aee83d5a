"""The exporter contract the integration guide publishes, and the batch-carrying data objects.

A destination is a :class:`BaseExporter` subclass, generic over its pydantic config model
(``class WebhookExporter(BaseExporter[WebhookConfig])``, so ``self.config`` is typed), declared
under the entry-point group ``myelectricaldata.exporters``. The guide's five methods
(``test_connection`` and ``export_consumption/production/tempo/ecowatt``) and its two result
types stay as published; ``export_state`` adds the current values of the measures catalogue.

Data objects carry one batch (a PDL and its points of one :class:`Stream`), never one reading
per call. An exporter never loops on its own: a call makes one attempt and says whether it
failed for good (:class:`PermanentError`, ``retryable=False``: bad credentials, a refused
value) or may succeed later (:class:`RetryableError`: down, timeout, busy, with the server's
``Retry-After``); the export service retries with the one policy of
:mod:`myelectricaldata.support.retry`.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from myelectricaldata.domain.types import EcoWattDay, Stream, TempoColor, TempoDay, UsagePoint
from myelectricaldata.exporters.context import ExporterContext
from myelectricaldata.exporters.destination import Destination
from myelectricaldata.exporters.fields import ExporterConfig, Translated, secret_field, setting

if TYPE_CHECKING:
    from fastapi import APIRouter

    from myelectricaldata.domain.measures import MeterReadings
    from myelectricaldata.exporters.context import ExporterHost

__all__ = [
    "TEMPO_CODE",
    "BaseExporter",
    "ConnectionTestResult",
    "ConsumptionData",
    "Destination",
    "EcowattData",
    "EnergyPoint",
    "ExportError",
    "ExportResult",
    "ExporterConfig",
    "ExporterContext",
    "MeasureValue",
    "PermanentError",
    "ProductionData",
    "RetryableError",
    "SeriesData",
    "StateSnapshot",
    "Stream",
    "TempoData",
    "Translated",
    "build_exporter",
    "secret_field",
    "setting",
]


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """One value of a series, stamped with the start of the period it covers.

    ``value`` is Wh for daily and load-curve points (energy of the period) and VA for max power;
    ``avg_w`` is the load curve's average power over the interval; ``at`` is when a max power
    was reached. ``start`` and ``end`` are aware (Europe/Paris) instants.
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
    #: Seconds the destination asked to wait before the next attempt (its ``Retry-After``).
    retry_after: float | None = None

    @classmethod
    def failed(cls, error: ExportError) -> ExportResult:
        """The result of a call that raised ``error``."""
        return cls(False, 0, str(error), error.retryable, error.retry_after)


class ExportError(Exception):
    """A write or a check failed; the message says what to fix and holds no secret.

    ``retryable`` says whether a later attempt may succeed; ``retry_after`` is the wait the
    destination asked for, if any.
    """

    retryable: bool = True

    def __init__(
        self, message: str, *, retryable: bool | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after


class RetryableError(ExportError):
    """A failure a later attempt may fix: down, timeout, busy (429/503), a server error."""

    retryable = True


class PermanentError(ExportError):
    """A refusal trying again cannot fix: credentials, a missing database, a refused value."""

    retryable = False


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
    """Every catalogue value, computed once per run and handed to every state exporter.

    ``readings`` holds, per PDL, the typed readings the values were computed from, for an
    exporter that derives more (Home Assistant's Linky card attributes).
    """

    computed_at: datetime
    values: Sequence[MeasureValue]
    usage_points: Sequence[UsagePoint] = ()
    readings: Mapping[str, MeterReadings] = field(default_factory=dict)

    def for_scope(self, scope: str) -> list[MeasureValue]:
        """Values of one PDL (or of ``tempo`` / ``ecowatt``)."""
        return [v for v in self.values if v.scope == scope]


C = TypeVar("C", bound=ExporterConfig)


class BaseExporter(ABC, Generic[C]):
    """One destination. History exporters implement the ``export_*`` methods; state exporters
    implement :meth:`export_state`; a destination may do both.

    The export service builds one per run with the config in force and an
    :class:`ExporterContext`; ``aclose`` is called after every run.
    """

    #: Registry name, e.g. ``"mqtt"`` (the entry point's name).
    name: ClassVar[str]
    #: Human-readable name for the UI.
    title: ClassVar[str] = ""
    #: The pydantic model of this exporter's configuration (the ``C`` of ``BaseExporter[C]``).
    config_model: ClassVar[type[ExporterConfig]]
    #: Writes timestamped history (so backfilled and corrected rows must reach it).
    supports_history: ClassVar[bool] = True
    #: Publishes current values from the measures catalogue.
    supports_state: ClassVar[bool] = False
    #: Largest number of points per export call.
    batch_size: ClassVar[int] = 5000
    #: Keeps exported costs or HC/HP split in its history: re-sends the days a back-dated price,
    #: offer or off-peak change re-priced (:meth:`reprice`, called by the export service).
    reprices: ClassVar[bool] = False

    def __init__(self, config: C, context: ExporterContext | None = None) -> None:
        model = type(self).config_model
        if not isinstance(config, model):
            config = cast(C, model.model_validate(config.model_dump()))
        self.config: C = config
        #: What the service hands this exporter: store view, settings, peers, shared state.
        self.context = context or ExporterContext()

    @classmethod
    def routes(cls, host: ExporterHost) -> APIRouter | None:
        """HTTP routes this destination type adds to the service (Prometheus' ``/metrics``),
        or ``None``. Called once when the API starts."""
        return None

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

    async def reprice(self, pdl: str, first: date, last: date) -> ExportResult:
        """Send again the costs and tariff split of ``pdl`` over ``first..last`` (priced
        anew), for an exporter that :attr:`reprices`."""
        return ExportResult(True, 0)

    async def aclose(self) -> None:
        """Release connections (called after every run)."""
        return None


def build_exporter(
    cls: type[BaseExporter[Any]], config: ExporterConfig, context: ExporterContext
) -> BaseExporter[Any]:
    """An exporter of ``cls`` with its config and context.

    A plug-in written against the guide's ``__init__(self, config)`` still works: it is built
    with its config alone and its context is set afterwards.
    """
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    takes_context = (
        any(p.name == "context" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)
        or len(parameters) >= 2
    )
    if takes_context:
        return cls(config, context)
    exporter = cls(config)
    exporter.context = context
    return exporter
