"""The whole train config checked against its declarations (rnnlab.core.schema) before any work.

Each config node that builds something is checked against the class it builds: the model, the
DataModule, Lightning's Trainer, every callback and logger, the optimiser and the schedule. The
keys that build nothing are declared by the dataclasses here. The optimiser and schedule are also
built once on a dummy parameter, so torch's own checks (a negative learning rate...) speak before
the run starts.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import hydra
import lightning as L
import torch
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from lightning.pytorch.callbacks import ModelCheckpoint, RichModelSummary, RichProgressBar, Timer
from lightning.pytorch.loggers import MLFlowLogger
from omegaconf import DictConfig, OmegaConf

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.core.errors import UserError
from rnnlab.core.lightning_internals import config_group_options
from rnnlab.core.network import reachable
from rnnlab.core.schema import (
    Count,
    NonNegative,
    NonNegativeInt,
    Positive,
    Range,
    check_node,
)
from rnnlab.core.threads import available_cores
from rnnlab.training.notices import LIGHTNING_INFO_LOGGER

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


def limits_of(target: Callable | type) -> type | None:
    """The limits of `target`'s settings: its own, or those of the class it extends."""
    bases = target.__mro__ if isinstance(target, type) else (target,)
    return next((LIMITS[base] for base in bases if base in LIMITS), None)


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
        limits = OptimizerLimits if d.key == "model.optimizer" else limits_of(d.target)
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
    check_accelerator(cfg.trainer)  # first: it names the fix (trainer=cpu)
    check_trainer(cfg.trainer)
    check_metric_names(cfg)
    check_data_suits_model(cfg)
    check_tracking_servers(cfg)


# Settings of the trainer node that the dry build leaves out: where the run writes (known once
# Hydra has made the run directory), and nothing that would reach a logger or write a file.
NOT_BUILT = {"_target_", "default_root_dir"}
QUIET_BUILD = {
    "logger": False,
    "callbacks": [],
    "enable_checkpointing": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
}


def check_trainer(trainer_cfg: DictConfig) -> None:
    """Build the Trainer once from the run's settings, as the optimiser is built above, so that
    Lightning's own checks (devices=0, an unknown strategy or precision, a malformed max_time)
    speak before anything is prepared or written. Its complaint becomes one sentence naming the
    setting: the one that Lightning refuses on its own, found by building with each alone."""
    trainer_class = hydra.utils.get_class(trainer_cfg._target_)
    settings = {key: trainer_cfg[key] for key in trainer_cfg if key not in NOT_BUILT}
    settings = OmegaConf.to_container(OmegaConf.create(settings), resolve=True)
    complaint = _trainer_complaint(trainer_class, settings)
    if complaint is None:
        check_max_time(settings.get("max_time"))
        return
    culprits = [key for key in settings if _trainer_complaint(trainer_class, {key: settings[key]})]
    named = " and ".join(f"trainer.{key}={settings[key]!r}" for key in culprits)
    raise UserError(
        f"Lightning refuses {named or 'the trainer settings'}: {complaint}; "
        f"change {'it' if len(culprits) == 1 else 'them'}."
    )


def _trainer_complaint(trainer_class: type, settings: dict[str, Any]) -> str | None:
    """The first sentence of what building the Trainer with `settings` raises, or None."""
    info = logging.getLogger(LIGHTNING_INFO_LOGGER)
    level = info.level
    info.setLevel(logging.WARNING)  # the run itself says which devices it found, once
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trainer_class(**{**settings, **QUIET_BUILD})
    except Exception as err:
        return _first_line(err).split(". ")[0]
    finally:
        info.setLevel(level)
    return None


def check_max_time(max_time: Any) -> None:
    """Lightning takes any duration for `max_time`, even none at all: a run that may not train
    is a mistake."""
    if max_time is not None and Timer(duration=max_time).time_remaining() <= 0:
        raise UserError(
            f"trainer.max_time={max_time!r} leaves no time to train; give a positive duration "
            "(DD:HH:MM:SS, e.g. 00:00:10:00) or null for none."
        )


TRACKING_PROBE_SECONDS = 3.0


def check_tracking_servers(cfg: DictConfig) -> None:
    """An MLflow logger's tracking server answers, or the run stops in seconds naming it (the
    MLflow client would retry for minutes, after the run directory is written)."""
    for name, entry in (cfg.get("logger") or {}).items():
        target = _target_of(entry)
        if not (isinstance(target, type) and issubclass(target, MLFlowLogger)):
            continue
        uri = str(entry.get("tracking_uri") or "")
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https"):
            continue  # a file or a database this process opens itself
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:  # a port that is not a number
            raise UserError(
                f"logger.{name}.tracking_uri={uri} has no valid port; write it as "
                "http://<host>:<port>."
            ) from None
        if not reachable((parts.hostname or "", port), TRACKING_PROBE_SECONDS):
            raise UserError(
                f"logger.{name}.tracking_uri={uri} cannot be reached (no answer from "
                f"{parts.hostname}:{port} within {TRACKING_PROBE_SECONDS:.0f} s); start the "
                "tracking server, or leave tracking_uri at its default (a SQLite file beside the "
                "runs)."
            )


def check_data_suits_model(cfg: DictConfig) -> None:
    """The model and the DataModule serve one task; else one sentence naming the data options
    that fit the model."""
    model_task = getattr(_target_of(cfg.model), "task", None)
    data_task = getattr(_target_of(cfg.data), "task", None)
    if model_task != data_task:
        choices = " or ".join(f"data={name}" for name in data_serving(model_task))
        raise UserError(
            f"The {model_task} model cannot train on the {data_task} data; "
            f"pick matching data ({choices})."
        )


def data_serving(task: str) -> list[str]:
    """The data= options whose DataModule serves `task`: each option of conf/data composed as
    Hydra composes it (a third of a second for all of them; only a mistake asks)."""
    started = GlobalHydra.instance().is_initialized()
    context = (
        nullcontext() if started else initialize_config_dir(str(CONFIG_DIR), version_base="1.3")
    )
    options = []
    with context:
        for name in config_group_options("data"):
            if name.startswith("_"):  # a base that other options extend
                continue
            target = hydra.compose(config_name=f"data/{name}").data.get("_target_")
            if target and getattr(hydra.utils.get_class(target), "task", None) == task:
                options.append(name)
    return options


def check_metric_names(cfg: DictConfig) -> None:
    """`optimized_metric` (read after the final validation and test) and every callback's
    `monitor` (read during training) name a metric the model's task declares it logs."""
    task = hydra.utils.get_class(cfg.model._target_)
    logged = task.logged_metrics()
    evaluated = logged["val"] + logged["test"]
    uses = [("optimized_metric", cfg.get("optimized_metric"), evaluated)]
    for key, callback in (cfg.get("callbacks") or {}).items():
        if callback and callback.get("monitor") is not None:
            uses.append((f"callbacks.{key}.monitor", callback.monitor, logged["train"] + evaluated))
    for setting, name, known in uses:
        if name is not None and name not in known:
            raise UserError(
                f"{setting}={name!r} is not a metric the {task.task} model logs; "
                f"choose one of {', '.join(known)}."
            )


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
    available, unit = (gpus, "GPUs") if on_gpu else (available_cores(), "CPU cores")
    if isinstance(devices, int) and devices > available:
        raise UserError(
            f"trainer.devices={devices} asks for more {unit} than the {available} this process "
            f"may use; set trainer.devices={available} or fewer."
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
