"""Training throughput in the task's own unit: characters, tokens,
words or time steps per second."""

from __future__ import annotations

import time

import lightning as L
import torch

from rnnlab.core.lightning_internals import is_logging_step
from rnnlab.tasks.task import TaskModule


class Throughput(L.Callback):
    """Log `throughput/<unit>_per_s` at logging steps: items the model read since the previous
    logging step over the wall time it took (data loading included, validation excluded).

    The task says what an item is: `count_items(batch)` counts them (a number, or a tensor summed on
    the device and read only at logging steps) and `throughput_unit` names them.
    """

    def __init__(self):
        self._items, self._since = 0, None

    def _restart(self, *_) -> None:
        self._items, self._since = 0, time.perf_counter()

    on_train_start = on_validation_end = _restart

    def on_train_batch_end(self, trainer: L.Trainer, module: TaskModule, outputs, batch, batch_idx):
        self._items += module.count_items(batch)
        if not is_logging_step(trainer) or self._since is None:
            return
        if trainer.strategy.root_device.type == "cuda":
            torch.cuda.synchronize()  # the clock must see the queued kernels finish
        rate = float(self._items) / (time.perf_counter() - self._since)
        module.log(f"throughput/{module.throughput_unit}_per_s", rate, on_step=True, on_epoch=False)
        self._restart()
