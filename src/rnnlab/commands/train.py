"""The train entry: config -> DataModule -> model (vocabulary handed over)
-> Trainer -> fit -> test.

`train` returns the metrics; `main` returns `cfg.optimized_metric` so Hydra sweepers
can optimise it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import hydra
import lightning as L
import torch
from lightning.pytorch.callbacks import LearningRateMonitor
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.extras import require_extras
from rnnlab.config.resolvers import register_resolvers
from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError, in_multirun, report_user_errors
from rnnlab.core.threads import apply_thread_budget, thread_budget
from rnnlab.dashboards.loggers import close_loggers, log_run, where_logged, write_text
from rnnlab.dashboards.tensorboard import (
    code_block,
    parameter_count,
    write_embeddings,
)
from rnnlab.data.base import TaskDataModule
from rnnlab.tasks.task import TaskModule
from rnnlab.training.notices import silence_lightning_notices
from rnnlab.training.resume import check_same_data, resolve_resume

# At import, before Hydra composes: a launcher's job processes import this module, not `command`.
register_resolvers()
silence_lightning_notices()
log = logging.getLogger(__name__)


def set_matmul_precision(precision: str) -> None:
    """How fp32 matrix products run on GPUs with tensor cores (Lightning asks for a choice
    there; the setting's declaration, rnnlab.config.settings.TrainSettings, lists the choices)."""
    torch.set_float32_matmul_precision(precision)


def check_demo_settings(model: TaskModule, settings: DictConfig) -> None:
    """Try the end-of-run demo's settings on the untrained model, so a bad one stops the run
    (every process of a distributed one alike) before its training rather than after."""
    try:
        model.demo_text(**settings)
    except UserError as err:
        reason = str(err)
        raise UserError(
            f"sample.{model.task} does not suit this model and data: "
            f"{reason[0].lower()}{reason[1:]}"
        ) from None


def instantiate_group(group: DictConfig | None) -> list[Any]:
    """Instantiate every entry of a config group dict (callbacks, loggers); null entries skipped."""
    if not group:
        return []
    return [
        hydra.utils.instantiate(entry) for entry in group.values() if entry and "_target_" in entry
    ]


def dashboard_hparams(cfg: DictConfig) -> dict[str, Any]:
    """The hyperparameters worth comparing across runs in TensorBoard's HParams tab."""
    chosen = {key: cfg[key] for key in ("model", "data", "trainer")}
    plain = {key: OmegaConf.to_container(node, resolve=True) for key, node in chosen.items()}
    return {"seed": cfg.seed, **plain}


def build_model(cfg: DictConfig) -> tuple[TaskModule, TaskDataModule]:
    """The DataModule, prepared and set up, and the model built with what the data says."""
    datamodule: TaskDataModule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    # The vocabularies flow from the data to the model explicitly; configs stay plain data.
    # They join the settings after Hydra has built the call: merged into the config, a
    # tokenizer's JSON (which may hold "${") would be read as an interpolation.
    handed_over = datamodule.model_hparams()
    set_twice = sorted(set(handed_over) & set(cfg.model))
    if set_twice:
        raise UserError(
            f"model.{set_twice[0]} follows from the data ({type(datamodule).__name__} hands it "
            "to the model); drop it from the model settings."
        )
    build = hydra.utils.instantiate(cfg.model, _partial_=True, _recursive_=False, _convert_="all")
    return build(**handed_over), datamodule


def train(cfg: DictConfig) -> dict[str, float]:
    """Fit, then validate and test the best checkpoint; return their metrics as floats.

    The command checks `cfg` before anything is written (config.start.StartCheck); a caller from
    Python checks it with `rnnlab.config.settings.check_train_config` first.
    """
    # A resumed run writes into the run directory it continues (paths.output_dir).
    resume_from = resolve_resume(cfg)
    L.seed_everything(cfg.seed, workers=True)
    set_matmul_precision(cfg.matmul_precision)
    model, datamodule = build_model(cfg)
    if resume_from is not None:
        check_same_data(resume_from, dict(datamodule.hparams), datamodule.model_hparams())
    demo_settings = cfg.sample[model.task]
    check_demo_settings(model, demo_settings)
    output_dir, data_dir = Path(cfg.paths.output_dir), Path(cfg.paths.data_dir)
    log.info("Run directory %s, data %s", output_dir.resolve(), data_dir.resolve())
    callbacks = instantiate_group(cfg.get("callbacks"))
    loggers = instantiate_group(cfg.get("logger"))
    if not loggers:  # with logger=none there is nowhere to log learning rates to
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    trainer: L.Trainer = hydra.utils.instantiate(
        cfg.trainer, callbacks=callbacks, logger=loggers or False
    )
    # Before fit: each DDP rank and each parallel sweep job takes its share of the cores.
    apply_thread_budget(thread_budget(cfg.threads, trainer.world_size // trainer.num_nodes))
    if cfg.get("compile"):
        model.net.compile()  # in place: the state dict keeps its names, sampling stays eager

    try:
        return fit_and_test(trainer, model, datamodule, cfg, resume_from)
    finally:
        close_loggers(trainer)  # a sweep's next job, in this process, starts runs of its own


def fit_and_test(
    trainer: L.Trainer,
    model: TaskModule,
    datamodule: TaskDataModule,
    cfg: DictConfig,
    resume_from: str | None,
) -> dict[str, float]:
    # Lightning loads what it resumes and tests from as plain data too (weights_only=True), as
    # rnnlab.nets.checkpoints already read it: no code in a checkpoint runs, and Lightning says
    # nothing.
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume_from, weights_only=True)
    except (
        KeyboardInterrupt,
        SystemExit,
    ) as stop:  # Ctrl-C or SIGTERM: Lightning saved a checkpoint
        raise interruption(trainer, cfg) from stop
    checkpoint = trainer.checkpoint_callback
    best = (checkpoint.best_model_path if checkpoint else "") or None
    metrics: dict[str, float] = {}
    for run in (trainer.validate, trainer.test):
        tested = run(model, datamodule=datamodule, ckpt_path=best, verbose=False, weights_only=True)
        for result in tested:
            metrics.update({name: float(value) for name, value in result.items()})

    # The HParams tab pairs each run's settings with its final metrics and size.
    final = {f"hp/{name.replace('/', '_')}": value for name, value in metrics.items()}
    final["hp/parameters"] = parameter_count(model)
    log_run(trainer, dashboard_hparams(cfg), final)
    if trainer.is_global_zero:  # one summary, demo and projector for a distributed run
        demo = model.demo_text(**cfg.sample[model.task])
        write_text(trainer, "samples/final", code_block(demo))
        write_embeddings(trainer, model.projector_embeddings())  # TensorBoard's projector
        print_summary(metrics, demo, best, trainer)
    return metrics


def interruption(trainer: L.Trainer, cfg: DictConfig) -> SystemExit:
    """Say where the interrupted run can continue from; exit 130 (Ctrl-C) or 143 (SIGTERM)."""
    saved = Path(cfg.paths.output_dir) / "checkpoints" / "interrupted.ckpt"
    if saved.is_file():
        where = f"saved {saved}; continue with the same command and resume=auto"
    else:
        where = "no checkpoint"
    print(f"Training interrupted at step {trainer.global_step}: {where}.", file=sys.stderr)
    return SystemExit(143 if trainer.received_sigterm else 130)


def print_summary(
    metrics: dict[str, float], demo: str, best: str | None, trainer: L.Trainer
) -> None:
    console = Console()
    table = Table("metric", "value", title="Best checkpoint")
    for name, value in sorted(metrics.items()):
        table.add_row(name, f"{value:.4f}")
    console.print(table)
    console.print(Panel(demo, title="Sample"))
    if best:
        console.print(f"Best checkpoint: {Path(best).resolve()}")
    for line in where_logged(trainer):
        console.print(line)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
@report_user_errors
def main(cfg: DictConfig) -> float | None:
    # The start check (config.start.StartCheck) saw the sweep's base settings; a job checks the
    # values swept into it. A single run was checked once, before Hydra wrote anything.
    if in_multirun():
        check_train_config(cfg)
    metrics = train(cfg)
    name = cfg.get("optimized_metric")  # a metric the task declares (checked before training)
    return metrics[name] if name else None


def command() -> None:
    """`python train.py` / `rnnlab-train`: a sweeper or launcher whose extra is not installed is
    named before Hydra starts, then Hydra runs `main`."""
    try:
        require_extras(sys.argv[1:])
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    main()


if __name__ == "__main__":
    command()
