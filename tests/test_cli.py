"""The command line: sync with a progress bar, status, db upgrade, and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from myelectricaldata.cli import main
from tests.fakes.gateway import FakeGateway, FakePdl, shared_fake_gateway


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("MED_CLIENT_SECRET", "DATABASE_URL", "MED_API_URL", "MED_DEMO"):
        monkeypatch.delenv(name, raising=False)
    return {"MED_DATA_DIR": str(tmp_path / "data"), "SCHEDULER_ENABLED": "false"}


def test_db_upgrade_creates_the_database(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    from alembic.script import ScriptDirectory

    from myelectricaldata.store.db import alembic_config_without_engine

    scripts = ScriptDirectory.from_config(alembic_config_without_engine())
    assert f"revision {scripts.get_current_head()}" in result.output  # the newest migration
    assert (Path(env["MED_DATA_DIR"]) / "myelectricaldata.db").exists()


def test_sync_demo_then_status(env: dict[str, str]) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["sync", "--pdl", "09999000000001"], env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert "sync success" in result.output
    assert "] " in result.stderr and "/" in result.stderr  # the progress bar
    status = runner.invoke(main, ["status"], env=env)
    assert status.exit_code == 0, status.output
    assert "source: demo (DEMO data)" in status.output
    assert "09999000000001" in status.output
    assert "cli success" in status.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["sync", "--pdl", "123"], "--pdl"),
        (["sync", "--from", "2024-02-30"], "--from"),
        (["sync", "--from", "2024-02-01", "--to", "2024-01-01"], "--to"),
    ],
)
def test_bad_input_names_the_option(env: dict[str, str], args: list[str], named: str) -> None:
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2
    assert named in result.output + result.stderr


def test_unknown_pdl_is_refused(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["sync", "--pdl", "11111111111111"], env=env)
    assert result.exit_code == 2
    assert "unknown usage point" in result.output + result.stderr


def test_gateway_outage_shows_the_reason_and_keeps_data(env: dict[str, str]) -> None:
    fake: FakeGateway = shared_fake_gateway()
    fake.reset()
    try:
        fake.now = datetime.now(UTC)
        fake.set_pdls([FakePdl("12345678901234", activation=fake.today.replace(day=1))])
        env = env | {"MED_CLIENT_SECRET": fake.secret, "MED_API_URL": fake.url}
        fake.fail_next(500, "503")
        result = CliRunner().invoke(main, ["sync"], env=env)
        assert result.exit_code == 1
        assert "sync failed" in result.output
        assert "503" in result.stderr
        assert fake.secret not in result.output + result.stderr
        status = CliRunner().invoke(main, ["status"], env=env)
        assert "failed" in status.output and "503" in status.output
        assert fake.secret not in status.output
    finally:
        fake.reset()


def test_status_shows_inactive_pdls_with_why_and_both_quota_buckets(env: dict[str, str]) -> None:
    fake: FakeGateway = shared_fake_gateway()
    fake.reset()
    try:
        fake.now = datetime.now(UTC)
        first = fake.today.replace(day=1)
        fake.set_pdls(
            [
                FakePdl("12345678901234", activation=first),
                FakePdl("22222222222222", activation=first, linked=False),
                FakePdl("11111111111111", activation=first, is_active=False),
            ]
        )
        env = env | {"MED_CLIENT_SECRET": fake.secret, "MED_API_URL": fake.url}
        result = CliRunner().invoke(main, ["sync"], env=env)
        assert result.exit_code == 3, result.output + result.stderr  # partial
        status = CliRunner().invoke(main, ["status"], env=env)
        assert status.exit_code == 0, status.output
        text = status.output
        section = text[text.index("usage points:") : text.index("last syncs:")]
        lines = {line.split()[0]: line for line in section.splitlines()[1:]}
        assert "INACTIVE" not in lines["12345678901234"]
        assert "INACTIVE" in lines["22222222222222"] and "consent" in lines["22222222222222"]
        assert "INACTIVE: inactive on the MyElectricalData site" in lines["11111111111111"]
        assert "quota (cached):" in status.output and "quota (no_cache):" in status.output
    finally:
        fake.reset()


def test_env_only_start_exports_after_sync_and_export_commands(env: dict[str, str]) -> None:
    """Only environment variables: a sync exports the demo history; list/test/run report it."""
    from tests.fakes.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver().start()
    try:
        env = env | {
            "WEBHOOK_ENABLED": "true",
            "WEBHOOK_URL": receiver.url,
            "WEBHOOK_SECRET": receiver.secret,
        }
        runner = CliRunner()
        result = runner.invoke(main, ["sync", "--pdl", "09999000000002"], env=env)
        assert result.exit_code == 0, result.output + result.stderr
        production = receiver.points("production", "09999000000002", "load_curve")
        assert len(production) > 17_000  # two years of half-hours, sent with no other step
        listing = runner.invoke(main, ["export", "list"], env=env)
        assert "webhook" in listing.output and "enabled" in listing.output
        assert "last run success" in listing.output
        assert receiver.secret not in listing.output
        tested = runner.invoke(main, ["export", "test", "webhook"], env=env)
        assert tested.exit_code == 0, tested.output + tested.stderr
        again = runner.invoke(main, ["export", "run", "webhook"], env=env)
        assert again.exit_code == 0, again.output + again.stderr
        assert "export webhook success: 0 records" in again.output
        unknown = runner.invoke(main, ["export", "run", "nope"], env=env)
        assert unknown.exit_code == 2 and "unknown exporter" in unknown.output + unknown.stderr
    finally:
        receiver.stop()
