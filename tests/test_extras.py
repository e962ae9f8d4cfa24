"""Sweeps, cluster launchers and trackers are extras: which choices need them, and the one-sentence
error."""

import importlib.metadata
import importlib.util
import tomllib

import pytest
import yaml
from conftest import REPO
from packaging.requirements import Requirement

from rnnlab.config import extras
from rnnlab.config.extras import ANY_CHOICE, PLUGIN_OF_CHOICE, plugin_needed, require_extras
from rnnlab.core.errors import UserError

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PLUGINS = set(PLUGIN_OF_CHOICE.values())
PLUGIN_MODULES = {plugin.module for plugin in PLUGINS}
PLUGIN_DISTRIBUTIONS = {
    "optuna",
    "sqlalchemy",
    "alembic",
    "submitit",
    "hydra-optuna-sweeper",
    "hydra-joblib-launcher",
    "hydra-submitit-launcher",
    "mlflow",
    "wandb",
}


def requirement_names(requirements: list[str]) -> set[str]:
    return {Requirement(line).name.lower() for line in requirements}


def provides(distribution: str, module: str) -> bool:
    """Whether the installed `distribution` ships the package `module`."""
    package_init = module.replace(".", "/") + "/__init__.py"
    files = importlib.metadata.distribution(distribution).files or []
    return any(str(file) == package_init for file in files)


def test_the_core_dependencies_leave_out_sweeps_and_launchers():
    core = requirement_names(PYPROJECT["project"]["dependencies"])
    assert not core & PLUGIN_DISTRIBUTIONS


def test_each_plugin_of_the_table_is_installed_by_the_extra_it_names():
    extras_of_pyproject = PYPROJECT["project"]["optional-dependencies"]
    assert {plugin.extra for plugin in PLUGINS} == extras_of_pyproject.keys() - {"dev"}
    for plugin in PLUGINS:
        names = requirement_names(extras_of_pyproject[plugin.extra])
        assert any(provides(name, plugin.module) for name in names), plugin


def test_the_installed_metadata_has_the_extras_of_pyproject():
    """A stale editable install would still pull the plugins in as core dependencies."""
    core = {Requirement(line) for line in importlib.metadata.requires("rnnlab")}
    assert not {req.name.lower() for req in core if req.marker is None} & PLUGIN_DISTRIBUTIONS
    assert {req.name.lower() for req in core if req.marker} == requirement_names(
        [line for extra in PYPROJECT["project"]["optional-dependencies"].values() for line in extra]
    )


def config_defaults(path) -> dict[str, str]:
    """A config's defaults list as {group: choice}: `override /hydra/sweeper: optuna` gives
    {"hydra/sweeper": "optuna"}."""
    chosen = {}
    for entry in yaml.safe_load(path.read_text()).get("defaults", []):
        if isinstance(entry, dict):
            for key, choice in entry.items():
                chosen[key.removeprefix("override ").lstrip("/")] = choice
    return chosen


def configs(group: str) -> list:
    return sorted((REPO / "conf" / group).glob("*.yaml"))


def plugins_chosen(path) -> set[extras.Plugin]:
    needed = (plugin_needed(group, choice) for group, choice in config_defaults(path).items())
    return {plugin for plugin in needed if plugin is not None}


@pytest.mark.parametrize("path", configs("hparams_search"), ids=lambda path: path.stem)
def test_every_hparams_search_config_needs_only_what_the_table_says(path):
    assert plugins_chosen(path) == {PLUGIN_OF_CHOICE["hparams_search", ANY_CHOICE]}


@pytest.mark.parametrize("path", configs("experiment"), ids=lambda path: path.stem)
def test_an_experiment_that_selects_a_plugin_is_in_the_table(path):
    expected = plugin_needed("experiment", path.stem)
    assert plugins_chosen(path) <= {expected} - {None}


