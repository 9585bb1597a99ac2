"""Read the figures README.md quotes, so tests can compare them with what scripts print."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def table_after(marker: str) -> dict[str, list[str]]:
    """The first Markdown table after the line containing ``marker``: row label -> cells.

    Labels and cells lose Markdown emphasis and code marks.
    """
    lines = readme_text().splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    table: list[list[str]] = []
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            if table:
                break
            continue
        table.append([re.sub(r"[*`]", "", c).strip() for c in line.strip().strip("|").split("|")])
    # The header row and the rule under it are not rows.
    return {cells[0]: cells[1:] for cells in table[2:]}


def fixed4(value: float) -> str:
    return f"{value:.4f}"
