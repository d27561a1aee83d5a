"""One redactor: secrets masked as typed, URL-encoded, in base64 Basic values and in URLs."""

from __future__ import annotations

import base64
from urllib.parse import quote

from myelectricaldata.support.redaction import MASK, Redactor, redact

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
