"""Optuna studies kept in a database (`hparams_search=char_lm_optuna`): their folder, and the
trials a new study starts with."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from rnnlab.core.errors import UserError
from rnnlab.core.schema import Count

SQLITE_PREFIX = "sqlite:///"


def study_file(storage: Any) -> Path | None:
    """The file of a study kept in SQLite (`hydra.sweeper.storage`); None for other storages
    (database URLs, which Optuna reaches) and for a study kept in memory."""
    if isinstance(storage, str) and storage.startswith(SQLITE_PREFIX):
        return Path(storage.removeprefix(SQLITE_PREFIX))
    return None


def make_study_directory(storage: Any) -> None:
    """Create the folder of a study kept in SQLite: SQLite creates the file, not its folder."""
    study = study_file(storage)
    if study is not None:
        study.parent.mkdir(parents=True, exist_ok=True)


def plain(params: Any) -> dict[str, Any]:
    return OmegaConf.to_container(params) if isinstance(params, DictConfig) else dict(params)


class FirstTrials(Callback):
    """Queue trials in the sweep's study before the sampler's own, so a study always measures
    these points: `trials` (each a dict of the searched settings, e.g. the present defaults that
    a search should beat), then the `best_count` best trials of the study `best_of` in the same
    storage (a search at a shorter budget narrows the one at a longer budget).

    A trial already in the study, run or queued, is not queued again, so running the same
    search twice adds only the sampler's trials. Needs a stored study (`hydra.sweeper.storage`):
    an in-memory one is created by the sweeper after this runs."""

    def __init__(
        self, trials: list[dict[str, Any]], best_of: str | None = None, best_count: Count = 3
    ):
        self.trials = [plain(trial) for trial in trials]
        self.best_of, self.best_count = best_of, best_count

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        # The sweeps extra, which a plain run may lack; 1.6 s on top of torch (measured).
        import optuna

        sweeper = config.hydra.sweeper
        if sweeper.get("storage") is None:
            return
        wanted = list(self.trials)
        if self.best_of:
            try:  # first: a mistake here leaves the storage as it was
                wanted += self._best_trials(optuna, sweeper.storage)
            except UserError as err:  # before any trial starts: one line, exit status 1
                print(f"error: {err}", file=sys.stderr)
                raise SystemExit(1) from None
        make_study_directory(sweeper.storage)
        study = optuna.create_study(
            study_name=sweeper.study_name,
            storage=sweeper.storage,
            direction=sweeper.direction,
            load_if_exists=True,
        )
        # Optuna 2.10 (the sweeper's pin) keeps an enqueued trial's settings as "fixed_params"
        # and has no enqueue_trial(skip_if_exists=...): compare with those.
        queued = [trial.system_attrs.get("fixed_params") for trial in study.trials]
        with warnings.catch_warnings():  # enqueue_trial is stable in use, "experimental" by name
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            for params in wanted:
                if params not in queued:
                    study.enqueue_trial(params)
                    queued.append(params)

    def _best_trials(self, optuna, storage: str) -> list[dict[str, Any]]:
        missing = UserError(
            f"hydra.callbacks.first_trials.best_of={self.best_of}: no such study in "
            f"{storage}; name a study that search has run there."
        )
        if storage.startswith(SQLITE_PREFIX) and not Path(storage[len(SQLITE_PREFIX) :]).is_file():
            raise missing  # loading would create the file
        try:
            source = optuna.load_study(study_name=self.best_of, storage=storage)
        except KeyError:
            raise missing from None
        done = [t for t in source.trials if t.state == optuna.trial.TrialState.COMPLETE]
        done.sort(key=lambda t: t.value if source.direction.name == "MINIMIZE" else -t.value)
        return [t.params for t in done[: self.best_count]]
