"""The inspect page: one self-contained HTML file (inline CSS, figures as inline PNG data, no script
and nothing fetched from the network), so it opens offline and can be mailed or archived alone.

Every character of a text view is its own <span>, shaded through a small palette of CSS classes;
hovering one shows its `title` (the browser's own tooltip, no script): in the surprise view the
bits spent on it and the model's five likeliest predictions there.
"""

from __future__ import annotations

import base64
from html import escape

import numpy as np

from rnnlab.inspect.analysis import Inspection, shown_cells, widest_label
from rnnlab.inspect.figures import (
    NEWLINE_MARK,
    SURPRISE_SCALE_BITS,
    activation_colours,
    surprise_colours,
)

SURPRISE_STEPS = 12  # shades of the surprise view: SURPRISE_SCALE_BITS / 12 bits apart
ACTIVATION_STEPS = 10  # shades on each side of zero in a cell view

_VISIBLE = {" ": "␣", "\n": NEWLINE_MARK, "\t": "⇥"}


def visible(char: str) -> str:
    """A character as a tooltip or a label shows it: spaces and line breaks made visible."""
    return _VISIBLE.get(char, char if char.isprintable() else f"U+{ord(char):04X}")


def _hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgb)


def palette_css() -> str:
    """The shading classes: s0..s12 (surprise, white to red) and a0..a20 (activation, blue
    through white at a10 to red)."""
    rules = []
    steps = np.arange(SURPRISE_STEPS + 1) * SURPRISE_SCALE_BITS / SURPRISE_STEPS
    for index, colour in enumerate(surprise_colours(steps)):
        rules.append(f".s{index}{{background:{_hex(colour)}}}")
    shares = np.arange(-ACTIVATION_STEPS, ACTIVATION_STEPS + 1) / ACTIVATION_STEPS
    for index, colour in enumerate(activation_colours(shares)):
        rules.append(f".a{index}{{background:{_hex(colour)}}}")
    return "\n".join(rules)


CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#222;max-width:1180px;margin:1.5em auto;
 padding:0 1em;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.92em}.note{background:#fff6d5;border-left:4px solid #e0b000;
 padding:.3em .7em;margin:.4em 0}