@pytest.mark.parametrize(
    "overrides",
    [
        ["hparams_search=char_lm_optuna"],
        ["hydra/launcher=joblib", "hydra/sweeper=optuna"],
        ["-m", "hydra/launcher=submitit_local,submitit_slurm"],
    ],
)
def test_choices_pass_when_their_plugins_are_installed(overrides):
    require_extras(overrides)


@pytest.fixture
def missing(monkeypatch):
    """The set of plugin modules that `require_extras` sees as not installed (empty at first)."""
    gone: set[str] = set()
    find_spec = importlib.util.find_spec

    def find_spec_without(name, *args):
        return None if name in gone else find_spec(name, *args)

    monkeypatch.setattr(extras.importlib.util, "find_spec", find_spec_without)
    return gone


@pytest.mark.parametrize(
    "argument, plugin, extra",
    [
        ("hparams_search=char_lm_optuna", "the Optuna sweeper", "sweeps"),
        ("hydra/sweeper=optuna", "the Optuna sweeper", "sweeps"),
        ("hydra/launcher=joblib", "the joblib launcher", "sweeps"),
        ("hydra/launcher=submitit_slurm", "the submitit launcher", "slurm"),
        ("+hydra/launcher=submitit_local", "the submitit launcher", "slurm"),
        ("logger=mlflow", "MLflow", "tracking"),
        ("logger=many", "MLflow", "tracking"),
        ("logger=wandb", "Weights & Biases (wandb)", "tracking"),
    ],
)
def test_a_choice_whose_plugin_is_missing_ends_with_one_sentence(missing, argument, plugin, extra):
    missing.update(PLUGIN_MODULES)
    with pytest.raises(UserError) as error:
        require_extras(["-m", argument, "model=gru"])
    choice = argument.removeprefix("+")
    assert str(error.value) == (
        f"{choice} needs {plugin}, which is not installed; pip install 'rnnlab[{extra}]' "
        "(make install installs every extra)."
    )


def test_the_first_missing_choice_of_a_sweep_is_named(missing):
    missing.add(extras.SUBMITIT_LAUNCHER.module)
    named = r"^hydra/launcher=submitit_slurm needs the submitit launcher"
    with pytest.raises(UserError, match=named):
        require_extras(["hydra/launcher=joblib,submitit_slurm"])


def test_no_plugin_at_all_reads_as_missing(monkeypatch):
    """Without any plugin the `hydra_plugins` namespace itself is missing, and find_spec raises."""

    def no_namespace(name, *args):
        raise ModuleNotFoundError(f"No module named {name.split('.')[0]!r}")

    monkeypatch.setattr(extras.importlib.util, "find_spec", no_namespace)
    with pytest.raises(UserError, match=r"rnnlab\[sweeps\]"):
        require_extras(["hparams_search=char_lm_optuna"])


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["hparams_search=null"],
        ["~hparams_search"],
        ["model=gru", "trainer.max_steps=10", "hydra/launcher=basic"],
        ["-m", "--multirun", "--cfg", "job", "--info"],
        ["hparams_search=[", "hydra/launcher=joblib,"],  # unparseable: Hydra reports them
    ],
)
def test_choices_that_need_no_plugin_pass_without_any(missing, overrides):
    missing.update(PLUGIN_MODULES)
    require_extras(overrides)


def test_the_train_command_names_the_missing_extra_before_hydra_starts(
    missing, monkeypatch, capsys, tmp_path
):
    from rnnlab.commands.train import command

    missing.update(PLUGIN_MODULES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["train.py", "-m", "hparams_search=char_lm_optuna"])
    with pytest.raises(SystemExit) as exit_:
        command()
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "error: hparams_search=char_lm_optuna needs the Optuna sweeper, which is not installed; "
        "pip install 'rnnlab[sweeps]' (make install installs every extra).\n"
    )
    assert not list(tmp_path.iterdir())  # Hydra never started: no logs, no outputs
