"""The results as JSON and as the Markdown tables the README links to."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")


def markdown_table(rows: list[dict]) -> list[str]:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(column)) for column in columns) + " |")
    return lines


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def write_markdown(report: dict, path: Path) -> None:
    machine = report["machine"]
    lines = [
        "# rnnlab benchmarks",
        "",
        (
            f"Measured {machine['date']}"
            f"{' at commit ' + machine['commit'] if machine.get('commit') else ''} "
            f"on {machine['cpu']} "
            f"({machine['cores']} cores, {machine['threads']} torch threads"
            f"{', GPU ' + machine['gpu'] if machine['gpu'] else ', no GPU'}), "
            f"torch {machine['torch']}, Lightning {machine['lightning']}, "
            f"Python {machine['python']}."
        ),
        "",
        f"Each figure is the median of {report['settings']['repeats']} repetitions after warm-up. "
        f"Command: `{report['command']}`",
    ]
    for section in report["sections"].values():
        lines += ["", f"## {section['title']}", ""]
        if section.get("about"):
            lines += [section["about"], ""]
        if "skipped" in section:
            lines.append(f"Skipped: {section['skipped']}")
        else:
            lines += markdown_table(section["rows"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
