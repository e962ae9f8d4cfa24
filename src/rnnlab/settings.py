"""The whole train config checked against its declarations (rnnlab.schema) before any work.

Each config node that builds something is checked against the class it builds: the model, the
DataModule, Lightning's Trainer, every callback and logger, the optimiser and the schedule. The
keys that build nothing are declared by the dataclasses here. The optimiser and schedule are also
built once on a dummy parameter, so torch's own checks (a negative learning rate...) speak before
the run starts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import hydra
import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint, RichModelSummary, RichProgressBar
from omegaconf import DictConfig

from rnnlab.errors import UserError
from rnnlab.schema import (
    Count,
    NonNegative,
    NonNegativeInt,
    Positive,
    Range,
    check_node,
)

AtLeastMinusOne = Annotated[int, Range(ge=-1)]  # -1: no limit
ShareOrCount = NonNegativeInt | Annotated[float, Range(ge=0, le=1)]


@dataclass
class TrainSettings:
    """The top-level keys of conf/train.yaml."""

    seed: int
    task_name: str
    ckpt_path: str | None
    resume: Literal["auto", False] | None  # false: the same as null
    optimized_metric: str | None
    compile: bool
    matmul_precision: Literal["highest", "high", "medium"]
    threads: Literal["auto"] | Count


@dataclass
class TrainerLimits:
    """Ranges for the Trainer settings rnnlab ships, on top of Lightning's own annotations
    (which give their types only)."""

    max_steps: AtLeastMinusOne
    devices: list[NonNegativeInt] | str | AtLeastMinusOne  # -1: every device there is
    max_epochs: AtLeastMinusOne | None
    num_nodes: Count
    val_check_interval: Count | Annotated[float, Range(gt=0, le=1)] | str | None
    check_val_every_n_epoch: Count | None
    limit_train_batches: ShareOrCount | None
    limit_val_batches: ShareOrCount | None
    limit_test_batches: ShareOrCount | None
    gradient_clip_val: NonNegative | None
    accumulate_grad_batches: Count
    log_every_n_steps: Count | None
    num_sanity_val_steps: AtLeastMinusOne | None


@dataclass
class OptimizerLimits:
    """Ranges for the optimiser settings every torch optimiser shares."""

    lr: Positive
    weight_decay: NonNegative


@dataclass
class CheckpointLimits:
    save_top_k: AtLeastMinusOne  # -1 keeps every checkpoint
    every_n_train_steps: NonNegativeInt | None
    every_n_epochs: NonNegativeInt | None


@dataclass
class ProgressBarLimits:
    refresh_rate: NonNegativeInt  # 0 turns the bar off


@dataclass
class SummaryLimits:
    max_depth: AtLeastMinusOne  # -1 shows every layer


@dataclass
class CosineLimits:
    eta_min: NonNegative


# Ranges for the settings of other libraries' classes that the configs build, where the class
# itself has only types in its signature. The class that the config builds picks its limits.
LIMITS: dict[type, type] = {
    ModelCheckpoint: CheckpointLimits,
    RichProgressBar: ProgressBarLimits,
    RichModelSummary: SummaryLimits,
    torch.optim.lr_scheduler.CosineAnnealingLR: CosineLimits,
    L.Trainer: TrainerLimits,
}


def _target_of(node: Any) -> type | None:
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    if not target:
        return None
    try:
        return hydra.utils.get_class(target)
    except Exception:
        raise UserError(f"_target_ {target} cannot be imported; check its spelling.") from None


@dataclass(frozen=True)
class Declaration:
    """One config node and what declares its settings."""

    key: str  # where the node sits ("" for the root)
    node: Any
    target: Callable | type  # the class it builds, a function, or a settings dataclass
    extra: type | None = None  # a settings dataclass that tightens the target's declarations
    open_keys: bool = False  # keys the target does not declare pass (the root's groups)


def declarations(cfg: DictConfig) -> list[Declaration]:
    """Every node of a train config that has declared settings, in the order they are checked:
    the demo's settings come before the callbacks, which interpolate them."""
    found = [Declaration("", cfg, TrainSettings, open_keys=True)]
    model_class = _target_of(cfg.model)
    found.append(Declaration("model", cfg.model, model_class))
    task = getattr(model_class, "task", None)
    sample = cfg.get("sample") or {}
    if task in sample:
        found.append(Declaration(f"sample.{task}", sample[task], model_class.demo_text))
    found.append(Declaration("data", cfg.data, _target_of(cfg.data)))
    found.append(Declaration("trainer", cfg.trainer, _target_of(cfg.trainer)))
    for group in ("callbacks", "logger"):
        for name, entry in (cfg.get(group) or {}).items():
            found.append(Declaration(f"{group}.{name}", entry, _target_of(entry)))
    for part in ("optimizer", "scheduler"):
        node = cfg.model.get(part)
        found.append(Declaration(f"model.{part}", node, _target_of(node)))
    found = [d for d in found if d.target is not None]
    for i, d in enumerate(found):
        limits = OptimizerLimits if d.key == "model.optimizer" else LIMITS.get(d.target)
        if d.extra is None and limits is not None:
            found[i] = dataclasses.replace(d, extra=limits)
    return found


