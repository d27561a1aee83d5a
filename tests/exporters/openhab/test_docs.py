"""docs/integrations/openhab.md shows the settings exactly as the config declares them.

The table between the ``openhab-settings`` markers is built here from ``OpenHABConfig`` (field,
variable, default, English label and help, secret or not). After changing a field, print the
new table with ``.venv/bin/python -m tests.exporters.openhab.test_docs`` and paste it there.
"""

from __future__ import annotations

import json
from pathlib import Path

from myelectricaldata.exporters.openhab import OpenHABConfig

DOC = Path(__file__).resolve().parents[3] / "docs" / "integrations" / "openhab.md"
BEGIN = (
    "<!-- openhab-settings:begin (generated from OpenHABConfig, "
    "see tests/exporters/openhab/test_docs.py) -->"
)
END = "<!-- openhab-settings:end -->"


def default_text(value: object) -> str:
    """A default as the docs show it."""
    if value == "":
        return "*(empty)*"
    return f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`"


def settings_table() -> str:
    """The settings table of the docs page, from the config's fields and texts."""
    rows = [
        "| field | environment variable | default | label | meaning |",
        "|---|---|---|---|---|",
    ]
    secrets = OpenHABConfig.secret_fields()
    for name, info in OpenHABConfig.model_fields.items():
        label, help_text = OpenHABConfig.field_texts(name, "en")
        variable = f"{OpenHABConfig.env_prefix}_{name}".upper()
        meaning = help_text + (" **Secret**." if name in secrets else "")
        rows.append(
            f"| `{name}` | `{variable}` | {default_text(info.default)} | {label} | {meaning} |"
        )
    return "\n".join(rows)


def documented_table() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOC} lacks the settings markers"
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def test_the_docs_settings_table_is_the_configs() -> None:
    assert documented_table() == settings_table(), (
        "docs/integrations/openhab.md is out of date: paste the output of "
        "`.venv/bin/python -m tests.exporters.openhab.test_docs` between its markers"
    )


def test_the_table_names_every_field_once() -> None:
    lines = settings_table().splitlines()[2:]
    assert [line.split("`")[1] for line in lines] == list(OpenHABConfig.model_fields)


if __name__ == "__main__":
    print(settings_table())
