"""What every logger of a run receives beyond the scalars Lightning logs: the run's settings with
its final metrics, and text (samples, examples) where the logger has a place for it. Each kind of
logger takes these its own way; the views only TensorBoard shows (images, figures, the projector)
go through `tensorboard.tensorboard_writer`, and other loggers skip them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.loggers import (
    CSVLogger,
    Logger,
    MLFlowLogger,
    TensorBoardLogger,
    WandbLogger,
)


def log_run(trainer: L.Trainer, settings: dict[str, Any], final: dict[str, float]) -> None:
    """The run's settings and its final metrics, to every logger."""
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            # The HParams tab pairs settings with metrics only through this argument.
            logger.log_hyperparams(settings, metrics=final)
        else:
            logger.log_hyperparams(settings)
            logger.log_metrics(final, step=trainer.global_step)
        logger.save()


def close_loggers(trainer: L.Trainer) -> None:
    """End the runs that outlive a Trainer. W&B keeps one run per process open (wandb.run), and
    Lightning's WandbLogger reuses an open one: each job of a sweep would log into the first's.
    """
    for logger in trainer.loggers:
        if isinstance(logger, WandbLogger) and trainer.is_global_zero:
            logger.experiment.finish()


def _tensorboard_text(logger: TensorBoardLogger, tag: str, markdown: str, step: int) -> None:
    logger.experiment.add_text(tag, markdown, global_step=step)


def _mlflow_text(logger: MLFlowLogger, tag: str, markdown: str, step: int) -> None:
    # A Markdown file among the run's artifacts, one per step.
    logger.experiment.log_text(logger.run_id, markdown, f"text/{tag}/step{step:06d}.md")


def _wandb_text(logger: WandbLogger, tag: str, markdown: str, step: int) -> None:
    logger.log_text(key=tag, columns=["step", "text"], data=[[str(step), markdown]])


# The loggers with a place for text; CSV has none.
TEXT_WRITERS: dict[type[Logger], Callable[[Any, str, str, int], None]] = {
    TensorBoardLogger: _tensorboard_text,
    MLFlowLogger: _mlflow_text,
    WandbLogger: _wandb_text,
}


def _text_writer(logger: Logger) -> Callable[[Any, str, str, int], None] | None:
    return next((TEXT_WRITERS[k] for k in type(logger).__mro__ if k in TEXT_WRITERS), None)


def takes_text(trainer: L.Trainer | None) -> bool:
    """Whether this process has a logger to write text to (rank 0 only)."""
    if trainer is None or not trainer.is_global_zero:
        return False
    return any(_text_writer(logger) is not None for logger in trainer.loggers)


def write_text(trainer: L.Trainer | None, tag: str, markdown: str) -> None:
    """Markdown to every logger with a place for text, at the current step (not during the
    sanity check, on rank 0 only)."""
    if not takes_text(trainer) or trainer.sanity_checking:
        return
    for logger in trainer.loggers:
        writer = _text_writer(logger)
        if writer is not None:
            writer(logger, tag, markdown, trainer.global_step)


def where_logged(trainer: L.Trainer) -> list[str]:
    """One line per logger: where the run can be seen, and the command that shows it."""
    lines = []
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            where = Path(logger.log_dir).resolve()
            lines.append(f"TensorBoard run: {where}  (tensorboard --logdir {where})")
        elif isinstance(logger, CSVLogger):
            lines.append(f"CSV metrics: {Path(logger.log_dir).resolve() / 'metrics.csv'}")
        elif isinstance(logger, MLFlowLogger):
            client = logger.experiment
            uri = client.tracking_uri
            experiment = client.get_experiment(logger.experiment_id).name
            # `make mlflow-ui` shows the default store (docs/experiments.md).
            lines.append(f"MLflow run: {logger.run_id} of experiment {experiment} at {uri}")
        elif isinstance(logger, WandbLogger):
            lines.append(f"W&B run: {Path(logger.experiment.dir).parent.resolve()}")
    return lines