def check_optimisation(model: DictConfig) -> None:
    """Build the optimiser and schedule on one dummy parameter: torch refuses bad values."""
    optimizer_cfg, scheduler_cfg = model.get("optimizer"), model.get("scheduler")
    if not optimizer_cfg:
        return
    parameter = torch.nn.Parameter(torch.zeros(1))
    try:
        optimizer = hydra.utils.instantiate(optimizer_cfg)([parameter])
    except Exception as err:
        raise UserError(f"model.optimizer does not work: {_first_line(err)}.") from None
    if scheduler_cfg:
        try:
            hydra.utils.instantiate(scheduler_cfg)(optimizer)
        except Exception as err:
            raise UserError(f"model.scheduler does not work: {_first_line(err)}.") from None


def _first_line(err: BaseException) -> str:
    while err.__cause__ is not None:  # Hydra wraps the constructor's own error
        err = err.__cause__
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__).rstrip(".")


def check_train_config(cfg: DictConfig) -> None:
    """Raise a UserError for the first setting of a train config that its declaration refuses."""
    for declaration in declarations(cfg):
        check_node(
            declaration.key,
            declaration.node,
            declaration.target,
            declaration.extra,
            declaration.open_keys,
        )
    check_schedule(cfg.model)  # first: it names where a bad T_max comes from
    check_optimisation(cfg.model)
    check_accelerator(cfg.trainer)


def check_accelerator(trainer_cfg: DictConfig) -> None:
    """Stop with one sentence when the trainer asks for more GPUs (or CPU processes) than the
    machine has."""
    accelerator = str(trainer_cfg.get("accelerator", "auto"))
    devices = trainer_cfg.get("devices", 1)
    gpus = torch.cuda.device_count()
    if accelerator in ("gpu", "cuda") and gpus == 0:
        raise UserError(
            f"trainer.accelerator={accelerator} needs a CUDA GPU and this machine has none; "
            "use trainer=cpu."
        )
    on_gpu = accelerator in ("gpu", "cuda") or (accelerator == "auto" and gpus > 0)
    available, unit = (gpus, "GPUs") if on_gpu else (os.cpu_count() or 1, "CPU cores")
    if isinstance(devices, int) and devices > available:
        raise UserError(
            f"trainer.devices={devices} asks for more {unit} than the {available} this machine "
            f"has; set trainer.devices={available} or fewer."
        )


def check_schedule(model_cfg: DictConfig) -> None:
    """A schedule over the run's steps needs their number: a run limited by time or epochs has
    none."""
    scheduler = model_cfg.get("scheduler")
    horizon = scheduler.get("T_max") if scheduler else None
    if isinstance(horizon, int) and horizon < 1:
        raise UserError(
            f"model.scheduler.T_max={horizon} (from trainer.max_steps) must be a positive number "
            "of steps; set trainer.max_steps, or scheduler=constant for a constant learning rate."
        )
