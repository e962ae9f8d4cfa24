"""Simple properties of a text, computed from the text alone, and the cells that track them.

Each property has one value per character: its value once that character has been read, which is
what the state after the character can know. A cell tracks a property when its activation over the
text correlates with the property (Pearson's r), as in Karpathy, Johnson and Fei-Fei, "Visualizing
and Understanding Recurrent Networks" (2015).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# A cell is reported for a property only when |r| reaches this. Below it the cell may follow the
# property a little, but its shaded text no longer shows the property to the eye.
MIN_CORRELATION = 0.3
# ... and only when |r| is beyond what chance gives the best of many unrelated cells: over n
# characters an unrelated cell's r has a standard deviation of about 1/sqrt(n), and the largest of
# a thousand such values is about 3.7/sqrt(n). So a short text needs a higher |r|.
CHANCE_DEVIATIONS = 5.0

_OPENING, _CLOSING = "([{", ")]}"
_SENTENCE_ENDS = ".!?"


def inside_quotes(text: str) -> np.ndarray:
    """1 from an opening straight double quote through the character before its closing one.

    A line break closes a quote left open: an unmatched quote would otherwise mark the rest of the
    text as quoted.
    """
    values = np.zeros(len(text))
    inside = False
    for t, char in enumerate(text):
        if char == '"':
            inside = not inside
        elif char == "\n":
            inside = False
        values[t] = inside
    return values


def inside_brackets(text: str) -> np.ndarray:
    """1 from an opening parenthesis or bracket through the character before its closing one
    (nested ones included); a line break closes every open one."""
    values = np.zeros(len(text))
    depth = 0
    for t, char in enumerate(text):
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
        elif char == "\n":
            depth = 0
        values[t] = depth > 0
    return values


def position_in_line(text: str) -> np.ndarray:
    """Characters read since the last line break: 0 on the break itself."""
    values = np.zeros(len(text))
    position = 0
    for t, char in enumerate(text):
        position = 0 if char == "\n" else position + 1
        values[t] = position
    return values


def position_in_word(text: str) -> np.ndarray:
    """1 on a word's first letter or digit, 2 on its second...; 0 between words."""
    values = np.zeros(len(text))
    position = 0
    for t, char in enumerate(text):
        position = position + 1 if char.isalnum() else 0
        values[t] = position
    return values


def inside_number(text: str) -> np.ndarray:
    """1 on the digits of a number, and on a point or comma between two digits (3.14, 1,000)."""
    digits = np.array([char.isdigit() for char in text], dtype=bool)
    values = digits.copy()
    between = np.zeros_like(digits)
    between[1:-1] = digits[:-2] & digits[2:]
    values |= between & np.array([char in ".," for char in text], dtype=bool)
    return values.astype(float)


def start_of_sentence(text: str) -> np.ndarray:
    """1 after a sentence's end (. ! ? or a line break) until the next word begins: where the next
    letter is likely a capital. The text's first word starts a sentence too."""
    values = np.zeros(len(text))
    waiting = True
    for t, char in enumerate(text):
        if char in _SENTENCE_ENDS or char == "\n":
            waiting = True
        elif char.isalnum():
            waiting = False
        values[t] = waiting
    return values


PROPERTIES: dict[str, Callable[[str], np.ndarray]] = {
    "inside quotes": inside_quotes,
    "inside brackets": inside_brackets,
    "position in line": position_in_line,
    "position in word": position_in_word,
    "inside a number": inside_number,
    "start of sentence": start_of_sentence,
}


def text_properties(text: str) -> dict[str, np.ndarray]:
    """Every property of `text`: name -> (len(text),) values."""
    return {name: compute(text) for name, compute in PROPERTIES.items()}


@dataclass(frozen=True)
class TrackingCell:
    """One cell of a layer's state and how it follows a property."""

    property: str
    layer: int  # 0 for the layer that reads the embeddings
    state: str  # "h" (the hidden state) or "c" (the LSTM's cell state)
    cell: int
    correlation: float

    @property
    def name(self) -> str:
        """How the page and the terminal name the cell: `layer 1 c[17]` (layers counted from 1)."""
        return f"layer {self.layer + 1} {self.state}[{self.cell}]"


# A cell whose activation moves less than this over the text is taken as constant: rounding noise
# would otherwise give it any correlation at all.
CONSTANT_SPREAD = 1e-6


