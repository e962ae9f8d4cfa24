"""Load a project checkpoint safely (tensors and plain data only) and check it as data: its
task, its saved hyperparameters against the model's declared settings, its weights against the
model they describe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from rnnlab.core.errors import UserError
from rnnlab.core.schema import check_node, declared


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint's contents, loaded with `weights_only=True` so no code in it can run."""
    path = Path(path)
    if path.is_dir():
        raise UserError(
            f"The checkpoint {path} is a directory; give the path of a .ckpt file "
            "(a run keeps them in checkpoints/, e.g. checkpoints/last.ckpt)."
        )
    if not path.is_file():
        raise UserError(
            f"The checkpoint {path} does not exist; give the path of a .ckpt written by train.py."
        )
    try:
        contents = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # the weights-only unpickler fails in many ways on other files
        # torch's own message advises weights_only=False, which would run the file's code.
        raise UserError(
            f"{path} is not a checkpoint this project can load safely: it is not a PyTorch "
            "file of tensors and plain data; give a .ckpt written by train.py."
        ) from None
    if not isinstance(contents, dict):
        raise UserError(f"{path} is not a checkpoint of this project; give a .ckpt of train.py.")
    return contents


def task_in(checkpoint: dict) -> str | None:
    """The task a checkpoint was trained for (None when it is not one of this project's)."""
    task = checkpoint.get("task")
    return task if isinstance(task, str) else None


def require_task(checkpoint: dict, task: str, path: str | Path) -> None:
    """Raise a UserError unless the checkpoint was trained for `task`."""
    found = task_in(checkpoint)
    if found != task:
        raise UserError(
            f"{path} is not a {task} checkpoint of this project "
            f"(its task is {found or 'unknown'}); give a checkpoint trained with task {task}."
        )


def require_device(device: str) -> None:
    """Raise a UserError when torch does not know `device`, or it names a CUDA GPU that this
    machine lacks."""
    try:
        chosen = torch.device(device)
    except (RuntimeError, ValueError):
        raise UserError(
            f"device={device!r} is not a device torch knows; use device=cpu or device=cuda "
            "(cuda:<n> for one GPU of several)."
        ) from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise UserError(
            f"device={device} needs a CUDA GPU and this machine has none; use device=cpu."
        )
    if chosen.type == "cuda" and (chosen.index or 0) >= torch.cuda.device_count():
        raise UserError(
            f"device={device} names GPU {chosen.index} and this machine has "
            f"{torch.cuda.device_count()}; use device=cuda for the first."
        )


def hparams_in(checkpoint: dict, path: str | Path) -> dict:
    """The hyperparameters a checkpoint saved, unchecked."""
    hparams = checkpoint.get("hyper_parameters")
    if not isinstance(hparams, dict):
        raise UserError(f"{path} has no saved hyperparameters; give a .ckpt written by train.py.")
    return hparams


def check_hparams(
    hparams: dict, path: str | Path, target: Callable | type, what: str, open_keys: bool = False
) -> None:
    """Check saved hyperparameters against what `target` declares: every setting it takes
    present, every value of its declared type and range; `open_keys` lets other keys pass."""
    # train.py saves every setting of the model's constructor: a missing one means a damaged file.
    required = [name for name in declared(target)[0] if name not in hparams]
    if required:
        raise UserError(
            f"{path} lacks the hyperparameters {', '.join(required)} that a "
            f"{what} model needs; give a complete .ckpt written by train.py."
        )
    try:
        check_node("hyper_parameters", hparams, target, open_keys=open_keys)
    except UserError as err:
        raise UserError(f"{path} holds a bad setting: {err}") from None


def saved_hparams(checkpoint: dict, path: str | Path, model_class: type[torch.nn.Module]) -> dict:
    """The hyperparameters a checkpoint saved, checked against the model's declared settings."""
    hparams = hparams_in(checkpoint, path)
    check_hparams(hparams, path, model_class, model_class.task)
    return hparams


def load_weights(module: torch.nn.Module, weights: object, path: str | Path) -> None:
    """Load a checkpoint's weights into `module`, every tensor of the right name and shape."""
    if not isinstance(weights, dict):
        raise UserError(f"{path} holds no weights (state_dict); give a .ckpt written by train.py.")
    try:
        module.load_state_dict(weights)
    except RuntimeError as err:  # missing or unexpected tensors, or tensors of other shapes
        detail = str(err).strip().splitlines()[-1].strip().rstrip(".")
        raise UserError(
            f"{path}: its weights do not fit the model its hyperparameters describe ({detail}); "
            "give an unmodified .ckpt written by train.py."
        ) from None


def load_task_model(path: str | Path, model_class: type[torch.nn.Module], device: str = "cpu"):
    """Build `model_class` (a task: a `TaskModule` subclass, whose `task` names the checkpoints it
    reads) from a checkpoint of its task, on `device`, in eval mode. The class is given, not
    imported: this module stays plain torch."""
    require_device(device)  # a setting: checked before the file is read
    checkpoint = read_checkpoint(path)
    require_task(checkpoint, model_class.task, path)
    model = model_class(**saved_hparams(checkpoint, path, model_class))
    load_weights(model, checkpoint.get("state_dict"), path)
    return model.to(device).eval()


def load_network(
    path: str | Path, task: str, build: Callable[..., torch.nn.Module], device: str = "cpu"
) -> tuple[torch.nn.Module, dict]:
    """(network, saved hyperparameters) of a `task` checkpoint, without its Lightning module.

    `build` takes the saved hyperparameters as keywords (and declares the ones it reads, so they
    are checked) and returns the network; the weights are the task's `net`. For tools that only
    run the network, which then start without importing Lightning.
    """
    require_device(device)
    checkpoint = read_checkpoint(path)
    require_task(checkpoint, task, path)
    hparams = hparams_in(checkpoint, path)
    check_hparams(hparams, path, build, task, open_keys=True)
    network = build(**hparams)
    weights = checkpoint.get("state_dict")
    if isinstance(weights, dict):  # TaskModule keeps its network as `self.net`
        weights = {
            name.removeprefix("net."): tensor
            for name, tensor in weights.items()
            if name.startswith("net.")
        }
    load_weights(network, weights, path)
    return network.to(device).eval(), hparams
