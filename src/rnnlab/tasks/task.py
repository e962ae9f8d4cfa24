"""The task contract: everything the train entry, the scripts and the callbacks call on a task.

A task is a LightningModule that wraps one network (`self.net`). It declares which task it serves,
how its validation and test metrics are made, what throughput counts, what the end-of-run demo shows
and which embeddings the projector gets. Nothing outside a task reads any other attribute of it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import hydra
import lightning as L
import torch
from torch.optim.lr_scheduler import ConstantLR
from torchmetrics import MeanMetric, MetricCollection

from rnnlab.core.errors import NonFiniteLoss, UserError
from rnnlab.core.lightning_internals import is_logging_step

DEFAULT_OPTIMIZER = {"_target_": "torch.optim.AdamW", "_partial_": True}
STAGES = ("val", "test")


def task_of(target: str) -> str:
    """The task a model class serves, from its config's `_target_` (e.g. in `task_name`)."""
    model_class = hydra.utils.get_class(target)
    if not (isinstance(model_class, type) and issubclass(model_class, TaskModule)):
        raise TypeError(f"{target} is not a rnnlab task (a subclass of TaskModule)")
    return model_class.task


def configure_optimizers(
    module: L.LightningModule, optimizer: dict[str, Any] | None, scheduler: dict[str, Any] | None
):
    """What `LightningModule.configure_optimizers` returns; the scheduler steps every training step.

    The configs are plain Hydra dicts (`_partial_: true`), kept as data so checkpoints load with
    weights_only.
    """
    built = hydra.utils.instantiate(optimizer or DEFAULT_OPTIMIZER)(module.parameters())
    # A constant schedule when none is set, so the learning-rate curve is always named `lr`.
    if scheduler:
        schedule = hydra.utils.instantiate(scheduler)(built)
    else:
        schedule = ConstantLR(built, factor=1.0, total_iters=0)
    return {
        "optimizer": built,
        "lr_scheduler": {"scheduler": schedule, "interval": "step", "name": "lr"},
    }


class MeanBits(MeanMetric):
    """A mean loss in nats, reported in bits."""

    def compute(self) -> torch.Tensor:
        return super().compute() / math.log(2)


class MeanPerplexity(MeanMetric):
    """A mean loss in nats, reported as perplexity."""

    def compute(self) -> torch.Tensor:
        return torch.exp(super().compute())


