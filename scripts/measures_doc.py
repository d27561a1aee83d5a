"""Write the measures table of docs/measures.md from the catalogue (``MEASURES``).

    .venv/bin/python scripts/measures_doc.py            # print the table
    .venv/bin/python scripts/measures_doc.py --write    # rewrite it in docs/measures.md
    .venv/bin/python scripts/measures_doc.py --check    # exit 1 when the document is stale

Only the part between the two markers is generated; the rest of the document is prose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from myelectricaldata.exporters.measures import MEASURES

DOC = Path(__file__).resolve().parent.parent / "docs" / "measures.md"
BEGIN = "<!-- measures:begin (generated from MEASURES by scripts/measures_doc.py) -->"
END = "<!-- measures:end -->"


def measures_table() -> str:
    """The catalogue as a Markdown table, one row per measure."""
    lines = [
        "| key | scope | label (fr) | label (en) | unit | device_class | state_class | "
        "how it is computed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in MEASURES:
        options = f" options: {', '.join(m.options)}." if m.options else ""
        cells = [
            f"`{m.key}`",
            m.scope,
            m.label_fr,
            m.label_en,
            m.unit or "",
            m.device_class or "",
            m.state_class or "",
            (m.doc + options).replace("|", "\\|"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(text: str) -> str:
    """``text`` with the part between the markers replaced by :func:`measures_table`."""
    head, found, rest = text.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise ValueError(f"the document needs the markers {BEGIN!r} and {END!r}")
    return f"{head}{BEGIN}\n{measures_table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Print the table, rewrite it in the document, or check the document is current."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--doc", type=Path, default=DOC, help="the document (docs/measures.md)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite the table in the document")
    action.add_argument("--check", action="store_true", help="exit 1 if the document is stale")
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        sys.stdout.write(measures_table() + "\n")
        return 0
    text = args.doc.read_text(encoding="utf-8")
    fresh = render(text)
    if args.check:
        if fresh != text:
            sys.stderr.write(f"{args.doc} is out of date: run scripts/measures_doc.py --write\n")
            return 1
        return 0
    args.doc.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
