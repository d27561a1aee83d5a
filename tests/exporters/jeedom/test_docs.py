"""docs/integrations/jeedom.md lists every setting exactly as the config model declares it: its
variable, its default, the label the web UI shows and its help (the kit has no generator of
such tables: this test is what keeps the page in sync)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myelectricaldata.exporters.jeedom import JeedomConfig, JeedomExporter

DOC = Path(__file__).resolve().parents[3] / "docs" / "integrations" / "jeedom.md"


def shown(default: Any) -> str:
    """A default as the table shows it."""
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if default in (None, "", [], {}):
        return "empty"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    return f"`{default}`"


def settings_table() -> str:
    """The settings table, generated from :class:`JeedomConfig`'s fields and texts."""
    lines = [
        "| field | env variable | default | label (web UI) | meaning |",
        "|---|---|---|---|---|",
    ]
    secrets = JeedomConfig.secret_fields()
    for name, info in JeedomConfig.model_fields.items():
        label, help_text = JeedomConfig.field_texts(name, "en")
        if name in secrets:
            help_text += " Secret: encrypted at rest, masked in every answer and log."
        default = shown(info.get_default(call_default_factory=True))
        variable = f"`{JeedomConfig.env_prefix}_{name.upper()}`"
        lines.append(f"| `{name}` | {variable} | {default} | {label} | {help_text} |")
    return "\n".join(lines)


def test_the_settings_table_is_the_config_models() -> None:
    table = settings_table()
    assert table in DOC.read_text(encoding="utf-8"), (
        f"docs/integrations/jeedom.md: replace its settings table with\n\n{table}\n"
    )


def test_the_page_is_final_and_names_the_exporter() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "provisional" not in text.lower() and "Status:" not in text
    assert f"`{JeedomExporter.name}`" in text.splitlines()[2]
