"""One text through one character model: what the page, the figures and the terminal show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlab.data.text.vocab import CharVocab
from rnnlab.inspect.activations import Activations, next_char_bits, run_text, top_predictions
from rnnlab.inspect.properties import (
    MIN_CORRELATION,
    TrackingCell,
    best_cells,
    correlation_matrix,
    left_out,
    required_correlation,
    text_properties,
    widest_cells,
)
from rnnlab.nets.eval_mode import evaluating

LEFT_SATURATED, RIGHT_SATURATED = 0.1, 0.9  # the thresholds of Karpathy et al. (2015)


@dataclass
class Inspection:
    """A text of n characters read by a model, and everything measured on the way."""

    text: str  # as given (characters the model never saw are kept, and marked)
    ids: np.ndarray  # (n,) what the model read: unknown characters as its unknown symbol (id 0)
    vocab: list[str]
    unknown: list[str]  # the distinct characters of `text` the model never saw
    activations: Activations
    bits: np.ndarray  # (n - 1,) bits spent on characters 1..n-1
    top_ids: np.ndarray  # (n, 5) likeliest next characters after each character
    top_probabilities: np.ndarray  # (n, 5)
    properties: dict[str, np.ndarray]
    best: dict[str, list[TrackingCell]]  # per property: each (layer, state)'s best, strongest first
    needed_correlation: float  # |r| a cell needs to be reported
    widest: list[tuple[int, str, int, float]]
    saturation: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]  # gate -> (left, right)

    @property
    def total_bits(self) -> float:
        return float(self.bits.sum())

    @property
    def bits_per_char(self) -> float:
        return float(self.bits.mean())

    @property
    def tracking(self) -> dict[str, list[TrackingCell]]:
        """Per property looked for in the text, the cells that track it (maybe none)."""
        return {
            name: [c for c in cells if abs(c.correlation) >= self.needed_correlation]
            for name, cells in self.best.items()
        }

    @property
    def left_out(self) -> dict[str, str]:
        """The properties not looked for in this text, and why."""
        reasons = {name: left_out(values) for name, values in self.properties.items()}
        return {name: reason for name, reason in reasons.items() if reason is not None}

    def activation(self, layer: int, state: str, cell: int) -> np.ndarray:
        return self.activations.states[(layer, state)][:, cell]


def unknown_chars(text: str, vocab: CharVocab) -> list[str]:
    """The distinct characters of `text` the vocabulary does not hold, in order of appearance
    (the unknown symbol itself is one the model knows: a corpus's rare characters became it)."""
    return [c for c in dict.fromkeys(text) if c not in vocab.index]


def gate_saturation(
    gates: dict[tuple[int, str], np.ndarray],
) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]:
    """Per gate, per unit: the fraction of time it is left-saturated (< 0.1) and right-saturated
    (> 0.9)."""
    return {
        key: ((values < LEFT_SATURATED).mean(axis=0), (values > RIGHT_SATURATED).mean(axis=0))
        for key, values in gates.items()
    }


def inspect_text(
    net: nn.Module, vocab: CharVocab, text: str, min_correlation: float = MIN_CORRELATION
) -> Inspection:
    """Run `text` (two characters or more) through `net`, a RecurrentLM, once from a zero state,
    and measure it."""
    if len(text) < 2:
        raise ValueError("a text of two characters or more is needed: one to read, one to predict")
    ids = torch.from_numpy(vocab.encode(text))
    with evaluating(net):
        activations = run_text(net, ids)
    top_ids, top_probabilities = top_predictions(activations.logits)
    properties = text_properties(text)
    return Inspection(
        text=text,
        ids=ids.numpy(),
        vocab=list(vocab.chars),
        unknown=unknown_chars(text, vocab),
        activations=activations,
        bits=next_char_bits(activations.logits, ids),
        top_ids=top_ids,
        top_probabilities=top_probabilities,
        properties=properties,
        best=best_cells(activations.states, properties),
        needed_correlation=required_correlation(len(text), min_correlation),
        widest=widest_cells(activations.states),
        saturation=gate_saturation(activations.gates),
    )


def strongest_cell(inspection: Inspection) -> TrackingCell | None:
    """The cell that tracks a property best of all, if any cell reaches the needed |r|."""
    found = [cells[0] for cells in inspection.tracking.values() if cells]
    return max(found, key=lambda c: abs(c.correlation)) if found else None


def shown_cells(inspection: Inspection) -> list[TrackingCell]:
    """Per property and per layer, the state's cell that tracks it best (h or c), if any does."""
    shown = []
    for cells in inspection.tracking.values():
        layers_done: set[int] = set()
        for cell in cells:  # strongest first
            if cell.layer not in layers_done:
                layers_done.add(cell.layer)
                shown.append(cell)
    return shown


def widest_label(inspection: Inspection, layer: int, state: str, cell: int, variance: float) -> str:
    """`layer 2 c[11]: variance of tanh(c) 0.41, closest to position in word (r = +0.28)`."""
    measured = "tanh(c)" if state == "c" else "h"
    label = f"layer {layer + 1} {state}[{cell}]: variance of {measured} {variance:.2f}"
    names = [name for name in inspection.properties if name not in inspection.left_out]
    if names:
        values = np.stack([inspection.properties[name] for name in names], axis=1)
        r = correlation_matrix(inspection.activation(layer, state, cell)[:, None], values)[0]
        closest = int(np.abs(r).argmax())
        label += f", closest to {names[closest]} (r = {r[closest]:+.2f})"
    return label
