"""The inspect views as images: text shaded character by character (drawn with Pillow, so a page
of text costs milliseconds rather than one matplotlib artist per character), and the gate
saturation scatter plot (matplotlib)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from rnnlab.dashboards.figures import plt
from rnnlab.inspect.analysis import Inspection, shown_cells, widest_label
from rnnlab.inspect.properties import TrackingCell

# Shipped with matplotlib, so every machine that draws the other figures has it.
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MONO_FONT = _FONT_DIR / "DejaVuSansMono.ttf"
LABEL_FONT = _FONT_DIR / "DejaVuSans.ttf"

SURPRISE_SCALE_BITS = 6.0  # this many bits or more is the darkest red: log2(64), a wild guess
NEWLINE_MARK = "↵"  # a line break is shown, then breaks the line, so its own shading is visible

WHITE = np.array([255, 255, 255], dtype=float)
RED = np.array([214, 39, 40], dtype=float)
BLUE = np.array([31, 119, 180], dtype=float)


def surprise_colours(bits: np.ndarray) -> np.ndarray:
    """White for 0 bits to red for `SURPRISE_SCALE_BITS` or more: (n, 3) uint8."""
    share = np.clip(np.asarray(bits, dtype=float) / SURPRISE_SCALE_BITS, 0, 1)[:, None]
    return np.round(WHITE + share * (RED - WHITE)).astype(np.uint8)


def activation_colours(values: np.ndarray) -> np.ndarray:
    """Blue for the cell's most negative value, white for 0, red for its most positive: (n, 3)
    uint8, scaled by the largest |value| so each cell uses the whole range."""
    values = np.asarray(values, dtype=float)
    scale = float(np.abs(values).max()) or 1.0
    share = np.clip(values / scale, -1, 1)[:, None]
    towards = np.where(share >= 0, RED, BLUE)
    return np.round(WHITE + np.abs(share) * (towards - WHITE)).astype(np.uint8)


@dataclass(frozen=True)
class TextLayout:
    """Where each character of a text sits on a grid of `columns` characters per row."""

    rows: np.ndarray  # (n,) row of each character
    columns: np.ndarray  # (n,) column of each character
    lines: list[str]  # the characters of each row, as drawn

    @property
    def height(self) -> int:
        return len(self.lines)


def layout(text: str, columns: int = 100) -> TextLayout:
    """Rows of at most `columns` characters; a line break is drawn as `NEWLINE_MARK` and ends its
    row. Tabs and other control characters are drawn as spaces."""
    rows, cols, lines, current = [], [], [], []
    for char in text:
        if len(current) == columns:
            lines.append("".join(current))
            current = []
        rows.append(len(lines))
        cols.append(len(current))
        if char == "\n":
            current.append(NEWLINE_MARK)
            lines.append("".join(current))
            current = []
        else:
            current.append(char if char.isprintable() else " ")
    lines.append("".join(current))
    return TextLayout(np.array(rows, dtype=int), np.array(cols, dtype=int), lines)


def shaded_text(
    text: str, colours: np.ndarray, title: str, columns: int = 100, font_size: int = 13
) -> Image.Image:
    """`text` on a white image, each character's background in its colour (n, 3), under a title."""
    mono = ImageFont.truetype(str(MONO_FONT), font_size)
    label = ImageFont.truetype(str(LABEL_FONT), font_size + 1)
    grid = layout(text, columns)
    advance, line_height = mono.getlength("M"), round(font_size * 1.45)
    margin, title_height = 6, round(font_size * 2.0)
    # Column edges rounded from the font's fractional advance, so backgrounds meet the glyphs.
    edges = np.round(np.arange(columns + 1) * advance).astype(int)
    cells = np.full((grid.height, columns, 3), 255, dtype=np.uint8)
    cells[grid.rows, grid.columns] = colours[: len(text)]
    pixels = cells.repeat(line_height, axis=0).repeat(np.diff(edges), axis=1)
    width = max(int(edges[-1]) + 2 * margin, round(label.getlength(title)) + 2 * margin)
    canvas = np.full((title_height + pixels.shape[0] + margin, width, 3), 255, dtype=np.uint8)
    canvas[title_height : title_height + pixels.shape[0], margin : margin + pixels.shape[1]] = (
        pixels
    )
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    draw.text((margin, margin // 2), title, font=label, fill=(30, 30, 30))
    baseline_pad = (line_height - font_size) // 2 - 1
    for row, line in enumerate(grid.lines):
        top = title_height + row * line_height + baseline_pad
        draw.text((margin, top), line, font=mono, fill=(20, 20, 20))
    return image


def stacked(images: list[Image.Image], gap: int = 8) -> Image.Image:
    """Images one under another on white, left-aligned."""
    width = max(image.width for image in images)
    height = sum(image.height for image in images) + gap * (len(images) - 1)
    sheet = Image.new("RGB", (width, height), "white")
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height + gap
    return sheet


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Light compression: these images are mostly flat colour, and the default level takes
    # several times longer for a few per cent.
    image.save(buffer, format="PNG", compress_level=2)
    return buffer.getvalue()


GATE_COLOURS = {
    "input": "tab:blue",
    "forget": "tab:green",
    "output": "tab:red",
    "reset": "tab:purple",
    "update": "tab:orange",
}


def saturation_figure(saturation: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]):
    """One panel per layer: a dot per gate unit at (fraction of time left-saturated,
    fraction right-saturated), as in Karpathy et al. (2015), figure 4."""
    layers = sorted({layer for layer, _ in saturation})
    figure, panels = plt.subplots(
        1, len(layers), figsize=(4.2 * len(layers), 4.2), squeeze=False, sharey=True
    )
    for panel, layer in zip(panels[0], layers, strict=True):
        for (at, gate), (left, right) in saturation.items():
            if at == layer:
                panel.scatter(
                    left, right, s=9, alpha=0.6, color=GATE_COLOURS.get(gate), label=f"{gate} gate"
                )
        panel.plot([0, 1], [1, 0], color="0.8", linewidth=1, zorder=0)  # always saturated
        panel.set(xlim=(-0.03, 1.03), ylim=(-0.03, 1.03), title=f"layer {layer + 1}")
        panel.set_xlabel("fraction of time left-saturated (< 0.1)")
        panel.grid(alpha=0.25)
    panels[0][0].set_ylabel("fraction of time right-saturated (> 0.9)")
    panels[0][0].legend(loc="upper right", fontsize=8)
    # Fixed margins: tight_layout measures every label first, as long again as drawing.
    figure.subplots_adjust(left=0.8 / figure.get_figwidth(), right=0.98, bottom=0.13, top=0.92)
    return figure


def figure_image(figure, dpi: int = 100) -> Image.Image:
    """A matplotlib figure as a Pillow image; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


# ---- the inspect views as images ---------------------------------------------------------------
def surprise_image(inspection: Inspection, max_chars: int | None = None) -> Image.Image:
    """The text shaded by the bits spent on each character (the first, never predicted, white)."""
    text = inspection.text[:max_chars]
    bits = np.concatenate([[0.0], inspection.bits])[: len(text)]
    shown = "" if len(text) == len(inspection.text) else f", first {len(text)} shown"
    title = (
        f"surprise: {inspection.bits_per_char:.3f} bits per character over "
        f"{len(inspection.text)} characters{shown} (white 0 bits, red {SURPRISE_SCALE_BITS:g}+)"
    )
    return shaded_text(text, surprise_colours(bits), title)


def cell_image(
    inspection: Inspection, layer: int, state: str, cell: int, label: str, max_chars: int | None
) -> Image.Image:
    """The text shaded by one cell's activation: blue negative, red positive."""
    text = inspection.text[:max_chars]
    values = inspection.activation(layer, state, cell)[: len(text)]
    return shaded_text(text, activation_colours(values), label)


def tracking_label(cell: TrackingCell) -> str:
    return f"{cell.property}: {cell.name}, r = {cell.correlation:+.2f}"


def cells_image(inspection: Inspection, max_chars: int | None = None) -> Image.Image:
    """The cells that track a property (per property and layer), then the widest cells."""
    images = [
        cell_image(inspection, c.layer, c.state, c.cell, tracking_label(c), max_chars)
        for c in shown_cells(inspection)
    ]
    if not images:
        images.append(
            shaded_text(
                "",
                np.zeros((0, 3), np.uint8),
                f"no cell tracks a property with |r| >= {inspection.needed_correlation:.2f}",
            )
        )
    for layer, state, cell, variance in inspection.widest:
        label = "varies most: " + widest_label(inspection, layer, state, cell, variance)
        images.append(cell_image(inspection, layer, state, cell, label, max_chars))
    return stacked(images)


def gates_image(inspection: Inspection) -> Image.Image | None:
    """The saturation scatter plot; None for a vanilla RNN, which has no gates."""
    if not inspection.saturation:
        return None
    return figure_image(saturation_figure(inspection.saturation))
