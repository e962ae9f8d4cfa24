"""Which command-line choices need an optional extra, checked before Hydra starts.

Sweeps and cluster launchers are Hydra plugins installed by extras (`pip install 'rnnlab[sweeps]'`,
`'rnnlab[slurm]'`); the MLflow and W&B loggers need the `tracking` extra. Without them Hydra fails
deep in config composition, or Lightning once training has started, with a message that does not
say what to install; `require_extras` says it in one sentence instead, before anything is written.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import OverrideParseException

from rnnlab.core.errors import UserError


@dataclass(frozen=True)
class Plugin:
    """A Hydra plugin, or a logger's package, that an extra of rnnlab installs."""

    description: str  # as the error message names it
    module: str  # importable when the plugin is installed
    extra: str  # the extra of pyproject.toml that installs it


OPTUNA_SWEEPER = Plugin("the Optuna sweeper", "hydra_plugins.hydra_optuna_sweeper", "sweeps")
JOBLIB_LAUNCHER = Plugin("the joblib launcher", "hydra_plugins.hydra_joblib_launcher", "sweeps")
SUBMITIT_LAUNCHER = Plugin(
    "the submitit launcher", "hydra_plugins.hydra_submitit_launcher", "slurm"
)
MLFLOW = Plugin("MLflow", "mlflow", "tracking")
WANDB = Plugin("Weights & Biases (wandb)", "wandb", "tracking")

ANY_CHOICE = "*"  # any choice of the group but null

# (config group, choice) -> the plugin that choice needs. Every conf/hparams_search/ config
# selects the Optuna sweeper; no conf/experiment/ config selects a plugin (tests/test_extras.py
# checks both).
PLUGIN_OF_CHOICE: dict[tuple[str, str], Plugin] = {
    ("hparams_search", ANY_CHOICE): OPTUNA_SWEEPER,
    ("hydra/sweeper", "optuna"): OPTUNA_SWEEPER,
    ("hydra/sweeper/sampler", ANY_CHOICE): OPTUNA_SWEEPER,  # a group the sweeper brings
    ("hydra/launcher", "joblib"): JOBLIB_LAUNCHER,
    ("hydra/launcher", "submitit_local"): SUBMITIT_LAUNCHER,
    ("hydra/launcher", "submitit_slurm"): SUBMITIT_LAUNCHER,
    ("logger", "mlflow"): MLFLOW,
    ("logger", "many"): MLFLOW,  # TensorBoard, CSV and MLflow
    ("logger", "wandb"): WANDB,
}


def require_extras(overrides: list[str]) -> None:
    """Raise a UserError for the first command-line choice whose plugin is not installed.

    Flags (`-m`, `--cfg job`) and arguments that do not parse as overrides are left to Hydra,
    which reports them in its own words.
    """
    parser = OverridesParser.create()
    for argument in overrides:
        if argument.startswith("-"):
            continue
        try:
            (override,) = parser.parse_overrides([argument])
        except OverrideParseException:
            continue
        if override.is_delete():
            continue
        for choice in _choices(override):
            plugin = plugin_needed(override.key_or_group, choice)
            if plugin is not None and not _installed(plugin.module):
                raise UserError(
                    f"{override.key_or_group}={choice} needs {plugin.description}, which is not "
                    f"installed; pip install 'rnnlab[{plugin.extra}]' "
                    "(make install installs every extra)."
                )


def _choices(override: Override) -> list[str | None]:
    """The chosen values (None for null): each of a sweep `a,b` or `choice(a,b)`, else the value.
    Ranges and globs name no choice here; Hydra expands them."""
    if override.value_type is ValueType.ELEMENT:
        value = override.value()
        return [None if value is None else str(value)]
    if override.value_type in (ValueType.CHOICE_SWEEP, ValueType.SIMPLE_CHOICE_SWEEP):
        return [None if text == "null" else text for text in override.sweep_string_iterator()]
    return []


def plugin_needed(group: str, choice: str | None) -> Plugin | None:
    """The plugin that choosing `choice` (None: null) in the config `group` needs, if any."""
    if not choice:  # null, or an empty choice that Hydra reports itself
        return None
    return PLUGIN_OF_CHOICE.get((group, choice)) or PLUGIN_OF_CHOICE.get((group, ANY_CHOICE))


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # no plugin at all: the `hydra_plugins` namespace itself is missing
        return False
