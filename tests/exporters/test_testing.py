"""The contract suite can fail: run as a plug-in author runs it, it passes an exporter that keeps
what it is sent, and fails one that claims success and keeps nothing, one that loses points, one
that stores a value twice when it is sent again, one that publishes values without their unit,
one that puts its token in an error message, and one whose config lets a saved token follow
the form to another place."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

#: An exporter module as a plug-in author writes it, and its contract test class. ``FLAW``
#: is replaced by one way of getting it wrong ("" for none).
PLUGIN = """
from __future__ import annotations

from datetime import UTC
from typing import Any, ClassVar

import pytest

from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import (
    BaseExporter, ConnectionTestResult, ConsumptionData, Destination, EcowattData,
    ExportResult, ProductionData, RetryableError, SeriesData, StateSnapshot, TempoData, setting,
)
from myelectricaldata.exporters.fields import ExporterConfig
from myelectricaldata.exporters.testing import ExporterContract, Point, StateValue

FLAW = "{flaw}"
#: The destinations: what each named box holds.
BOXES: dict[str, dict[tuple[Any, ...], Any]] = {{}}
STATES: dict[str, dict[tuple[str, str], StateValue]] = {{}}


class BoxConfig(ExporterConfig):
    box: str = setting("", fr=("Boîte", "Où écrire."), en=("Box", "Where to write."))
    token: str = setting(
        "", secret=True, fr=("Jeton", "Le jeton."), en=("Token", "The token.")
    )

    def destination(self) -> Destination:
        if FLAW == "unbound":  # every box claimed to be the same place
            return Destination()
        return super().destination()


class BoxExporter(BaseExporter[BoxConfig]):
    name: ClassVar[str] = "box"
    title: ClassVar[str] = "Box"
    config_model: ClassVar[type[BoxConfig]] = BoxConfig
    supports_state: ClassVar[bool] = True
    batch_size: ClassVar[int] = 40

    def _box(self) -> dict[tuple[Any, ...], Any]:
        if self.config.box == "missing":
            raise RetryableError("box: there is no box 'missing'" + (
                f" (token {{self.config.token}})" if FLAW == "leak" else ""
            ))
        return BOXES.setdefault(self.config.box, {{}})

    async def test_connection(self) -> ConnectionTestResult:
        try:
            self._box()
        except RetryableError as exc:
            return ConnectionTestResult(False, "box: test failed", str(exc))
        return ConnectionTestResult(True, "box: ready")

    def _keep(self, key: tuple[Any, ...], value: Any) -> None:
        box = self._box()
        if FLAW == "nothing":
            return
        if FLAW == "twice" and key in box:
            key = (*key, "again")
        box[key] = value

    async def _series(self, data: SeriesData) -> ExportResult:
        try:
            for p in data.points[1:] if FLAW == "lossy" else data.points:
                # Instants keyed in UTC: two Paris wall times are equal at the autumn change.
                when = p.start.astimezone(UTC) if data.stream.is_detail else p.start.date()
                value = p.avg_w if data.stream.is_detail else p.value
                self._keep((data.stream, data.pdl, when), value)
        except RetryableError as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, len(data.points))

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        return await self._series(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        return await self._series(data)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        try:
            for d in data.days:
                self._keep((Stream.TEMPO, None, d.day), d.color.value)
        except RetryableError as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        try:
            for d in data.days:
                self._keep((Stream.ECOWATT, None, d.day), d.level)
        except RetryableError as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, len(data.days))

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        states = STATES.setdefault(self.config.box, {{}})
        for v in snapshot.values:
            unit = None if FLAW == "unitless" else v.unit
            states[(v.scope, v.key)] = StateValue(v.scope, v.key, v.value, unit)
        return ExportResult(True, len(snapshot.values))


class TestBox(ExporterContract):
    exporter_class = BoxExporter

    @pytest.fixture
    def config(self, request: pytest.FixtureRequest) -> dict[str, Any]:
        return {{"enabled": True, "box": request.node.name, "token": "tok-1234567890"}}

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {{"enabled": True, "box": "missing", "token": "tok-0987654321"}}

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        box = BOXES.get(config["box"], {{}})
        return [Point(key[0], key[1], key[2], value) for key, value in box.items()]

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        return list(STATES.get(config["box"], {{}}).values())
"""

#: The checks that prove the exporter really delivers (the declaration checks pass anyway).
DELIVERY = {
    "test_every_data_type_is_written_and_read_back_equal",
    "test_a_failure_then_a_recovery_loses_nothing",
}


def run_suite(tmp_path: Path, flaw: str) -> dict[str, str]:
    """Run the suite on the plug-in with ``flaw`` in a separate pytest; outcome per check."""
    (tmp_path / "test_box_plugin.py").write_text(textwrap.dedent(PLUGIN.format(flaw=flaw)))
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-o", "asyncio_mode=auto",
            "-o", "asyncio_default_fixture_loop_scope=function",
            f"--rootdir={tmp_path}", f"--junitxml={report}", str(tmp_path),
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        outcomes[case.get("name", "")] = "failed" if failed else "skipped" if skipped else "passed"
    return outcomes


def test_an_exporter_that_keeps_what_it_is_sent_passes_every_check(tmp_path: Path) -> None:
    outcomes = run_suite(tmp_path, "")
    assert len(outcomes) >= 10
    assert set(outcomes.values()) == {"passed"}, outcomes


@pytest.mark.parametrize(
    ("flaw", "failing"),
    [
        ("nothing", DELIVERY),
        ("lossy", DELIVERY),
        ("twice", {"test_a_failure_then_a_recovery_loses_nothing"}),
        ("unitless", {"test_state_values_are_published_with_units",
                      "test_a_failure_then_a_recovery_loses_nothing"}),
        ("leak", {"test_secrets_never_appear_in_results_or_logs"}),
        ("unbound", {"test_a_masked_secret_is_only_reused_where_it_was_saved"}),
    ],
)  # fmt: skip
def test_a_flawed_exporter_fails_the_checks_of_its_flaw(
    tmp_path: Path, flaw: str, failing: set[str]
) -> None:
    outcomes = run_suite(tmp_path, flaw)
    failed = {name for name, outcome in outcomes.items() if outcome == "failed"}
    assert failing <= failed, outcomes
    assert "skipped" not in outcomes.values()
