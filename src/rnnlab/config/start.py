"""The one check point of a train run: before Hydra writes anything, every setting is checked
against its declaration and every folder the run writes is checked writable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError, check_writable
from rnnlab.experiments.studies import make_study_directory, study_file


def writable_paths(config: DictConfig, directory: str) -> list[tuple[Path, str, str]]:
    """(path, the setting that names it, what it is) for every folder a train run writes:
    its run or sweep directory, the prepared-data cache and, in a sweep, the study's file."""
    paths = [
        (Path(directory), "paths.root_dir", "the output directory"),
        (Path(config.paths.data_dir), "paths.data_dir", "the prepared-data folder"),
    ]
    study = study_file(config.hydra.sweeper.get("storage"))
    if study is not None:
        paths.append((study.parent, "hydra.sweeper.storage", "the study's folder"))
    return paths


class StartCheck(Callback):
    """Before Hydra creates a run (or sweep) directory: every setting checked against its
    declaration (rnnlab.config.settings), then every folder the run writes checked writable. A
    mistake is one line and exit status 1, and nothing is written. A sweep's swept values are
    checked by each job."""

    def _check(self, config: DictConfig, directory: str) -> None:

        try:
            check_train_config(config)
            for path, setting, what in writable_paths(config, directory):
                check_writable(path, setting, what)
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(1) from None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, config.hydra.sweep.dir)
        make_study_directory(config.hydra.sweeper.get("storage"))
