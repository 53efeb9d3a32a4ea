"""Writes decisioning results into BENCHMARKS.md, only between our own markers:
``<!-- bench:decisioning -->`` ... ``<!-- /bench:decisioning -->``, one sub-block per benchmark."""

from __future__ import annotations

import datetime
import platform
from collections.abc import Sequence
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"
START, END = "<!-- bench:decisioning -->", "<!-- /bench:decisioning -->"
TITLES = {
    "engine": "Batch engine: 1M customers x 50 offers x 5 conditions, top 3",
    "recommend": "Recommend API under gunicorn, 32 concurrent loopback clients",
}


def _block(name: str, rows: Sequence[tuple[str, str]], command: str) -> str:
    lines = [
        f"<!-- decisioning:{name} -->",
        f"#### {TITLES.get(name, name)}",
        "",
        "| measure | result |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
        f"Reproduce: {command}. Measured {datetime.date.today().isoformat()} on "
        f"{platform.machine()} / Python {platform.python_version()}.",
        f"<!-- /decisioning:{name} -->",
    ]
    return "\n".join(lines)


def report(
    name: str, title: str, rows: Sequence[tuple[str, str]], command: str, *, write: bool
) -> None:
    """Print the rows as a two-column table and, with ``write``, put them in BENCHMARKS.md."""
    width = max(len(k) for k, _ in rows)
    print(f"{title:<{width}}  result")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if write:
        write_rows(name, rows, command)


def write_rows(name: str, rows: Sequence[tuple[str, str]], command: str) -> None:
    text = PATH.read_text() if PATH.exists() else "# Benchmarks\n"
    if START not in text:
        text = text.rstrip("\n") + f"\n\n{START}\n### Decisioning\n{END}\n"
    head, rest = text.split(START, 1)
    section, tail = rest.split(END, 1)
    block = _block(name, rows, command)
    open_tag, close_tag = f"<!-- decisioning:{name} -->", f"<!-- /decisioning:{name} -->"
    if open_tag in section:
        before, after = section.split(open_tag, 1)
        after = after.split(close_tag, 1)[1]
        section = before + block + after
    else:
        section = section.rstrip("\n") + "\n\n" + block + "\n"
    PATH.write_text(head + START + section + END + tail)
