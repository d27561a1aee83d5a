"""docs/integrations/domoticz.md stays in step with the exporter: its settings table is the
config's own fields, defaults and English help, in order, and the other pages link to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myelectricaldata.exporters.domoticz import DomoticzConfig, DomoticzExporter

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "integrations" / "domoticz.md"
HEAD = "| field | env variable | default | meaning |"


def shown(value: Any) -> str:
    """A default as the table writes it."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ("", [], {}):
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def settings_table() -> list[str]:
    """The table the page must hold, from the config model."""
    lines = [HEAD, "|---|---|---|---|"]
    for name, info in DomoticzConfig.model_fields.items():
        default = info.get_default(call_default_factory=True)
        meaning = DomoticzConfig.field_texts(name, "en").help
        if name in DomoticzConfig.secret_fields():
            meaning += " **Secret**: encrypted at rest, never shown."
        env = f"{DomoticzConfig.env_prefix}_{name.upper()}"
        lines.append(f"| `{name}` | `{env}` | {shown(default)} | {meaning} |")
    return lines


def test_the_settings_table_is_the_configs_fields_defaults_and_help() -> None:
    text = PAGE.read_text(encoding="utf-8").splitlines()
    start = text.index(HEAD)
    end = next(i for i in range(start, len(text)) if not text[i].startswith("|"))
    expected = settings_table()
    assert text[start:end] == expected, "\n" + "\n".join(expected)


def test_the_page_is_final_and_linked_from_the_exporters_page_and_the_readme() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert "provisional" not in page.lower() and "**Status.**" not in page
    exporters = (ROOT / "docs" / "exporters.md").read_text(encoding="utf-8")
    assert f"| `{DomoticzExporter.name}` |" in exporters
    assert "(integrations/domoticz.md)" in exporters
    assert "Domoticz" in (ROOT / "README.md").read_text(encoding="utf-8").split("## ")[0]
