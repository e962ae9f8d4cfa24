"""The resolvers conf/ uses, registered by `register_resolvers`: the train entry calls it when it is
imported, and so does every test or tool that composes conf/train.yaml."""

from __future__ import annotations

from omegaconf import OmegaConf

from rnnlab.tasks.task import task_of


def register_resolvers() -> None:
    """Register the resolvers conf/ uses; calling it again changes nothing.

    `${task_of:${model._target_}}`: the task a model config's class declares (train.yaml's
    task_name).
    """
    OmegaConf.register_new_resolver("task_of", task_of, replace=True)
