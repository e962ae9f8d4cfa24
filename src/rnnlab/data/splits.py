"""How every split of the project is cut: val and test sizes rounded down, train the rest."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def split_sizes(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """(n_train, n_val, n_test) for `n` items: val and test get `int(n * fraction)` each, rounded
    down, and train the rest. Every split of the project is cut this way, in this order."""
    n_val, n_test = int(n * val_fraction), int(n * test_fraction)
    return n - n_val - n_test, n_val, n_test


def split_by_position(items: T, val_fraction: float, test_fraction: float) -> dict[str, T]:
    """`items` (a list or an array) cut in order into train, then val, then test."""
    n_train, n_val, _ = split_sizes(len(items), val_fraction, test_fraction)
    return {
        "train": items[:n_train],
        "val": items[n_train : n_train + n_val],
        "test": items[n_train + n_val :],
    }
