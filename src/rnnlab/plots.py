"""Figures for TensorBoard's Images tab (matplotlib without a display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # render to memory: no display on training machines

import matplotlib.pyplot as plt
import numpy as np


def attention_figure(weights: np.ndarray, source_words: list[str], output_words: list[str]):
    """Heatmap of attention weights (outputs, sources), words on the axes."""
    figure, axes = plt.subplots(figsize=(0.5 * len(source_words) + 2, 0.4 * len(output_words) + 1.5))
    axes.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(len(source_words)), source_words, rotation=60, ha="right")
    axes.set_yticks(range(len(output_words)), output_words)
    axes.set_xlabel("input")
    axes.set_ylabel("output")
    figure.tight_layout()
    return figure


def forecast_figure(span: np.ndarray, labels: tuple[str, ...]):
    """Lines over the test span: one row of `span` per label (truth first)."""
    figure, axes = plt.subplots(figsize=(8, 3.5))
    for row, label, style in zip(span, labels, ("k-", "C0-", "C1:", "C2:"), strict=False):
        axes.plot(row, style, label=label)
    axes.set_xlabel("test step")
    axes.legend(loc="upper right")
    figure.tight_layout()
    return figure