class TaskModule(L.LightningModule, ABC):
    """The contract every task fulfils.

    Subclasses set the class attributes, keep `optimizer` / `scheduler` configs in their
    hyperparameters, and call `self.init_stage_metrics(...)` in `__init__`. Validation and test
    share one `evaluate_batch`; their metrics are logged as `<stage>/<name>` at the epoch's end.
    """

    task: ClassVar[str]  # the task served, matched against the DataModule's `task`
    throughput_unit: ClassVar[str]  # what `count_items` counts, as throughput/<unit>_per_s names it
    progress_metric: ClassVar[str] = "loss"  # the validation metric the progress bar shows
    # The metrics logged as val/<name> and test/<name> (what `init_stage_metrics` builds), and as
    # train/<name> (what `log_training` gets): settings that name a metric are checked against
    # them before the run starts.
    evaluation_metrics: ClassVar[tuple[str, ...]]
    training_metrics: ClassVar[tuple[str, ...]] = ("loss",)

    net: torch.nn.Module

    # ---- what subclasses implement -------------------------------------------------------------
    @abstractmethod
    def evaluate_batch(self, batch: Any, batch_idx: int, stage: str, metrics: MetricCollection):
        """Update `metrics` (this stage's collection, base names) with one val or test batch."""

    @abstractmethod
    def count_items(self, batch: Any) -> int | torch.Tensor:
        """What throughput counts in one training batch (characters, tokens, words, time steps):
        an int, or a 0-d tensor left on the device so counting costs no host sync per step."""

    @abstractmethod
    def demo_text(self, **settings: Any) -> str:
        """Text that shows the model at work, for the end-of-run summary (`sample.<task>` settings).

        Raises a UserError when the settings do not suit the model and its data.
        """

    def projector_embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        """Embedding tables for TensorBoard's projector: tag -> (weights (n, dim), the n tokens)."""
        return {}

    def end_evaluation(self, stage: str, values: dict[str, float]) -> None:
        """After a stage's metrics are logged: write examples or figures (nothing by default)."""

    # ---- shared machinery ----------------------------------------------------------------------
    @classmethod
    def logged_metrics(cls) -> dict[str, tuple[str, ...]]:
        """Stage -> the `<stage>/<name>` metrics this task logs, as declared."""
        stages = {"train": cls.training_metrics} | dict.fromkeys(STAGES, cls.evaluation_metrics)
        return {
            stage: tuple(f"{stage}/{name}" for name in names) for stage, names in stages.items()
        }

    def init_stage_metrics(self, metrics: dict[str, Any]) -> None:
        """One MetricCollection per stage, logged as `val/<name>` and `test/<name>`.

        Every task has a `loss`: a non-finite one stops the run before a checkpoint keeps it.
        """
        if tuple(metrics) != self.evaluation_metrics:
            raise TypeError(
                f"{type(self).__name__} builds the metrics {tuple(metrics)} but declares "
                f"evaluation_metrics={self.evaluation_metrics}"
            )
        collection = MetricCollection(metrics, compute_groups=False)
        self.stage_metrics = torch.nn.ModuleDict(
            {stage: collection.clone(prefix=f"{stage}/") for stage in STAGES}
        )

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["task"] = self.task

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        # A resumed run continues with this run's scheduler settings (a raised trainer.max_steps
        # moves the cosine horizon): they replace the saved ones before Lightning restores them.
        # Past its old T_max a cosine schedule would climb back up.
        settings = {
            key: value
            for key, value in (self.hparams.get("scheduler") or {}).items()
            if not key.startswith("_")
        }
        for state in checkpoint.get("lr_schedulers", []):
            state.update({key: value for key, value in settings.items() if key in state})

    def on_train_start(self) -> None:
        self._training_seed = torch.initial_seed()

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        # Training draws (dropout, teacher forcing) come from a generator reseeded
        # from (seed, step): a run resumed from a checkpoint draws exactly what
        # the uninterrupted run would.
        # Only the CPU generator and the current GPU's: torch.manual_seed walks every backend.
        seed = (self._training_seed * 1_000_003 + self.global_step) % 2**63
        torch.default_generator.manual_seed(seed)
        if self.device.type == "cuda":
            torch.cuda.manual_seed(seed)

    def log_training(self, loss: torch.Tensor, **metrics: torch.Tensor) -> None:
        """Stop on a nan or inf loss; log `train/loss` (also to the progress bar)
        and `train/<metric>`.

        Logged at the logging steps only, the only steps whose values the loggers write: each
        `self.log` costs Lightning bookkeeping comparable to a small model's whole step.
        """
        self.stop_if_non_finite("train/loss", loss)
        if is_logging_step(self.trainer):
            if ("loss", *metrics) != self.training_metrics:
                raise TypeError(
                    f"{type(self).__name__} logs the training metrics {('loss', *metrics)} but "
                    f"declares training_metrics={self.training_metrics}"
                )
            for name, value in {"loss": loss, **metrics}.items():
                self.log(f"train/{name}", value, prog_bar=name == "loss")

    def stop_if_non_finite(self, name: str, loss: torch.Tensor) -> None:
        """Raise NonFiniteLoss when `loss` is nan or inf.

        On a GPU the check waits for the step's work to finish, so a training loss is looked at only
        at logging steps, when Lightning waits anyway; on a CPU, and for validation losses (which
        gate the checkpoints), always.
        """
        on_gpu = loss.device.type != "cpu"
        if self.training and on_gpu and not is_logging_step(self.trainer):
            return
        if not bool(torch.isfinite(loss).all()):
            raise NonFiniteLoss(
                f"The {name} became {loss.item()} at step {self.global_step}; the run stopped and "
                "keeps its last good checkpoint. Lower model.optimizer.lr or set "
                "trainer.gradient_clip_val, then resume."
            )

    def _evaluate(self, batch, batch_idx: int, stage: str) -> None:
        self.evaluate_batch(batch, batch_idx, stage, self.stage_metrics[stage])

    def _log_stage(self, stage: str) -> None:
        metrics = self.stage_metrics[stage]
        values = metrics.compute()
        metrics.reset()
        self.stop_if_non_finite(f"{stage}/loss", values[f"{stage}/loss"])
        progress = f"val/{self.progress_metric}"
        for name, value in values.items():
            self.log(name, value, prog_bar=name == progress, sync_dist=True)
        self.end_evaluation(stage, {name: float(value) for name, value in values.items()})

    def validation_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, batch_idx, "val")

    def on_validation_epoch_end(self) -> None:
        self._log_stage("val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, batch_idx, "test")

    def on_test_epoch_end(self) -> None:
        self._log_stage("test")

    def configure_optimizers(self):
        return configure_optimizers(self, self.hparams.optimizer, self.hparams.scheduler)


def require_task(module: L.LightningModule, task_class: type[TaskModule], user: str) -> None:
    """Stop with one sentence when `user` (a callback's config key) meets another task's model."""
    if not isinstance(module, task_class):
        found = getattr(module, "task", type(module).__name__)
        raise UserError(
            f"{user} works with {task_class.task} models only, not the {found} model; "
            f"drop it with {user}=null."
        )
