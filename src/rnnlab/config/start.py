"""What every command shares: where the configs live, and user errors printed as one line."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from rnnlab.core.errors import NonFiniteLoss, UserError
from rnnlab.experiments.studies import make_study_directory, study_file

MIN_FREE_MB = 200  # below this a run would fail mid-way writing checkpoints

# conf/ sits at the repository root; an installed wheel carries a copy inside the package.
_REPO_CONF = Path(__file__).resolve().parents[3] / "conf"
CONFIG_DIR = _REPO_CONF if _REPO_CONF.is_dir() else Path(__file__).resolve().parents[1] / "conf"


def _task_of(target: str) -> str:
    from rnnlab.tasks.task import task_of  # imported when resolved: models import torch

    return task_of(target)


# `${task_of:${model._target_}}`: the task a model config's class declares (train.yaml's task_name).
OmegaConf.register_new_resolver("task_of", _task_of, replace=True)


def user_error_in(err: BaseException | None) -> UserError | None:
    """The UserError behind `err`, also when Hydra's instantiate wrapped it in its own exception."""
    while err is not None and not isinstance(err, UserError):
        err = err.__cause__
    return err


def in_multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def check_writable(
    directory: Path, setting: str = "paths.root_dir", what: str = "the output directory"
) -> None:
    """Raise a UserError unless `directory` can be created and written, with room for checkpoints.

    Nothing is created: the nearest folder on the path that exists must be a folder, take a
    temporary file (a real try: permission bits alone do not stop root) and have room.
    """
    existing = Path(os.path.abspath(directory))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(
            f"Cannot write {what} {directory}: {existing} is a file, not a folder; "
            f"set {setting} to a writable place."
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        raise UserError(
            f"Cannot write {what} {directory} ({err.strerror} in {existing}); "
            f"set {setting} to a writable place."
        ) from None
    free_mb = shutil.disk_usage(existing).free // 2**20
    if free_mb < MIN_FREE_MB:
        raise UserError(
            f"The disk holding {directory} has {free_mb} MB free, "
            f"fewer than the {MIN_FREE_MB} MB a run needs for checkpoints and logs; "
            f"free some space or set {setting} elsewhere."
        )


def writable_paths(config: DictConfig, directory: str) -> list[tuple[Path, str, str]]:
    """(path, the setting that names it, what it is) for every folder a train run writes:
    its run or sweep directory, the prepared-data cache and, in a sweep, the study's file."""
    paths = [
        (Path(directory), "paths.root_dir", "the output directory"),
        (Path(config.paths.data_dir), "paths.data_dir", "the prepared-data folder"),
    ]
    study = study_file(config.hydra.sweeper.get("storage"))
    if study is not None:
        paths.append((study.parent, "hydra.sweeper.storage", "the study's folder"))
    return paths


class StartCheck(Callback):
    """Before Hydra creates a run (or sweep) directory: every setting checked against its
    declaration (rnnlab.config.settings), then every folder the run writes checked writable. A
    mistake is one line and exit status 1, and nothing is written. A sweep's swept values are
    checked by each job."""

    def _check(self, config: DictConfig, directory: str) -> None:
        from rnnlab.config.settings import (
            check_train_config,  # imports torch: only when a run starts
        )

        try:
            check_train_config(config)
            for path, setting, what in writable_paths(config, directory):
                check_writable(path, setting, what)
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(1) from None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, config.hydra.sweep.dir)
        make_study_directory(config.hydra.sweeper.get("storage"))


@dataclass(frozen=True)
class FailedJob:
    """What a sweep job returns when a user mistake stopped it: the sweep goes on, and its
    report (rnnlab.experiments.sweeps) names the job and the reason, then exits 1."""

    message: str


def discard_unused_run_dir() -> None:
    """Remove this run's directory when it holds no checkpoint: a mistake found
    before training leaves no debris."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    if (run_dir / ".hydra").is_dir() and not any(run_dir.glob("**/*.ckpt")):
        shutil.rmtree(run_dir, ignore_errors=True)


def report_user_errors(function):
    """Turn a UserError into `error: <message>` on stderr and exit status 1, with no traceback."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as err:
            user_error = user_error_in(err)
            if user_error is None:
                raise
            if in_multirun():
                # Fail this job only: the sweep goes on and reports it (rnnlab.experiments.sweeps).
                return FailedJob(str(user_error))
            print(f"error: {user_error}", file=sys.stderr)
            # After a non-finite loss that run's dashboards show what went wrong: keep them.
            if not isinstance(user_error, NonFiniteLoss):
                discard_unused_run_dir()
            raise SystemExit(1) from None

    return wrapper
