"""Figures for TensorBoard's Images tab (matplotlib without a display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # render to memory: no display on training machines

import matplotlib.pyplot as plt
import numpy as np


def attention_figure(weights: np.ndarray, source_words: list[str], output_words: list[str]):
    """Heatmap of attention weights (outputs, sources), words on the axes."""
    figure, axes = plt.subplots(
        figsize=(0.5 * len(source_words) + 2, 0.4 * len(output_words) + 1.5)
    )
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


def curves_figure(curves: list[tuple[str, list[int], list[float], list[float]]], metric: str):
    """One line per run of `metric` against training step (left) and wall-clock minutes (right).

    Each curve is (label, steps, minutes, values).
    """
    figure, (by_step, by_time) = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for label, steps, minutes, values in curves:
        by_step.plot(steps, values, marker="o", markersize=3, label=label)
        by_time.plot(minutes, values, marker="o", markersize=3, label=label)
    by_step.set_xlabel("training step")
    by_time.set_xlabel("wall time (minutes)")
    by_step.set_ylabel(metric)
    for axes in (by_step, by_time):
        axes.grid(alpha=0.3)
    by_step.legend()
    figure.tight_layout()
    return figure


def decay_figure(curves: list[tuple[int, list[float]]], lines: int = 8):
    """Gradient size against distance back in time, log scale: one line per training step
    (at most `lines`, evenly spaced)."""
    figure, axes = plt.subplots(figsize=(7, 4))
    chosen = [
        curves[i]
        for i in np.linspace(0, len(curves) - 1, min(lines, len(curves))).round().astype(int)
    ]
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(chosen)))
    for (step, curve), colour in zip(chosen, colours, strict=True):
        axes.semilogy(range(len(curve)), curve, color=colour, label=f"step {step}")
    axes.set_xlabel("distance back in time k (characters)")
    axes.set_ylabel("|d loss_T / d x_(T-k)|")
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize="small")
    figure.tight_layout()
    return figure
