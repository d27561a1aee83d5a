"""The text exposition format 0.0.4 of the catalogue's values and of the exports' health.

Prometheus pulls; it does not take history (a scraped sample stamped in the past is dropped or
hidden, see PROTOCOLS.md §3), so this exporter is state-only: it publishes the measures
catalogue's *current* values without timestamps, plus the exporters' own health from the export
logs. History belongs in VictoriaMetrics or InfluxDB. The page is rendered by hand in the text
exposition format 0.0.4 (no client library: the format is a few lines and this keeps the
registry-free, per-request rendering simple).

Mapping of a :class:`MeasureValue` (``key``, ``scope``, ``value``) to samples:

- a number (or a bool, as 1/0) -> ``myelectricaldata_<key>{pdl="..."} value`` (``scope="tempo"``
  or ``scope="ecowatt"`` instead of ``pdl`` for the grid signals);
- an enum (a text value with ``options``) -> one sample per option,
  ``myelectricaldata_<key>{...,state="BLUE"} 1`` for the current option and 0 for the others
  (all 0 while the value is unknown); a Tempo colour also gets ``myelectricaldata_<key>_code``
  (1 blue, 2 white, 3 red, 0 unknown);
- a timestamp (device class ``timestamp``) -> its Unix time in seconds;
- any other text -> ``myelectricaldata_<key>_info{...,value="..."} 1``;
- any other unknown value (``None``) -> no sample, which is how Prometheus says "absent".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from myelectricaldata.exporters.base import TEMPO_CODE, MeasureValue, StateSnapshot
from myelectricaldata.store.exports import ExportLog

#: Content type of the text exposition format 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Prefix of every metric name this service exposes.
PREFIX = "myelectricaldata"

_PDL = re.compile(r"[0-9]{14}")  # ASCII digits only
_INVALID_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_]")
_TEMPO_CODES = {color.value: code for color, code in TEMPO_CODE.items()}


def metric_name(key: str) -> str:
    """The metric name of a catalogue key: ``myelectricaldata_<key>``, made a valid name."""
    cleaned = _INVALID_NAME_CHARS.sub("_", key.strip()).lower()
    return f"{PREFIX}_{cleaned}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class _Family:
    """One metric family: its HELP, TYPE and samples, written as one contiguous block."""

    name: str
    help: str
    kind: str = "gauge"
    samples: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)

    def add(self, labels: Iterable[tuple[str, str]], value: float) -> None:
        # A repeated label set would make Prometheus reject the whole scrape: keep the first.
        self.samples.setdefault(tuple(labels), value)

    def render(self, out: list[str]) -> None:
        if not self.samples:
            return
        out.append(f"# HELP {self.name} {_escape_help(self.help)}")
        out.append(f"# TYPE {self.name} {self.kind}")
        for labels, value in self.samples.items():
            if labels:
                inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels)
                out.append(f"{self.name}{{{inner}}} {_number(value)}")
            else:
                out.append(f"{self.name} {_number(value)}")


class _Families:
    """Families in order of first appearance."""

    def __init__(self) -> None:
        self.by_name: dict[str, _Family] = {}

    def get(self, name: str, help_text: str, kind: str = "gauge") -> _Family:
        family = self.by_name.get(name)
        if family is None:
            family = self.by_name[name] = _Family(name, help_text, kind)
        return family

    def render(self) -> str:
        out: list[str] = []
        for family in self.by_name.values():
            family.render(out)
        return "\n".join(out) + "\n" if out else ""


def _scope_label(scope: str) -> tuple[str, str]:
    return ("pdl", scope) if _PDL.fullmatch(scope) else ("scope", scope)


def _help(value: MeasureValue, suffix: str = "") -> str:
    label = value.label_en or value.key
    unit = f" ({value.unit})" if value.unit else ""
    return f"{label}{unit}{suffix}"


def _timestamp(text: str) -> float | None:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None  # a naive time has no single instant: show it as text instead
    return instant.timestamp()


def _add_measure(families: _Families, value: MeasureValue) -> None:
    raw = value.value
    if raw is None and not value.options:
        return  # unknown: absent, not zero
    name = metric_name(value.key)
    scope = _scope_label(value.scope)
    if value.options and (raw is None or isinstance(raw, str)):
        # An enum: every state, 1 for the current one (all 0 while it is unknown), so the series
        # do not vanish before a publication (Tempo tomorrow before 11:00).
        family = families.get(name, _help(value, "; 1 for the current state"))
        for option in value.options:
            family.add([scope, ("state", option)], 1.0 if option == raw else 0.0)
        upper = {o.upper() for o in value.options}
        if upper <= {*_TEMPO_CODES, "UNKNOWN"} and upper & set(_TEMPO_CODES):
            code = float(_TEMPO_CODES.get(str(raw).upper(), 0))
            help_text = _help(value, "; 1 blue, 2 white, 3 red, 0 unknown")
            families.get(f"{name}_code", help_text).add([scope], code)
    elif isinstance(raw, bool):
        families.get(name, _help(value)).add([scope], 1.0 if raw else 0.0)
    elif isinstance(raw, int | float):
        families.get(name, _help(value)).add([scope], float(raw))
    elif not isinstance(raw, str):
        return  # not a value a gauge can carry
    elif value.device_class == "timestamp" and (seconds := _timestamp(raw)) is not None:
        families.get(name, _help(value, " as Unix time in seconds")).add([scope], seconds)
    else:
        families.get(f"{name}_info", _help(value, "; the text is the value label")).add(
            [scope, ("value", raw)], 1.0
        )


def _epoch(instant: datetime) -> float:
    # SQLite hands timestamps back naive; the store writes them in UTC.
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.timestamp()


def _add_health(families: _Families, logs: Sequence[ExportLog]) -> None:
    last_success = families.get(
        f"{PREFIX}_export_last_success_timestamp_seconds",
        "Unix time at which the last successful export run of a destination finished",
    )
    last_ok = families.get(
        f"{PREFIX}_export_last_run_success",
        "1 when the last finished export run of a destination succeeded, else 0",
    )
    runs = families.get(
        f"{PREFIX}_export_runs_total", "Export runs by destination and final status", "counter"
    )
    failures = families.get(
        f"{PREFIX}_export_failures_total", "Export runs that failed, by destination", "counter"
    )
    records = families.get(
        f"{PREFIX}_export_records_total",
        "Records delivered by export runs, by destination",
        "counter",
    )
    totals: dict[str, dict[str, float]] = {}
    seen_last: set[str] = set()
    # Newest first: the first finished run of a destination is its last one.
    for entry in sorted(logs, key=lambda e: e.id, reverse=True):
        dest = entry.destination
        counts = totals.setdefault(dest, {"failed": 0.0, "records": 0.0})
        counts["records"] += entry.records
        if entry.status == "failed":
            counts["failed"] += 1
        if entry.status != "running":
            key = (("destination", dest), ("status", entry.status))
            runs.samples[key] = runs.samples.get(key, 0.0) + 1
        if entry.finished_at is None or entry.status == "running":
            continue
        if dest not in seen_last:
            seen_last.add(dest)
            last_ok.add([("destination", dest)], 1.0 if entry.status == "success" else 0.0)
        if entry.status == "success":
            last_success.add([("destination", dest)], _epoch(entry.finished_at))
    for dest, counts in totals.items():
        failures.add([("destination", dest)], counts["failed"])
        records.add([("destination", dest)], counts["records"])


def metrics_text(snapshot: StateSnapshot | None, logs: Sequence[ExportLog]) -> str:
    """The ``/metrics`` page: catalogue values as gauges, then the exporters' health.

    Pure: no I/O, no clock. ``snapshot`` ``None`` (not computed yet) gives health metrics only.
    """
    families = _Families()
    if snapshot is not None:
        for value in snapshot.values:
            _add_measure(families, value)
        families.get(
            f"{PREFIX}_state_computed_timestamp_seconds",
            "Unix time at which the catalogue values above were computed",
        ).add([], _epoch(snapshot.computed_at))
    _add_health(families, logs)
    return families.render()
