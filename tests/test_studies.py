"""Stored Optuna studies: the folder of a SQLite study, and the trials a study starts with."""

from pathlib import Path

import optuna
import pytest
from omegaconf import OmegaConf

from rnnlab.experiments.studies import FirstTrials, make_study_directory

LR = "model.optimizer.lr"


def sweep_config(storage: str, study_name: str):
    sweeper = {"storage": storage, "study_name": study_name, "direction": "minimize"}
    return OmegaConf.create({"hydra": {"sweeper": sweeper}})


def finished_study(storage: str, name: str, values: dict[float, float]) -> None:
    """A study whose trials set the learning rate (key) and scored value."""
    study = optuna.create_study(study_name=name, storage=storage)
    for lr, value in values.items():
        study.add_trial(
            optuna.trial.create_trial(
                params={LR: lr},
                distributions={LR: optuna.distributions.LogUniformDistribution(1e-4, 1.0)},
                value=value,
            )
        )


def queued(storage: str, name: str) -> list[dict]:
    study = optuna.load_study(study_name=name, storage=storage)
    return [t.system_attrs["fixed_params"] for t in study.trials if t.state.name == "WAITING"]


def test_the_folder_of_a_sqlite_study_is_created(tmp_path: Path):
    make_study_directory(f"sqlite:///{tmp_path}/a/b/studies.db")
    assert (tmp_path / "a" / "b").is_dir()
    make_study_directory("postgresql://host/db")  # a server's storage: nothing to create
    make_study_directory(None)


def test_a_study_starts_with_its_trials_then_the_best_of_a_shorter_one(tmp_path: Path):
    storage = f"sqlite:///{tmp_path}/studies/studies.db"
    make_study_directory(storage)
    finished_study(storage, "short", {0.001: 3.0, 0.002: 2.5, 0.004: 2.7, 0.008: 2.9})
    first = FirstTrials(trials=[{LR: 0.003}], best_of="short", best_count=2)
    first.on_multirun_start(sweep_config(storage, "long"))
    assert queued(storage, "long") == [{LR: 0.003}, {LR: 0.002}, {LR: 0.004}]
    first.on_multirun_start(sweep_config(storage, "long"))  # the same search again
    assert len(queued(storage, "long")) == 3


def test_a_missing_shorter_study_is_named_in_one_line(tmp_path: Path, capsys):
    storage = f"sqlite:///{tmp_path}/studies.db"
    first = FirstTrials(trials=[], best_of="char_lm_00:00:02:30")
    with pytest.raises(SystemExit) as stop:
        first.on_multirun_start(sweep_config(storage, "long"))
    assert stop.value.code == 1
    error = capsys.readouterr().err.strip()
    assert error == (
        "error: hydra.callbacks.first_trials.best_of=char_lm_00:00:02:30: no such study in "
        f"{storage}; name a study that search has run there."
    )
    assert list(tmp_path.iterdir()) == []  # nothing written
