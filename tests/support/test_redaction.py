"""One redactor: secrets masked as typed, URL-encoded, in base64 Basic values and in URLs, with
the credentials they carry; and in every log record of the process, whoever logs it."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from myelectricaldata.support.redaction import (
    MASK,
    Redactor,
    redact,
    redact_logs,
    stop_redacting_logs,
)

SECRET = "s3cr:et/with+signs"


def test_a_secret_is_masked_as_typed_and_url_encoded() -> None:
    text = f"failed for {SECRET} (sent as {quote(SECRET, safe='')})"
    masked = redact(text, [SECRET])
    assert SECRET not in masked and quote(SECRET, safe="") not in masked
    assert masked.count(MASK) == 2


def test_a_basic_authorization_value_of_the_saved_password_is_masked() -> None:
    redactor = Redactor()
    redactor.add_basic("jeedom", "hunter22")
    value = base64.b64encode(b"jeedom:hunter22").decode()
    masked = redactor(f"server echoed {value} back")
    assert value not in masked and MASK in masked


def test_credentials_after_an_auth_scheme_are_masked_even_when_unknown() -> None:
    masked = redact("headers: Authorization: Basic dXNlcjpwYXNzd29yZA==, X: Bearer abc.def.ghi1")
    assert "dXNlcjpwYXNzd29yZA" not in masked and "abc.def.ghi1" not in masked
    assert masked.count(MASK) == 2


def test_prose_after_the_word_basic_is_left_alone() -> None:
    text = "Basic authentication failed: check the user"
    assert redact(text) == text


def test_passwords_in_urls_are_masked() -> None:
    masked = redact("cannot reach mqtt://user:p4ss@broker:1883 or https://a:b@host/x")
    assert "p4ss" not in masked and ":b@" not in masked
    assert "mqtt://user:" in masked and "broker:1883" in masked


def test_short_values_are_not_masked() -> None:
    assert redact("a b c", ["a", ""]) == "a b c"


def test_longest_form_is_masked_whole() -> None:
    redactor = Redactor(["abc", "abcdef"])
    assert redactor("xabcdefx") == f"x{MASK}x"


# -- encodings a secret travels in -----------------------------------------------------------------


def test_the_credentials_a_secret_carries_are_masked_decoded() -> None:
    basic = base64.b64encode(b"alice:hunter2-pw").decode()
    redactor = Redactor([f"Basic {basic}", "mqtt://linky:p%40ss-w0rd@broker:1883"])
    masked = redactor("refused alice:hunter2-pw; password hunter2-pw; broker said p@ss-w0rd")
    for secret in ("hunter2-pw", "alice:hunter2-pw", "p@ss-w0rd"):
        assert secret not in masked


def test_a_token_sent_as_a_basic_user_or_password_is_masked() -> None:
    redactor = Redactor(["oh.tok3n-value"])
    for pair in (b"oh.tok3n-value:", b":oh.tok3n-value"):
        value = base64.b64encode(pair).decode()
        assert value not in redactor(f"echo {value}!"), pair


def test_a_redactor_merges_another() -> None:
    mine, other = Redactor(["first-secret"]), Redactor(["second-secret"])
    mine.merge(other)
    assert mine("first-secret second-secret") == f"{MASK} {MASK}"
    other.add("third-secret")  # merged once: later additions of the other are its own
    assert "third-secret" in mine("third-secret")


# -- logs ----------------------------------------------------------------------------------------


@pytest.fixture
def log_redactor() -> Iterator[Redactor]:
    redactor = Redactor(["tok-LOG-0123456789"])
    redact_logs(redactor)
    yield redactor
    stop_redacting_logs(redactor)


class Frame:
    """An object logged with %s, as websockets logs its frames."""

    def __str__(self) -> str:
        return 'TEXT \'{"type": "auth", "access_token": "tok-LOG-0123456789"}\' [60 bytes]'


def test_every_log_record_is_masked_whoever_logs_it_at_any_level(
    log_redactor: Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    library = logging.getLogger("some.library")
    library.debug("> %s", Frame())
    library.info("token=%s user=%s", "tok-LOG-0123456789", "linky")
    library.warning("sent tok-LOG-0123456789 as %d", 3)
    try:
        raise RuntimeError("refused tok-LOG-0123456789")
    except RuntimeError:
        library.exception("failed")
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "tok-LOG-0123456789" not in text
    assert len(caplog.records) == 4 and text.count(MASK) >= 5
    # A text argument keeps its place (formatters such as uvicorn's access log read args).
    assert caplog.records[1].args == (MASK, "linky")
    assert "RuntimeError: refused ********" in (caplog.records[3].exc_text or "")


def test_a_secret_added_later_is_masked_in_logs_too(
    log_redactor: Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    log_redactor.add("added-LATER-98765")
    logging.getLogger("x").info("key added-LATER-98765")
    assert caplog.records[0].getMessage() == f"key {MASK}"


def test_a_stopped_redactor_no_longer_applies(caplog: pytest.LogCaptureFixture) -> None:
    redactor = Redactor(["stopped-SECRET-123"])
    redact_logs(redactor)
    stop_redacting_logs(redactor)
    caplog.set_level(logging.INFO)
    logging.getLogger("x").info("stopped-SECRET-123")
    assert caplog.records[0].getMessage() == "stopped-SECRET-123"


def test_a_long_secret_shown_cut_is_masked_on_both_sides_of_the_cut() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.Xk9aQ2Zt-signature-part"
    redactor = Redactor([token])
    elided = f'> TEXT \'{{"access_token": "{token[:20]}...{token[-24:]}"}}\' [99 bytes]'
    masked = redactor(elided)
    assert token[:20] not in masked and token[-24:] not in masked
    assert masked == f'> TEXT \'{{"access_token": "{MASK}...{MASK}"}}\' [99 bytes]'
    # Cut off at a length limit (an excerpt of an answer), or starting mid-way.
    assert redactor(f"refused: {token[:30]}") == f"refused: {MASK}"
    assert redactor(f"{token[-30:]} (truncated)") == f"{MASK} (truncated)"
    # Short parts, and parts away from any cut, are ordinary text.
    text = f"{token[:6]}... and {token[:12]} here"
    assert redactor(text) == text
