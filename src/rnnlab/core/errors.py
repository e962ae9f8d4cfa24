"""User mistakes end with one sentence; bugs keep their tracebacks. Here: the errors, how a
command reports one (one line, exit status 1, or a failed job in a sweep), and the check that a
folder can be written."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

MIN_FREE_MB = 200  # below this a run would fail mid-way writing checkpoints


class UserError(Exception):
    """A mistake in config, data or arguments that the user can fix; its message says how."""


def require_split_fractions(val_fraction: float, test_fraction: float) -> None:
    """Validation and test together must leave something to train on (each fraction alone is
    checked by its declaration)."""
    if val_fraction + test_fraction >= 1:
        raise UserError(
            f"data.val_fraction={val_fraction} and data.test_fraction={test_fraction} add up to "
            "1 or more and leave no text for training; lower them."
        )


class NonFiniteLoss(UserError):
    """Training produced a nan or infinite loss; the run stops, keeping its last good checkpoint."""


# below this a run would fail mid-way writing checkpoints


def user_error_in(err: BaseException | None) -> UserError | None:
    """The UserError behind `err`, also when Hydra's instantiate wrapped it in its own exception."""
    while err is not None and not isinstance(err, UserError):
        err = err.__cause__
    return err


def in_multirun() -> bool:
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


@dataclass(frozen=True)
class FailedJob:
    """What a sweep job returns when a user mistake stopped it: the sweep goes on, and its
    report (rnnlab.experiments.sweeps) names the job and the reason, then exits 1."""

    message: str


def discard_unused_run_dir() -> None:
    """Remove this run's directory when it holds no checkpoint: a mistake found
    before training leaves no debris."""
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