.text{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:13px;line-height:1.55;
 white-space:pre-wrap;word-break:break-all;border:1px solid #ddd;padding:.5em;margin:.3em 0}
.text span{border-radius:2px}
.unknown{outline:1px dashed #a00}
.big{font-size:1.25em}
table{border-collapse:collapse;font-size:.92em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
td.weak{color:#999}td.found{font-weight:bold}
details{margin:.5em 0}summary{cursor:pointer;font-weight:bold}
.legend span{display:inline-block;width:1.6em;height:1em;vertical-align:middle}
img{max-width:100%}
"""


def _surprise_class(bits: float) -> str:
    step = SURPRISE_SCALE_BITS / SURPRISE_STEPS
    return f"s{min(SURPRISE_STEPS, round(bits / step))}"


def _shown(char: str) -> str:
    """A character as it is drawn in a text view."""
    if char == "\n":
        return NEWLINE_MARK + "\n"
    return char if char.isprintable() or char == "\t" else " "


def _predictions(inspection: Inspection, position: int) -> str:
    ids = inspection.top_ids[position]
    probabilities = inspection.top_probabilities[position]
    return "\n".join(
        f"{rank}. {visible(inspection.vocab[i])}  {100 * p:.1f}%"
        for rank, (i, p) in enumerate(zip(ids, probabilities, strict=True), start=1)
    )


def surprise_view(inspection: Inspection) -> str:
    """The text, each character shaded by the bits spent on it, with the predictions as tooltip."""
    unknown = set(inspection.unknown)
    parts = []
    for t, char in enumerate(inspection.text):
        if t == 0:
            shade, tip = "", f"{visible(char)}: the first character, which nothing predicts"
        else:
            bits = float(inspection.bits[t - 1])
            shade = _surprise_class(bits)
            tip = f"{visible(char)}: {bits:.2f} bits\nthe likeliest here:\n"
            tip += _predictions(inspection, t - 1)
        if char in unknown:
            shade += " unknown"
            tip += "\nnever seen in training: read as the unknown symbol"
        parts.append(
            f'<span class="{shade.strip()}" title="{escape(tip)}">{escape(_shown(char))}</span>'
        )
    return '<div class="text">' + "".join(parts) + "</div>"


def activation_view(inspection: Inspection, values: np.ndarray) -> str:
    """The text, each character shaded by a cell's activation once it has been read."""
    scale = float(np.abs(values).max()) or 1.0
    classes = np.round(np.clip(values / scale, -1, 1) * ACTIVATION_STEPS).astype(int)
    classes += ACTIVATION_STEPS
    parts = [
        f'<span class="a{index}">{escape(_shown(char))}</span>'
        for char, index in zip(inspection.text, classes, strict=True)
    ]
    return '<div class="text">' + "".join(parts) + "</div>"


def _legend() -> str:
    steps = np.arange(SURPRISE_STEPS + 1)
    boxes = "".join(f'<span class="s{i}"></span>' for i in steps)
    return f'<p class="legend">0 bits {boxes} {SURPRISE_SCALE_BITS:g} bits or more</p>'


def _png(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{encoded}">'


def _properties_table(inspection: Inspection) -> str:
    states = sorted(inspection.activations.states)
    header = "".join(f"<th>layer {layer + 1} {state}</th>" for layer, state in states)
    rows = []
    left_out = inspection.left_out
    for name in inspection.properties:
        if name in left_out:
            reason = escape(left_out[name])
            cells = f'<td class="weak" colspan="{len(states)}">{reason}</td>'
            rows.append(f"<tr><th>{escape(name)}</th>{cells}</tr>")
            continue
        by_state = {(c.layer, c.state): c for c in inspection.best[name]}
        cells = ""
        for key in states:
            cell = by_state[key]
            found = abs(cell.correlation) >= inspection.needed_correlation
            cells += (
                f'<td class="{"found" if found else "weak"}">'
                f"{cell.state}[{cell.cell}] {cell.correlation:+.2f}</td>"
            )
        rows.append(f"<tr><th>{escape(name)}</th>{cells}</tr>")
    return f"<table><tr><th>property</th>{header}</tr>{''.join(rows)}</table>"


def _cells_section(inspection: Inspection) -> str:
    needed = inspection.needed_correlation
    parts = [
        "<h2>Cells that track the text</h2>",
        "<p>Each cell's activation once a character has been read, correlated (Pearson's r) "
        "with simple properties of the text. The table holds the best cell of every layer and "
        f"state; those with |r| &ge; {needed:.2f} are in bold and shown below, the text shaded "
        "by the cell: blue negative, white zero, red positive (scaled to the cell's largest "
        "value).</p>",
        _properties_table(inspection),
    ]
    shown = shown_cells(inspection)
    if not shown:
        parts.append(f'<p class="note">No cell reaches |r| &ge; {needed:.2f} for any property.</p>')
    strongest = max(shown, key=lambda c: abs(c.correlation)) if shown else None
    for cell in shown:
        label = f"{cell.property}: {cell.name}, r = {cell.correlation:+.2f}"
        values = inspection.activation(cell.layer, cell.state, cell.cell)
        opened = " open" if cell is strongest else ""  # the others are one click away
        parts.append(
            f'<details{opened} data-property="{escape(cell.property)}"><summary>'
            f"{escape(label)}</summary>{activation_view(inspection, values)}</details>"
        )
    parts.append(
        "<h3>The cells that vary most</h3><p>Per layer, whatever they track (a cell state is "
        "measured through tanh, as it reaches h: some cell states count up without bound).</p>"
    )
    for layer, state, cell, variance in inspection.widest:
        label = widest_label(inspection, layer, state, cell, variance)
        values = inspection.activation(layer, state, cell)
        parts.append(
            f"<details><summary>{escape(label)}</summary>"
            f"{activation_view(inspection, values)}</details>"
        )
    return '<section id="cells">' + "\n".join(parts) + "</section>"


def _gates_section(inspection: Inspection, gates_png: bytes | None) -> str:
    parts = ['<section id="gates"><h2>Gate saturation</h2>']
    if gates_png is None:
        parts.append(
            '<p class="note">A vanilla RNN has no gates: its state is rewritten at every '
            "character.</p>"
        )
    else:
        parts.append(
            "<p>One dot per gate unit: how often it is nearly shut (left-saturated, &lt; 0.1) "
            "against how often it is nearly open (right-saturated, &gt; 0.9) over this text. "
            "Dots near the grey diagonal are almost always saturated, switches; a forget-gate "
            "unit high on the y axis is one that keeps its cell's content for long spans. Dots "
            "near the origin are gates that answer in shades, depending on the text.</p>"
        )
        parts.append(_png(gates_png, "gate saturation"))
    return "\n".join(parts) + "</section>"


def page(
    inspection: Inspection,
    title: str,
    description: list[str],
    notes: list[str],
    gates_png: bytes | None,
) -> str:
    """The whole page. `description` lines go under the title; `notes` are shown highlighted."""
    meta = "<br>".join(escape(line) for line in description)
    noted = "".join(f'<p class="note">{escape(note)}</p>' for note in notes)
    surprise = (
        f'<section id="surprise" data-bits-total="{inspection.total_bits!r}" '
        f'data-bits-per-char="{inspection.bits_per_char!r}" '
        f'data-predicted-chars="{len(inspection.bits)}">'
        "<h2>Surprise</h2>"
        f'<p class="big">{inspection.bits_per_char:.3f} bits per character '
        f"({inspection.total_bits:.1f} bits for {len(inspection.bits)} predicted characters)</p>"
        "<p>Each character shaded by the bits the model spent on it, -log2 p(character | the "
        "text before it): white is expected, red is a surprise. Hover a character for the five "
        "characters the model found likeliest there.</p>"
        f"{_legend()}{surprise_view(inspection)}</section>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}\n{palette_css()}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="meta">{meta}</p>{noted}'
        f"{surprise}\n{_cells_section(inspection)}\n{_gates_section(inspection, gates_png)}"
        "</body></html>\n"
    )
