"""The contract every exporter passes, built-in or plug-in: one base class to subclass in tests.

Each check runs the exporter the way the service does: through a real export service, on a
fresh SQLite store holding the suite's small history (:mod:`.data`), with a fresh key, fast
retries and an empty registry holding only the exporter under test (wrapped to count its
calls). What the destination holds is then read back through the author's hooks and compared
with what was sent. An exporter that writes nothing, writes twice, loses a batch across a
failure, publishes values without units or leaks a secret fails it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
import pytest_asyncio
from pydantic import ValidationError

from myelectricaldata.crypto import MASK
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import (
    BaseExporter,
    ExporterConfig,
    StateSnapshot,
)
from myelectricaldata.exporters.delivery import TEST_TIMEOUT, ExportService
from myelectricaldata.exporters.testing.data import (
    CONTRACT_PDL,
    DAYS,
    Point,
    StateValue,
    fill,
    sent_points,
)
from myelectricaldata.exporters.testing.harness import (
    Calls,
    Harness,
    differences,
    multiset,
    service_for,
    watched,
)
from myelectricaldata.store.repo import Store

_SECRET_HINTS = ("password", "token", "secret", "api_key", "apikey", "authorization")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ExporterContract:
    """The checks every exporter must pass. Subclass it in a test module::

        class TestMyExporter(ExporterContract):
            exporter_class = MyExporter

            @pytest.fixture
            def config(self, my_server) -> dict[str, Any]:
                return {"enabled": True, "url": my_server.url, "folder": uuid4().hex}

            @pytest.fixture
            def unreachable_config(self) -> dict[str, Any]:
                return {"enabled": True, "url": "http://127.0.0.1:9", "token": "tok-123456"}

            async def read_back(self, config: dict[str, Any]) -> list[Point]:
                ...  # what the destination of ``config`` holds, as suite Points

    What to give:

    - ``exporter_class``; ``stored_streams`` when the destination keeps only some streams
      (default: every stream for a history exporter, none for a state-only one);
    - the ``config`` fixture: a working config, with **a place of its own at the destination**
      (a fresh database, topic prefix, directory...): it runs once per check;
    - the ``unreachable_config`` fixture: a destination that is not there (a closed loopback
      port, a missing folder), with **every secret field set** to a value of at least 8
      characters (the suite checks none of them leaks);
    - optionally ``invalid_configs``: ``(values, field)`` pairs the config model must refuse,
      naming ``field``;
    - :meth:`read_back` (history exporters): what the destination holds, as :class:`Point`
      values (Wh per day, W per load-curve interval, VA, the Tempo colour, the EcoWatt level);
    - :meth:`expected` when the destination does not keep every point as sent (only the latest,
      hourly sums...): what it should hold after receiving ``sent``;
    - :meth:`read_state` (state exporters): the current values it publishes, with their unit;
    - ``pulls = True`` when the destination connects to the service (Prometheus scrapes
      ``/metrics``): there is then no target to be unreachable. ``self.service`` is the export
      service of the running check, for hooks that read through it (its ``routers()``).

    It needs pytest and pytest-asyncio (``asyncio_mode = "auto"``) and imports nothing from a
    test tree. It never skips: a check that does not apply to your exporter (state values for a
    history-only one) checks that the exporter claims nothing there instead.
    """

    exporter_class: ClassVar[type[BaseExporter[Any]]]
    #: The export service of the running check (the hooks may use it).
    service: ExportService
    #: History streams the destination keeps (``None``: all of them for a history exporter).
    stored_streams: ClassVar[frozenset[Stream] | None] = None
    #: True when the destination pulls from the service instead of being written to.
    pulls: ClassVar[bool] = False

    # -- what the author gives -------------------------------------------------------------------

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        """A working configuration (destination up), with a place of its own there."""
        raise NotImplementedError("override the `config` fixture")

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        """A configuration pointing at nothing, with every secret field set."""
        raise NotImplementedError("override the `unreachable_config` fixture")

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        """``(values, field)``: configs the model must refuse with an error naming ``field``."""
        return []

    async def read_back(self, config: dict[str, Any]) -> Iterable[Point]:
        """What the destination of ``config`` holds now (history exporters must override it)."""
        raise NotImplementedError(
            f"{type(self).__name__}: implement read_back(config) to return what the "
            "destination holds as contract Points"
        )

    def expected(self, sent: Sequence[Point]) -> Iterable[Point]:
        """What the destination should hold after receiving ``sent`` (every point of the
        suite's history): by default exactly the points of :attr:`stored_streams`."""
        streams = self.streams()
        return [point for point in sent if point.stream in streams]

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> Iterable[StateValue]:
        """The current values the destination of ``config`` publishes (state exporters must
        override it); ``published`` is the snapshot the service handed over, to find them."""
        raise NotImplementedError(
            f"{type(self).__name__}: implement read_state(config, published) to return the "
            "values the destination publishes"
        )

    # -- the suite's plumbing ------------------------------------------------------------------

    def streams(self) -> frozenset[Stream]:
        """The history streams the destination keeps."""
        if self.stored_streams is not None:
            return self.stored_streams
        return frozenset(Stream) if self.exporter_class.supports_history else frozenset()

    def make(self, values: dict[str, Any]) -> BaseExporter[Any]:
        """An exporter built from config values, outside any service."""
        return self.exporter_class(self.exporter_class.config_model.model_validate(values))

    @pytest_asyncio.fixture(loop_scope="function")
    async def harness(self, tmp_path: Path) -> AsyncIterator[Harness]:
        """A fresh store holding the suite's history and a service running only this type."""
        store = Store.open(f"sqlite:///{tmp_path / 'contract.db'}")
        fill(store)
        calls = Calls()
        name = self.exporter_class.name
        service = service_for(store, watched(self.exporter_class, calls))
        # The hooks may need it: a pull destination (Prometheus) is read through the service.
        self.service = service
        try:
            yield Harness(store, service, calls, name)
        finally:
            store.close()

    # -- declaration ---------------------------------------------------------------------------

    def test_declares_a_name_a_title_and_a_config_model(self) -> None:
        cls = self.exporter_class
        assert _NAME.match(cls.name), f"name {cls.name!r}: lowercase letters, digits and _"
        assert cls.title, "title: the name the UI shows (e.g. 'My TSDB')"
        assert issubclass(cls.config_model, ExporterConfig)
        assert cls.supports_history or cls.supports_state
        assert cls.batch_size > 0
        if not cls.supports_history:
            assert not self.streams(), "a state-only exporter stores no history stream"

    def test_every_config_field_has_french_and_english_texts(self) -> None:
        model = self.exporter_class.config_model
        missing = [f for f in model.model_fields if not model.has_texts(f)]
        assert not missing, f"declare {missing} with setting(..., fr=(label, help), en=(...))"

    def test_secret_looking_fields_are_declared_secret(self) -> None:
        model = self.exporter_class.config_model
        for name in model.model_fields:
            if any(hint in name for hint in _SECRET_HINTS):
                assert name in model.secret_fields(), f"{name}: declare it setting(secret=True)"

    def test_config_validation_errors_name_the_field(
        self,
        config: dict[str, Any],
        unreachable_config: dict[str, Any],
        invalid_configs: list[tuple[dict[str, Any], str]],
    ) -> None:
        model = self.exporter_class.config_model
        secrets = self._secrets(config, unreachable_config)
        cases = [
            (config | {"no_such_option": 1}, "no_such_option"),
            (config | {"interval_minutes": -5}, "interval_minutes"),
            *invalid_configs,
        ]
        for values, name in cases:
            with pytest.raises(ValidationError) as refused:
                model.model_validate(values)
            errors = refused.value.errors()
            named = any(name in map(str, e["loc"]) or name in e["msg"] for e in errors)
            assert named, f"the error for {values!r} does not name {name!r}: {errors}"
            text = str(refused.value)
            for secret in secrets:
                assert secret not in text, "a validation error shows a secret"

    # -- connection ------------------------------------------------------------------------------

    async def test_connection_succeeds(self, harness: Harness, config: dict[str, Any]) -> None:
        model = self.exporter_class.config_model
        result = await harness.service.test(harness.name, model.model_validate(config))
        assert result.success, result.error
        assert result.message

    async def test_an_unreachable_target_fails_within_its_time_limit_with_a_clear_message(
        self, harness: Harness, unreachable_config: dict[str, Any]
    ) -> None:
        model = self.exporter_class.config_model
        result = await harness.service.test(harness.name, model.model_validate(unreachable_config))
        # The service stops waiting at TEST_TIMEOUT; the exporter must have answered first.
        timed_out = f"no answer within {TEST_TIMEOUT:.0f} s"
        assert timed_out not in result.message, "test_connection did not answer in time"
        if self.pulls:
            # Nothing to reach: the test says how the destination finds the service.
            assert result.success and result.message
            return
        assert not result.success, "a test against nothing must fail"
        assert result.error and len(result.error) > 10, "say what failed and what to check"
        for secret in self._secrets(unreachable_config):
            assert secret not in result.message + (result.error or "")

    # -- history ---------------------------------------------------------------------------------

    async def test_every_data_type_is_written_and_read_back_equal(
        self, harness: Harness, config: dict[str, Any]
    ) -> None:
        log = await harness.run(config)
        assert log.status == "success", log.error
        if not self.exporter_class.supports_history:
            assert harness.calls.history == [] and log.records == 0
            return
        assert log.records == log.records_total == len(sent_points())
        wanted = list(self.expected(sent_points()))
        kept = {p.stream for p in wanted}
        assert self.streams() and kept == self.streams(), (
            f"expected() holds {sorted(kept)}, stored_streams says {sorted(self.streams())}"
        )
        got = list(await self.read_back(config))
        assert multiset(got) == multiset(wanted), differences(got, wanted)

    async def test_a_rerun_sends_nothing(self, harness: Harness, config: dict[str, Any]) -> None:
        first = await harness.run(config)
        assert first.status == "success", first.error
        held = list(await self.read_back(config)) if self.streams() else []
        harness.calls.reset()
        again = await harness.run(config)
        assert again.status == "success", again.error
        assert again.records == 0 and harness.calls.history == [], "nothing changed: send nothing"
        if self.streams():
            assert multiset(await self.read_back(config)) == multiset(held)

    async def test_a_failure_then_a_recovery_loses_nothing(
        self, harness: Harness, config: dict[str, Any], unreachable_config: dict[str, Any]
    ) -> None:
        history = self.exporter_class.supports_history
        if history and not self.pulls:
            # The destination is not there: the run fails and moves no checkpoint.
            down = await harness.run(unreachable_config)
            assert down.status == "failed" and down.records == 0 and down.error
        # It goes away after the first call of a run (at once for a state-only exporter): that
        # run fails part way...
        harness.calls.reset()
        harness.calls.fail_after = 1 if history else 0
        cut = await harness.run(config)
        assert cut.status == "failed", "a run whose destination went away must fail"
        assert "simulated outage" in (cut.error or "")
        # ...and the next one, once it is back, sends the rest and only the rest.
        harness.calls.reset()
        back = await harness.run(config)
        assert back.status == "success", back.error
        if history:
            assert back.records == back.records_total
            assert cut.records + back.records == len(sent_points()), "some rows were skipped"
            wanted = list(self.expected(sent_points()))
            got = list(await self.read_back(config))
            assert multiset(got) == multiset(wanted), differences(got, wanted)
            # Sending it all again ("export again from a date") must not duplicate anything.
            replay = await harness.run(config, since=DAYS[0])
            assert replay.status == "success", replay.error
            got = list(await self.read_back(config))
            assert multiset(got) == multiset(wanted), differences(got, wanted)
        if self.exporter_class.supports_state:
            await self._check_state(harness, config)

    # -- state -----------------------------------------------------------------------------------

    async def test_state_values_are_published_with_units(
        self, harness: Harness, config: dict[str, Any]
    ) -> None:
        if not self.exporter_class.supports_state:
            # A history-only exporter publishes no current value and claims none.
            exporter = self.make(config)
            try:
                claimed = await exporter.export_state(await harness.snapshot())
            finally:
                await exporter.aclose()
            assert claimed.records_exported == 0
            return
        log = await harness.run(config)
        assert log.status == "success", log.error
        assert harness.calls.states >= 1
        await self._check_state(harness, config)

    async def _check_state(self, harness: Harness, config: dict[str, Any]) -> None:
        snapshot = await harness.snapshot()
        published = {(v.scope, v.key): v for v in await self.read_state(config, snapshot)}
        numbers = [
            v
            for v in snapshot.values
            if v.unit and isinstance(v.value, int | float) and not isinstance(v.value, bool)
        ]
        assert numbers and any(v.scope == CONTRACT_PDL for v in numbers)
        for value in numbers:
            found = published.get((value.scope, value.key))
            assert found is not None, f"{value.scope}/{value.key} was not published"
            assert found.unit == value.unit, f"{value.key}: unit {found.unit!r}, not {value.unit}"
            sent, shown = value.value, found.value
            assert isinstance(sent, int | float) and isinstance(shown, int | float), shown
            assert float(shown) == pytest.approx(float(sent), rel=1e-9, abs=1e-9), value.key

    # -- secrets ---------------------------------------------------------------------------------

    def _secrets(self, *configs: dict[str, Any]) -> list[str]:
        model = self.exporter_class.config_model
        found = []
        for values in configs:
            for name in model.secret_fields():
                value = values.get(name)
                texts = list(value.values()) if isinstance(value, dict) else [value]
                for secret in texts:
                    if isinstance(secret, str) and len(secret) >= 3:
                        found += [secret, *(part for part in secret.split() if len(part) >= 3)]
        return found

    async def test_secrets_never_appear_in_results_or_logs(
        self,
        harness: Harness,
        config: dict[str, Any],
        unreachable_config: dict[str, Any],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        model = self.exporter_class.config_model
        for name in model.secret_fields():
            value = unreachable_config.get(name)
            given = list(value.values()) if isinstance(value, dict) else [value]
            assert given and all(isinstance(t, str) and len(t) >= 8 for t in given), (
                f"set {name} to a value of 8+ characters (each value, for a dict) in "
                "unreachable_config: the suite checks it never leaks"
            )
        # Everything this project logs, and what libraries log at INFO and above.
        caplog.set_level(logging.INFO)
        caplog.set_level(logging.DEBUG, logger="myelectricaldata")
        texts: list[str] = []
        for values in (unreachable_config, config):
            tested = await harness.service.test(harness.name, model.model_validate(values))
            texts += [tested.message, tested.error or ""]
            log = await harness.run(values)
            texts.append(log.error or "")
        texts += harness.calls.texts  # what the exporter said, before the service redacts it
        texts += [record.getMessage() for record in caplog.records]
        texts += [record.exc_text or "" for record in caplog.records]
        everything = "\n".join(texts)
        for secret in self._secrets(config, unreachable_config):
            assert secret not in everything, "a secret appears in a result or a log"

    def test_a_masked_secret_is_only_reused_where_it_was_saved(
        self, harness: Harness, config: dict[str, Any], unreachable_config: dict[str, Any]
    ) -> None:
        model = self.exporter_class.config_model
        configs = harness.service.configs
        saved = configs.save(harness.name, unreachable_config)
        shown = configs.masked(saved)
        # The form sent back as shown keeps every secret.
        kept = configs.unsaved(harness.name, shown)
        assert kept.secret_values() == saved.secret_values()
        expected = {
            name
            for name in model.secret_fields() - model.self_bound_fields()
            if shown.get(name) == MASK or (isinstance(shown.get(name), dict) and shown[name])
        }
        if not expected:
            # Nothing secret to carry elsewhere: the exporter declares no (bound) secret.
            assert not model.secret_fields() - model.self_bound_fields()
            return
        working = model.model_validate(config)
        assert not saved.destination().covers(working.destination()), (
            "config and unreachable_config must point at different places; if they do, mark "
            "the address fields setting(..., destination=True) (or override destination())"
        )
        # The same form pointed at another place: refused, naming each masked secret.
        moved = shown | {
            name: working.model_dump(mode="json")[name]
            for name in model.destination_fields()
            if name not in model.secret_fields()
        }
        with pytest.raises(ValidationError) as refused:
            configs.unsaved(harness.name, moved)
        errors = refused.value.errors()
        assert {str(e["loc"][0]) for e in errors} == expected, errors
        assert all(e["type"] == "secret_unbound" for e in errors), errors
        text = str(refused.value)
        assert "destination changed" in text
        for secret in self._secrets(unreachable_config):
            assert secret not in text, "the refusal shows a secret"
