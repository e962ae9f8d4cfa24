"""Load a project checkpoint safely (tensors and plain data only)
and check it is of the expected task."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from rnnlab.errors import UserError

if TYPE_CHECKING:
    from rnnlab.models.task import TaskModule


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint's contents, loaded with `weights_only=True` so no code in it can run."""
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"The checkpoint {path} does not exist; give the path of a .ckpt written by train.py."
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (
        Exception
    ) as err:  # the weights-only unpickler fails in many ways on files that are not checkpoints
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(
            f"{path} is not a checkpoint this project can load safely ({first_line})."
        ) from None


def task_in(checkpoint: dict) -> str | None:
    """The task a checkpoint was trained for (None when it is not one of this project's)."""
    if isinstance(checkpoint.get("task"), str):
        return checkpoint["task"]
    hparams = checkpoint.get("hyper_parameters")
    # Checkpoints written before the task was stored beside the weights kept it as a setting.
    return hparams.get("task") if isinstance(hparams, dict) else None


def load_task_model(path: str | Path, model_class: type[TaskModule], device: str = "cpu"):
    """Build `model_class` from a checkpoint of its task, on `device`, in eval mode."""
    checkpoint = read_checkpoint(path)
    task, found = model_class.task, task_in(checkpoint)
    if found != task:
        raise UserError(
            f"{path} is not a {task} checkpoint of this project "
            f"(its task is {found or 'unknown'}); give a checkpoint trained with task {task}."
        )
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(
            f"device={device} needs a CUDA GPU and this machine has none; use device=cpu."
        )
    hparams = {key: value for key, value in checkpoint["hyper_parameters"].items() if key != "task"}
    model = model_class(**hparams)
    model.load_state_dict(checkpoint["state_dict"])
    return model.to(device).eval()
