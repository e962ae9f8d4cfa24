"""Notices from Lightning that a user cannot act on, silenced in one place, each with its reason."""

from __future__ import annotations

import warnings

IGNORED_WARNINGS = {
    # Windows are gathered from a memory-mapped array in the main process;
    # workers only add overhead.
    r".*does not have many workers.*": "data loading needs no worker processes",
    # Raised inside Lightning itself under this torch release.
    r".*isinstance\(treespec, LeafSpec\).*": "a deprecation inside Lightning",
    # With an OnExceptionCheckpoint among the callbacks, fit looks for a "last" checkpoint whenever
    # none is given and warns when a new run has none; `resolve_resume` has already decided.
    r".*\.fit\(ckpt_path=None\)` was called without a model.*": "resume is decided before fit",
    r".*fit\(ckpt_path=\"last\"\) is set, but there is no last checkpoint.*": (
        "the same, second form"
    ),
}


def silence_lightning_notices() -> None:
    """Ignore the warnings above (each matched by its message) for the rest of the process."""
    for message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
