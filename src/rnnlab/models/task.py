"""What every task's LightningModule shares: evaluation hooks for val and test, and optimisers from config."""

from __future__ import annotations

from typing import Any

import hydra
import lightning as L
import torch
from torch.optim.lr_scheduler import ConstantLR

from rnnlab.dashboard import logging_step
from rnnlab.errors import NonFiniteLoss

DEFAULT_OPTIMIZER = {"_target_": "torch.optim.AdamW", "_partial_": True}


def configure_optimizers(module: L.LightningModule, optimizer: dict[str, Any] | None, scheduler: dict[str, Any] | None):
    """What `LightningModule.configure_optimizers` returns; the scheduler steps every training step.

    The configs are plain Hydra dicts (`_partial_: true`), kept as data so checkpoints load with weights_only.
    """
    built = hydra.utils.instantiate(optimizer or DEFAULT_OPTIMIZER)(module.parameters())
    # A constant schedule when none is set, so the dashboard's learning-rate curve is always named `lr`.
    schedule = hydra.utils.instantiate(scheduler)(built) if scheduler else ConstantLR(built, factor=1.0, total_iters=0)
    return {"optimizer": built, "lr_scheduler": {"scheduler": schedule, "interval": "step", "name": "lr"}}


class TaskModule(L.LightningModule):
    """Subclasses implement `_eval_step(batch, batch_idx, stage)` and `_eval_epoch_end(stage)` once for
    both val and test, and keep `optimizer` / `scheduler` configs in their hyperparameters."""

    item_unit = "items"  # what `batch_items` counts, as the throughput scalar names it

    def batch_items(self, batch) -> int:
        """What throughput counts in one training batch (characters, tokens, words or time steps): an int, or a
        0-d tensor left on the device so counting costs no host sync per step."""
        raise NotImplementedError

    def embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        """Embedding tables for TensorBoard's projector: tag -> (weights (n, dim), the n tokens)."""
        return {}

    def on_train_start(self) -> None:
        self._training_seed = torch.initial_seed()
        # A resumed run restores its scheduler with the old run's settings, T_max (trainer.max_steps) included,
        # and past the old T_max a cosine schedule climbs back up. This run's settings win: the schedule goes on
        # from the rate reached and ends at the new horizon.
        settings = {key: value for key, value in (self.hparams.get("scheduler") or {}).items() if key[0] != "_"}
        for config in self.trainer.lr_scheduler_configs:
            for key, value in settings.items():
                if hasattr(config.scheduler, key):
                    setattr(config.scheduler, key, value)

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        # Training draws (dropout, teacher forcing) come from a generator reseeded from (seed, step): a run
        # resumed from a checkpoint draws exactly what the uninterrupted run would, validations in between or not.
        seed = (self._training_seed * 1_000_003 + self.global_step) % 2**63
        torch.default_generator.manual_seed(seed)  # torch.manual_seed also walks every backend: 100x slower
        if self.device.type == "cuda":
            torch.cuda.manual_seed(seed)

    def log(self, name: str, value, *args, **kwargs) -> None:
        # A nan or infinite loss stops the run before the step (training) or the checkpoint (validation) uses it.
        if name.endswith("/loss") and isinstance(value, torch.Tensor):
            self.stop_if_non_finite(name, value)
        super().log(name, value, *args, **kwargs)

    def log_training(self, loss: torch.Tensor, **metrics: torch.Tensor) -> None:
        """Stop on a nan or inf loss; log `train/loss` (also to the progress bar) and `train/<metric>`.

        They are logged at the logging steps only, the only steps whose values the loggers write: each
        `self.log` costs Lightning about 0.8 ms of bookkeeping, as much as a small model's whole step.
        """
        self.stop_if_non_finite("train/loss", loss)
        if logging_step(self.trainer):
            for name, value in {"loss": loss, **metrics}.items():
                super().log(f"train/{name}", value, prog_bar=name == "loss")

    def stop_if_non_finite(self, name: str, loss: torch.Tensor) -> None:
        """Raise NonFiniteLoss when `loss` is nan or inf. On a GPU the check waits for the step's work to
        finish, so a training loss is looked at only at logging steps, when Lightning waits anyway; on a CPU,
        and for validation losses (which gate the checkpoints), always."""
        if self.training and loss.device.type != "cpu" and not logging_step(self.trainer):
            return
        if not bool(torch.isfinite(loss).all()):
            raise NonFiniteLoss(
                f"The {name} became {loss.item()} at step {self.global_step}; the run stopped and keeps its last "
                "good checkpoint. Lower model.optimizer.lr or set trainer.gradient_clip_val, then resume."
            )

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
