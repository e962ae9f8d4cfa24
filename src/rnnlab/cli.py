"""What every command shares: where the configs live, and user errors printed as one line."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from rnnlab.errors import UserError

# conf/ sits at the repository root; an installed wheel carries a copy inside the package.
_REPO_CONF = Path(__file__).resolve().parents[2] / "conf"
CONFIG_DIR = _REPO_CONF if _REPO_CONF.is_dir() else Path(__file__).resolve().parent / "conf"


def user_error_in(err: BaseException | None) -> UserError | None:
    """The UserError behind `err`, also when Hydra's instantiate wrapped it in its own exception."""
    while err is not None and not isinstance(err, UserError):
        err = err.__cause__
    return err


def in_multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


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
            if in_multirun():  # fail this job only: the sweep goes on and reports it (rnnlab.sweeps)
                raise user_error from None
            print(f"error: {user_error}", file=sys.stderr)
            raise SystemExit(1) from None

    return wrapper
