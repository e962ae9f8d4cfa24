"""The train entry: config -> DataModule -> model (vocabulary handed over) -> Trainer -> fit -> test.

Returns the metrics; `main` returns `cfg.optimized_metric` so Hydra sweepers can optimise it.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import hydra
import lightning as L
import torch
from lightning.pytorch.callbacks import LearningRateMonitor
from omegaconf import DictConfig, OmegaConf

from rnnlab.cli import CONFIG_DIR, report_user_errors
from rnnlab.dashboard import code_block, parameter_count, tensorboard_writer, write_embeddings
from rnnlab.errors import UserError
from rnnlab.resume import resolve_resume

# Windows are gathered from a memory-mapped array in the main process; worker processes only add overhead.
warnings.filterwarnings("ignore", message=".*does not have many workers.*")
# Raised inside Lightning itself under this torch release; nothing a user can act on.
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
# With an OnExceptionCheckpoint among the callbacks, Lightning's fit looks for a "last" checkpoint whenever none is
# given, and warns twice when a new run has none; `resolve_resume` has already decided what to continue from.
warnings.filterwarnings("ignore", message=r".*\.fit\(ckpt_path=None\)` was called without a model.*")
warnings.filterwarnings("ignore", message=r".*fit\(ckpt_path=\"last\"\) is set, but there is no last checkpoint.*")


log = logging.getLogger(__name__)

MATCHING_DATA = {
    "char_lm": "wiki_char",
    "seq2seq": "pairs or number_words",
    "cloze": "wiki_cloze",
    "forecast": "series",
}


def check_accelerator(trainer_cfg: DictConfig) -> None:
    """Stop with one sentence when the trainer asks for more GPUs (or CPU processes) than the machine has."""
    accelerator = str(trainer_cfg.get("accelerator", "auto"))
    devices = trainer_cfg.get("devices", 1)
    gpus = torch.cuda.device_count()
    if accelerator in ("gpu", "cuda") and gpus == 0:
        raise UserError(
            f"trainer.accelerator={accelerator} needs a CUDA GPU and this machine has none; use trainer=cpu."
        )
    on_gpu = accelerator in ("gpu", "cuda") or (accelerator == "auto" and gpus > 0)
    available, unit = (gpus, "GPUs") if on_gpu else (os.cpu_count() or 1, "CPU cores")
    if isinstance(devices, int) and devices > available:
        raise UserError(
            f"trainer.devices={devices} asks for more {unit} than the {available} this machine has; "
            f"set trainer.devices={available} or fewer."
        )


def check_schedule(model_cfg: DictConfig) -> None:
    """A schedule over the run's steps needs their number: a run limited by time or epochs has none."""
    scheduler = model_cfg.get("scheduler")
    horizon = scheduler.get("T_max") if scheduler else None
    if isinstance(horizon, int) and horizon < 1:
        raise UserError(
            f"model.scheduler.T_max={horizon} (from trainer.max_steps) must be a positive number of steps; "
            "set trainer.max_steps, or model.scheduler=null for a constant learning rate."
        )


def check_sample_settings(model: L.LightningModule, task: str, settings: DictConfig) -> None:
    """Try the end-of-run sample's settings on the untrained model, so a bad one stops the run (every process
    of a distributed one alike) before its training rather than after."""
    try:
        model.showcase(**settings)
    except UserError as err:
        reason = str(err)
        raise UserError(f"sample.{task} does not suit this model and data: {reason[0].lower()}{reason[1:]}") from None


MATMUL_PRECISIONS = ("highest", "high", "medium")


def set_matmul_precision(precision: str) -> None:
    """How fp32 matrix products run on GPUs with tensor cores (Lightning asks for a choice on such GPUs)."""
    if precision not in MATMUL_PRECISIONS:
        raise UserError(f"matmul_precision={precision} is not one of {', '.join(MATMUL_PRECISIONS)}; use high.")
    torch.set_float32_matmul_precision(precision)


def instantiate_group(group: DictConfig | None) -> list[Any]:
    """Instantiate every entry of a config group dict (callbacks, loggers); null entries are skipped."""
    if not group:
        return []
    return [hydra.utils.instantiate(entry) for entry in group.values() if entry and "_target_" in entry]


def dashboard_hparams(cfg: DictConfig) -> dict[str, Any]:
    """The hyperparameters worth comparing across runs in TensorBoard's HParams tab."""
    chosen = {key: cfg[key] for key in ("model", "data", "trainer")}
    return {"seed": cfg.seed, **{key: OmegaConf.to_container(node, resolve=True) for key, node in chosen.items()}}


