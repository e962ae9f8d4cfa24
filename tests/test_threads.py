"""The thread budget: each process takes the cores divided by the processes that run at once."""

from __future__ import annotations

import os

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.core import threads
from rnnlab.core.threads import apply_thread_budget, thread_budget


@pytest.fixture
def eight_cores(monkeypatch):
    monkeypatch.setattr(threads, "available_cores", lambda: 8)


@pytest.fixture
def launched_by():
    """Make this process look like a job of `python train.py <overrides>`: Hydra's config of
    that command is the one `HydraConfig.get()` returns."""

    def set_hydra_config(*overrides: str) -> None:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
        with open_dict(cfg):  # what Hydra fills in when it launches the job
            cfg.hydra.job.num = 0
            cfg.hydra.job.id = "0"
            cfg.hydra.runtime.output_dir = "."
        HydraConfig.instance().set_config(cfg)

    saved = HydraConfig.instance().cfg
    yield set_hydra_config
    HydraConfig.instance().cfg = saved


def test_a_single_run_takes_every_core(eight_cores, launched_by):
    launched_by("model=gru")
    assert thread_budget("auto").threads == 8


def test_a_number_is_taken_as_it_is(eight_cores, launched_by):
    launched_by("hydra.mode=MULTIRUN", "hydra/launcher=joblib", "hydra.launcher.n_jobs=4")
    budget = thread_budget(3)
    assert budget.threads == 3 and budget.reason == "threads=3"


@pytest.mark.parametrize(
    ("overrides", "threads_each"),
    [
        # one job after another: each has the machine to itself
        (["hydra.mode=MULTIRUN"], 8),
        (["hydra.mode=MULTIRUN", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], 4),
        # joblib's -1 is a job per core
        (["hydra.mode=MULTIRUN", "hydra/launcher=joblib", "hydra.launcher.n_jobs=-1"], 1),
        (["hydra.mode=MULTIRUN", "hydra/launcher=joblib", "hydra.launcher.n_jobs=-5"], 2),
        # Optuna asks for 2 trials at a time: no more than 2 run at once
        (
            [
                "hparams_search=char_lm_optuna",
                "hydra/launcher=joblib",
                "hydra.launcher.n_jobs=4",
                "hydra.sweeper.n_jobs=2",
            ],
            4,
        ),
        # submitit starts every job at once: a core each, or the cpus_per_task asked for
        (["hydra.mode=MULTIRUN", "hydra/launcher=submitit_local"], 1),
        (
            [
                "hydra.mode=MULTIRUN",
                "hydra/launcher=submitit_local",
                "hydra.launcher.cpus_per_task=4",
            ],
            4,
        ),
        # a SLURM job has the cores of its own allocation
        (["hydra.mode=MULTIRUN", "hydra/launcher=submitit_slurm"], 8),
    ],
)
def test_parallel_sweep_jobs_share_the_cores(eight_cores, launched_by, overrides, threads_each):
    launched_by(*overrides)
    assert thread_budget("auto").threads == threads_each


def test_ddp_ranks_and_sweep_jobs_multiply(eight_cores, launched_by):
    launched_by("hydra.mode=MULTIRUN", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    budget = thread_budget("auto", ranks_per_machine=2)
    assert budget.threads == 2
    assert "2 DDP processes" in budget.reason and "2 sweep jobs at once" in budget.reason


def test_never_fewer_than_one_thread(monkeypatch, launched_by):
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    launched_by("hydra.mode=MULTIRUN", "hydra/launcher=joblib", "hydra.launcher.n_jobs=4")
    assert thread_budget("auto", ranks_per_machine=2).threads == 1


def test_the_budget_reaches_torch_and_child_processes(monkeypatch):
    for name in threads.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    try:
        apply_thread_budget(thread_budget(1))
        assert torch.get_num_threads() == 1
        assert all(os.environ[name] == "1" for name in threads.THREAD_VARIABLES)
    finally:
        torch.set_num_threads(before)
