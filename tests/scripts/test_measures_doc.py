"""scripts/measures_doc.py: the committed docs/measures.md holds the catalogue's current table,
and the script rewrites only the part between its markers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from myelectricaldata.exporters.measures import MEASURES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "measures_doc.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("measures_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_doc_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr + " (run scripts/measures_doc.py --write)"


def test_every_measure_has_one_row_and_only_the_marked_part_is_rewritten(tmp_path: Path) -> None:
    script = load_script()
    table = script.measures_table()
    for m in MEASURES:
        assert table.count(f"| `{m.key}` |") == 1, m.key
    doc = tmp_path / "measures.md"
    doc.write_text(f"# Title\n\nprose\n\n{script.BEGIN}\nstale\n{script.END}\n\nafter\n")
    assert script.main(["--doc", str(doc), "--check"]) == 1
    assert script.main(["--doc", str(doc), "--write"]) == 0
    text = doc.read_text()
    assert text.startswith("# Title\n\nprose\n\n") and text.endswith("\n\nafter\n")
    assert "stale" not in text and f"{script.BEGIN}\n{table}\n{script.END}" in text
    assert script.main(["--doc", str(doc), "--check"]) == 0


def test_a_document_without_markers_is_refused(tmp_path: Path) -> None:
    script = load_script()
    with pytest.raises(ValueError, match="markers"):
        script.render("no markers here")