def train(cfg: DictConfig) -> dict[str, float]:
    """Fit, then validate and test the best checkpoint; return their metrics as floats."""
    L.seed_everything(cfg.seed, workers=True)
    check_accelerator(cfg.trainer)
    check_schedule(cfg.model)
    set_matmul_precision(cfg.matmul_precision)
    datamodule: L.LightningDataModule = hydra.utils.instantiate(cfg.data)
    if cfg.model.task != datamodule.task:
        raise UserError(
            f"The {cfg.model.task} model cannot train on the {datamodule.task} data; pick a matching data= option "
            f"({MATCHING_DATA[cfg.model.task]})."
        )
    datamodule.prepare_data()
    resume_from = resolve_resume(cfg)  # before the callbacks and loggers: it may point them at an earlier run
    log.info("Run directory %s, data %s", Path(cfg.paths.output_dir).resolve(), Path(cfg.paths.data_dir).resolve())
    # The vocabularies flow from the data to the model explicitly; configs stay plain data in the checkpoint.
    model: L.LightningModule = hydra.utils.instantiate(
        cfg.model, **datamodule.model_inputs(), _recursive_=False, _convert_="all"
    )
    check_sample_settings(model, cfg.model.task, cfg.sample[cfg.model.task])
    callbacks = instantiate_group(cfg.get("callbacks"))
    loggers = instantiate_group(cfg.get("logger"))
    if not loggers:  # with logger=none there is nowhere to log learning rates to
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    trainer: L.Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    if cfg.get("compile"):
        model.net.compile()  # in place: the state dict keeps its names, sampling and metrics stay eager

    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume_from)
    except (KeyboardInterrupt, SystemExit) as stop:  # Ctrl-C or SIGTERM: Lightning wrote interrupted.ckpt
        raise interruption(trainer, cfg) from stop
    checkpoint = trainer.checkpoint_callback
    best = (checkpoint.best_model_path if checkpoint else "") or None
    metrics: dict[str, float] = {}
    for run in (trainer.validate, trainer.test):
        for result in run(model, datamodule=datamodule, ckpt_path=best, verbose=False):
            metrics.update({name: float(value) for name, value in result.items()})

    # The HParams tab pairs each run's settings with its final metrics and size, so sweeps compare at a glance.
    final = {f"hp/{k.replace('/', '_')}": v for k, v in metrics.items()} | {"hp/parameters": parameter_count(model)}
    for logger in trainer.loggers:
        logger.log_hyperparams(dashboard_hparams(cfg), metrics=final)
        logger.save()
    if trainer.is_global_zero:  # one summary, sample and projector for a distributed run
        sample = model.showcase(**cfg.sample[cfg.model.task])
        writer = tensorboard_writer(trainer)
        if writer is not None:
            writer.add_text("samples/final", code_block(sample), global_step=trainer.global_step)
            write_embeddings(trainer, model)
        print_summary(metrics, sample, best, trainer)
    return metrics


def interruption(trainer: L.Trainer, cfg: DictConfig) -> SystemExit:
    """Say where the interrupted run can continue from; exit 130 (Ctrl-C) or 143 (SIGTERM) as shells do."""
    saved = Path(cfg.paths.output_dir) / "checkpoints" / "interrupted.ckpt"
    where = f"saved {saved}; continue with the same command and resume=auto" if saved.is_file() else "no checkpoint"
    print(f"Training interrupted at step {trainer.global_step}: {where}.", file=sys.stderr)
    return SystemExit(143 if trainer.received_sigterm else 130)


def print_summary(metrics: dict[str, float], sample: str, best: str | None, trainer: L.Trainer) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    table = Table("metric", "value", title="Best checkpoint")
    for name, value in sorted(metrics.items()):
        table.add_row(name, f"{value:.4f}")
    console.print(table)
    console.print(Panel(sample, title="Sample"))
    if best:
        console.print(f"Best checkpoint: {Path(best).resolve()}")
    log_dir = trainer.logger.log_dir if trainer.logger else None
    if log_dir:
        console.print(f"TensorBoard run: {Path(log_dir).resolve()}  (tensorboard --logdir {Path(log_dir).resolve()})")


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
@report_user_errors
def main(cfg: DictConfig) -> float | None:
    metrics = train(cfg)
    name = cfg.get("optimized_metric")
    if name and name not in metrics:
        raise UserError(f"optimized_metric={name!r} is not among the run's metrics ({', '.join(sorted(metrics))}).")
    return metrics.get(name) if name else None


if __name__ == "__main__":
    main()
