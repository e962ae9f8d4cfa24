"""Write an inspection: the page, the PNG figures and a JSON record; and its terminal summary."""

from __future__ import annotations

import json
from pathlib import Path

from rnnlab.core.errors import check_writable
from rnnlab.inspect.analysis import Inspection
from rnnlab.inspect.figures import cells_image, gates_image, png_bytes, surprise_image
from rnnlab.inspect.page import page

PAGE = "inspect.html"
RECORD = "inspect.json"
# The PNG of the cells holds one text view per cell: beyond this many characters each view
# would be a poster. The page shows the whole text.
CELLS_PNG_CHARS = 1000


def require_writable(directory: Path) -> None:
    """Raise a UserError unless `directory` can be created and written, with room to spare."""
    check_writable(directory, setting="output_dir")


def record(inspection: Inspection) -> dict:
    """The numbers of an inspection as plain data (inspect.json)."""
    return {
        "chars": len(inspection.text),
        "predicted_chars": len(inspection.bits),
        "bits_total": inspection.total_bits,
        "bits_per_char": inspection.bits_per_char,
        "needed_correlation": inspection.needed_correlation,
        "unknown_chars": inspection.unknown,
        "properties": {
            name: {
                "tracked": bool(tracking),
                "best": [
                    {
                        "layer": c.layer + 1,
                        "state": c.state,
                        "cell": c.cell,
                        "correlation": c.correlation,
                    }
                    for c in inspection.best[name]
                ],
            }
            for name, tracking in inspection.tracking.items()
        },
        "left_out": inspection.left_out,
    }


def write_inspection(
    inspection: Inspection,
    directory: Path,
    title: str,
    description: list[str],
    notes: list[str],
) -> dict[str, Path]:
    """Write inspect.html, surprise.png, cells.png, gates.png (not for a vanilla RNN) and
    inspect.json into `directory`; return them by name."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {
        "surprise": directory / "surprise.png",
        "cells": directory / "cells.png",
    }
    written["surprise"].write_bytes(png_bytes(surprise_image(inspection)))
    written["cells"].write_bytes(png_bytes(cells_image(inspection, CELLS_PNG_CHARS)))
    gates = gates_image(inspection)
    gates_png = png_bytes(gates) if gates is not None else None
    if gates_png is not None:
        written["gates"] = directory / "gates.png"
        written["gates"].write_bytes(gates_png)
    else:  # a page for an RNN written over one for an LSTM must not leave its gates behind
        (directory / "gates.png").unlink(missing_ok=True)
    written["page"] = directory / PAGE
    html = page(inspection, title, description, notes, gates_png)
    written["page"].write_text(html, encoding="utf-8")
    written["record"] = directory / RECORD
    written["record"].write_text(json.dumps(record(inspection), indent=1), encoding="utf-8")
    return written


def summary(inspection: Inspection) -> list[str]:
    """What the terminal shows: bits per character, then the best cell per property."""
    lines = [
        f"bits per character: {inspection.bits_per_char:.3f} "
        f"({inspection.total_bits:.1f} bits over {len(inspection.bits):,} predicted characters)",
        f"cells that track the text (|r| >= {inspection.needed_correlation:.2f}):",
    ]
    width = max(len(name) for name in inspection.properties)
    left_out = inspection.left_out
    for name in inspection.properties:
        if name in left_out:
            lines.append(f"  {name:<{width}}  {left_out[name]}")
            continue
        best = inspection.best[name][0]
        found = f"{best.name}  r = {best.correlation:+.2f}"
        if abs(best.correlation) < inspection.needed_correlation:
            found = f"none (best {found})"
        lines.append(f"  {name:<{width}}  {found}")
    return lines
