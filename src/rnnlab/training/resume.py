"""Which checkpoint a run continues from, and where it continues: `ckpt_path=<file>`,
`ckpt_path=last` or `resume=auto`. A resumed run writes into the run directory
(and TensorBoard run) it continues."""

from __future__ import annotations

import logging
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from rnnlab.core.errors import UserError
from rnnlab.nets.checkpoints import read_checkpoint, task_in
from rnnlab.tasks.task import task_of

log = logging.getLogger(__name__)

# What `ModelCheckpoint(save_last=True)` and the interruption checkpoint are called.
RESUMABLE = ("last.ckpt", "interrupted.ckpt")


def same_setup(run_dir: Path, cfg: DictConfig) -> bool:
    """Whether the run in `run_dir` trained the model and data that `cfg` asks for
    (other settings may differ)."""
    saved = run_dir / ".hydra" / "config.yaml"
    if not saved.is_file():
        return False
    before = OmegaConf.load(saved)
    return all(
        OmegaConf.to_container(before.get(key), resolve=False)
        == OmegaConf.to_container(cfg[key], resolve=False)
        for key in ("model", "data")
    )


def newest_checkpoint(cfg: DictConfig) -> Path | None:
    """The newest last/interrupted checkpoint of this run's own directory,
    where a re-queued sweep job or a fixed `hydra.run.dir` finds its earlier self;
    else among this task's runs with the same model and data."""
    # Hydra has already rewritten the own directory's .hydra/config.yaml: there is nothing there
    # to compare with.
    own = [
        p
        for name in RESUMABLE
        if (p := Path(cfg.paths.output_dir) / "checkpoints" / name).is_file()
    ]
    runs = Path(cfg.paths.log_dir) / str(cfg.task_name) / "runs"
    candidates = own or [
        p
        for name in RESUMABLE
        for p in runs.glob(f"*/checkpoints/{name}")
        if same_setup(p.parents[1], cfg)
    ]
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


# Settings a resumed run may change: how it is optimised, not what it trains.
MAY_CHANGE_ON_RESUME = ("optimizer", "scheduler")


def check_same_model(checkpoint: Path, contents: dict, cfg: DictConfig) -> None:
    """Refuse to continue a checkpoint with other model settings, naming each difference, before
    anything is written (its weights would not fit, or would train another model)."""
    saved = contents.get("hyper_parameters") or {}
    wanted = OmegaConf.to_container(cfg.model, resolve=True)
    differences = [
        f"model.{key}={wanted[key]!r} here, {saved[key]!r} in the checkpoint"
        for key in sorted(wanted.keys() & saved.keys())
        if key not in MAY_CHANGE_ON_RESUME and wanted[key] != saved[key]
    ]
    if differences:
        raise UserError(
            f"{checkpoint} was trained with other model settings ({'; '.join(differences)}); "
            "continue it with the same model, or start a new run without ckpt_path/resume."
        )


def check_same_data(checkpoint: Path, data_hparams: dict, model_inputs: dict) -> None:
    """Refuse to continue a checkpoint whose vocabulary or tokenizers this run's data does not
    give (`model_inputs`: what the DataModule hands the model), naming the data settings that
    differ: its weights would not fit, or would read other tokens."""
    contents = read_checkpoint(checkpoint)
    saved = contents.get("hyper_parameters") or {}
    changed = [key for key, value in model_inputs.items() if key in saved and saved[key] != value]
    if not changed:
        return
    before = contents.get("datamodule_hyper_parameters") or {}
    differences = [
        f"data.{key}={data_hparams[key]!r} here, {before[key]!r} in the checkpoint"
        for key in sorted(before.keys() & data_hparams.keys())
        if before[key] != data_hparams[key]
    ]
    reason = "; ".join(differences) or "the data itself differs"
    raise UserError(
        f"{checkpoint} was trained with another {' and '.join(changed)} ({reason}); continue it "
        "with the data settings it was trained with, or start a new run without ckpt_path/resume."
    )


def run_dir_of(checkpoint: Path) -> Path | None:
    """The run directory a checkpoint was written in (`<run>/checkpoints/x.ckpt`),
    if it is one of ours."""
    run = checkpoint.resolve().parents[1]
    return run if checkpoint.parent.name == "checkpoints" and (run / ".hydra").is_dir() else None


def resolve_resume(cfg: DictConfig) -> Path | None:
    """The checkpoint to continue from (None: start fresh); points `paths.output_dir`
    at its run directory."""
    requested, mode = cfg.get("ckpt_path"), cfg.get("resume")
    if mode not in (None, False, "auto"):
        raise UserError(
            f"resume={mode!r} is not an option; "
            "use resume=auto, or ckpt_path=<file> / ckpt_path=last."
        )
    if requested == "last" or (mode == "auto" and requested is None):
        checkpoint = newest_checkpoint(cfg)
        if checkpoint is None:
            where = Path(cfg.paths.log_dir) / str(cfg.task_name) / "runs"
            if requested == "last":
                raise UserError(
                    f"ckpt_path=last found no last.ckpt of a {cfg.task_name} run "
                    f"with this model and data under {where}; "
                    "train one first, or give ckpt_path=<file>."
                )
            log.info(
                "resume=auto: no earlier run with this model and data under %s; starting fresh.",
                where,
            )
            return None
    elif requested is None:
        return None
    else:
        checkpoint = Path(requested)
    contents = read_checkpoint(checkpoint)
    found, wanted = task_in(contents), task_of(cfg.model._target_)
    if found != wanted:
        raise UserError(
            f"{checkpoint} is a checkpoint of the {found or 'unknown'} task, not of {wanted}; "
            "give a checkpoint of the model you are training."
        )
    check_same_model(checkpoint, contents, cfg)
    run = run_dir_of(checkpoint)
    if run is not None:
        with open_dict(cfg):
            cfg.paths.output_dir = str(run)
    log.info(
        "Resuming from %s (step %s) in %s",
        checkpoint,
        contents.get("global_step"),
        run or cfg.paths.output_dir,
    )
    return checkpoint
