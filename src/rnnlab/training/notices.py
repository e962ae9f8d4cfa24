"""Notices from Lightning that a user cannot act on, silenced in one place, each with its reason:
warnings by their message, and info lines of Lightning's rank-zero logger.

What a run still prints on purpose: "Seed set to <n>" (change it with seed=), "GPU available:
..., used: ..." (whether the run found and uses a GPU; trainer=gpu or trainer=cpu chooses), on a
GPU "LOCAL_RANK: ... CUDA_VISIBLE_DEVICES: [...]" (which devices it sees), the model summary,
"`Trainer.fit` stopped: `max_steps=<n>` reached." (why training ended) and the progress bars.
"""

from __future__ import annotations

import logging
import re
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


IGNORED_INFO = {
    # Advertisements for hosted services: litlogger (every run without a LitLogger) and
    # litmodels (a run whose checkpoint callback Lightning adds itself).
    r"^💡 Tip: ": "a tip for another product",
    # limit_val_batches=1.0 and limit_test_batches=1.0 are the defaults, said out loud.
    r"was configured so 100% of the batches": "the defaults restated",
    # The project's callbacks include a Rich model summary on purpose.
    r"^Trainer already configured with model summary callbacks": "the summary is chosen",
    # No config of the project uses a TPU; a machine with one still hears of it.
    r"^TPU available: False, ": "no TPU to use",
    # Each of fit (on resume), validate and test names the checkpoint it loads: a resumed run
    # already says "Resuming from <checkpoint> (step <n>)" (rnnlab.training.resume), and the final
    # validation and test use the best checkpoint, which the summary prints.
    r"^Restoring states from the checkpoint path at ": "the checkpoint is named by rnnlab",
    r"^(Restored all states|Loaded model weights) from the checkpoint at ": "the same, after",
}

# Where Lightning's rank_zero_info writes (checked against Lightning 2.6).
LIGHTNING_INFO_LOGGER = "lightning.pytorch.utilities.rank_zero"


class _DropInfo(logging.Filter):
    def __init__(self, patterns: list[str]):
        super().__init__()
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.search(record.getMessage())


def silence_lightning_notices() -> None:
    """Ignore the warnings and info lines above for the rest of the process."""
    for message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    info_logger = logging.getLogger(LIGHTNING_INFO_LOGGER)
    if not any(isinstance(f, _DropInfo) for f in info_logger.filters):
        info_logger.addFilter(_DropInfo(list(IGNORED_INFO)))
