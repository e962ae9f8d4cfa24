"""The resolvers conf/ uses, registered by `register_resolvers`: the train entry calls it when it is
imported, and so does every test or tool that composes conf/train.yaml."""

from __future__ import annotations

import netrc
import os

from omegaconf import OmegaConf

from rnnlab.tasks.task import task_of


def register_resolvers() -> None:
    """Register the resolvers conf/ uses; calling it again changes nothing.

    `${task_of:${model._target_}}`: the task a model config's class declares (train.yaml's
    task_name).
    """
    OmegaConf.register_new_resolver("task_of", task_of, replace=True)
    OmegaConf.register_new_resolver("wandb_offline", wandb_offline, replace=True)
    OmegaConf.register_new_resolver("wandb_online", lambda: not wandb_offline(), replace=True)


def wandb_offline() -> bool:
    """`${wandb_offline:}`: W&B runs offline unless an account is set up, as `wandb login` (or
    WANDB_API_KEY) leaves it; WANDB_MODE, when set, decides."""
    mode = os.environ.get("WANDB_MODE")
    if mode:
        return mode in ("offline", "dryrun", "disabled")
    if os.environ.get("WANDB_API_KEY"):
        return False
    try:
        logins = netrc.netrc(os.environ.get("NETRC"))  # where `wandb login` wrote it
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return True
    host = os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai").split("://")[-1]
    return logins.authenticators(host.split("/")[0]) is None