def correlation_matrix(activations: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Pearson's r of each column of `activations` (time, cells) with each column of `values`
    (time, properties): (cells, properties).

    A cell (or property) that never changes follows nothing: its r is 0 rather than undefined.
    """
    activations = np.asarray(activations, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    centred = activations - activations.mean(axis=0)
    targets = values - values.mean(axis=0)
    cell_spread = np.sqrt((centred**2).sum(axis=0))
    target_spread = np.sqrt((targets**2).sum(axis=0))
    # Spreads are root sums of squares: an activation that moves by `CONSTANT_SPREAD` on every
    # character has a spread of CONSTANT_SPREAD * sqrt(time).
    floor = CONSTANT_SPREAD * np.sqrt(len(activations))
    moving = (cell_spread > floor)[:, None] & (target_spread > 0)[None, :]
    spread = np.outer(cell_spread, target_spread)
    r = np.divide(centred.T @ targets, spread, out=np.zeros_like(spread), where=moving)
    return np.clip(r, -1.0, 1.0)


def correlations(activations: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Pearson's r of each column of `activations` (time, cells) with `values` (time,)."""
    return correlation_matrix(activations, np.asarray(values)[:, None])[:, 0]


def required_correlation(n_chars: int, min_correlation: float = MIN_CORRELATION) -> float:
    """The |r| a cell needs, over `n_chars` characters, to be reported as tracking a property."""
    return max(min_correlation, CHANCE_DEVIATIONS / math.sqrt(max(n_chars, 1)))


# A property that moves with the character's index (|r| from this), as the position in the line
# does over a single long line, would be "tracked" by any cell that merely drifts as it reads.
DRIFT_CORRELATION = 0.5


def left_out(values: np.ndarray) -> str | None:
    """Why a property is not looked for in this text (None when it is): a constant one has
    nothing to track, and one that moves with the position in the text cannot be told apart from
    a cell's drift."""
    if not values.size or float(values.max() - values.min()) == 0:
        return "constant in this text"
    drift = correlations(values[:, None], np.arange(len(values), dtype=float))[0]
    if abs(drift) >= DRIFT_CORRELATION:
        return f"moves with the position in the text here (r = {drift:+.2f}): left out"
    return None


def best_cells(
    states: dict[tuple[int, str], np.ndarray], properties: dict[str, np.ndarray]
) -> dict[str, list[TrackingCell]]:
    """For each property that is not `left_out`, the best-correlated cell of each (layer, state),
    whatever its correlation, strongest first. `states` maps (layer, "h" or "c") to (time, cells).
    """
    names = [name for name, values in properties.items() if left_out(values) is None]
    if not names:
        return {}
    values = np.stack([properties[name] for name in names], axis=1)
    found: dict[str, list[TrackingCell]] = {name: [] for name in names}
    for (layer, state), activations in states.items():
        r = correlation_matrix(activations, values)  # (cells, properties)
        best = np.abs(r).argmax(axis=0)
        for column, name in enumerate(names):
            cell = int(best[column])
            found[name].append(TrackingCell(name, layer, state, cell, float(r[cell, column])))
    return {name: sorted(cells, key=lambda c: -abs(c.correlation)) for name, cells in found.items()}


def tracking_cells(
    states: dict[tuple[int, str], np.ndarray],
    properties: dict[str, np.ndarray],
    min_correlation: float = MIN_CORRELATION,
) -> dict[str, list[TrackingCell]]:
    """`best_cells` kept only where |r| reaches `required_correlation`: a property that no cell
    tracks has an empty list, and a property `left_out` of the text has none at all."""
    n_chars = len(next(iter(properties.values()))) if properties else 0
    needed = required_correlation(n_chars, min_correlation)
    return {
        name: [c for c in cells if abs(c.correlation) >= needed]
        for name, cells in best_cells(states, properties).items()
    }


def widest_cells(
    states: dict[tuple[int, str], np.ndarray], per_layer: int = 2
) -> list[tuple[int, str, int, float]]:
    """The `per_layer` cells of each layer whose activation varies most over the text, whatever
    they track: (layer, state, cell, variance), layer by layer, widest first.

    A cell state is measured through tanh, as the hidden state it feeds: an LSTM cell state has no
    bound, and a few cells that count up without ever being reset would otherwise always win.
    """
    chosen = []
    for layer in sorted({layer for layer, _ in states}):
        ranked = [
            (layer, state, int(cell), float(variance))
            for (at, state), activations in states.items()
            if at == layer
            for cell, variance in enumerate(
                (np.tanh(activations) if state == "c" else activations).var(axis=0)
            )
        ]
        chosen += sorted(ranked, key=lambda item: -item[3])[:per_layer]
    return chosen
