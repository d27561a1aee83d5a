"""Home Assistant's token reaches no log line, even with DEBUG logging everywhere: websockets
logs every frame at DEBUG (the auth frame carries the token) and the service masks the secrets
it knows in every record."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from myelectricaldata.exporters.home_assistant.config import HomeAssistantConfig
from myelectricaldata.store.repo import Store
from myelectricaldata.support.redaction import MASK, redact_logs, stop_redacting_logs
from tests.exporters.conftest import make_export_service
from tests.fakes.homeassistant import shared_fake_homeassistant


async def test_the_token_is_masked_in_websockets_debug_frames(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = shared_fake_homeassistant()
    store = Store.open(f"sqlite:///{tmp_path / 'ha.db'}")
    service = make_export_service(store)
    redact_logs(service.configs.seen)  # as the runtime does for its ConfigStore
    caplog.set_level(logging.DEBUG)
    for name in ("websockets", "websockets.client", "myelectricaldata"):
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        config = HomeAssistantConfig(url=fake.url, token=fake.token, entities="off")
        result = await service.test("home_assistant", config)
    finally:
        stop_redacting_logs(service.configs.seen)
        store.close()
    assert result.success, result.error
    frames = [r.getMessage() for r in caplog.records if r.name.startswith("websockets")]
    auth = [text for text in frames if "access_token" in text]
    assert auth, f"websockets logged no auth frame at DEBUG: {frames[:5]}"
    assert all(MASK in text for text in auth), auth
    everything = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert fake.token not in everything
