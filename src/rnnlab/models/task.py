"""What every task's LightningModule shares: evaluation hooks for val and test, and optimisers from config."""

from __future__ import annotations

from typing import Any

import hydra
import lightning as L

DEFAULT_OPTIMIZER = {"_target_": "torch.optim.AdamW", "_partial_": True}


def configure_optimizers(module: L.LightningModule, optimizer: dict[str, Any] | None, scheduler: dict[str, Any] | None):
    """What `LightningModule.configure_optimizers` returns; the scheduler steps every training step.

    The configs are plain Hydra dicts (`_partial_: true`), kept as data so checkpoints load with weights_only.
    """
    built = hydra.utils.instantiate(optimizer or DEFAULT_OPTIMIZER)(module.parameters())
    if not scheduler:
        return built
    return {
        "optimizer": built,
        "lr_scheduler": {"scheduler": hydra.utils.instantiate(scheduler)(built), "interval": "step"},
    }


class TaskModule(L.LightningModule):
    """Subclasses implement `_eval_step(batch, batch_idx, stage)` and `_eval_epoch_end(stage)` once for
    both val and test, and keep `optimizer` / `scheduler` configs in their hyperparameters."""

    def _eval_step(self, batch, batch_idx: int, stage: str) -> None:
        raise NotImplementedError

    def _eval_epoch_end(self, stage: str) -> None:
        raise NotImplementedError

    def validation_step(self, batch, batch_idx: int) -> None:
        self._eval_step(batch, batch_idx, "val")

    def on_validation_epoch_end(self) -> None:
        self._eval_epoch_end("val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._eval_step(batch, batch_idx, "test")

    def on_test_epoch_end(self) -> None:
        self._eval_epoch_end("test")

    def configure_optimizers(self):
        return configure_optimizers(self, self.hparams.optimizer, self.hparams.scheduler)
