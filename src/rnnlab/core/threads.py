"""How many CPU threads each training process uses.

torch starts one thread per core in every process. When several processes train at once on one
machine (the ranks of a DDP run, the jobs of a parallel sweep), their threads wait on each other
at every operation, and the same work costs several times the CPU. With `threads=auto` each
process takes the cores divided by the processes that run at once beside it, at least 1.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass

import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

log = logging.getLogger(__name__)

# Variables that the OpenMP and MKL pools of this process's children (DataLoader workers,
# DDP ranks that Lightning starts) read when they start.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and job schedulers
    narrow), else the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _joblib_jobs(n_jobs: int | None, cores: int) -> int:
    """joblib's reading of n_jobs: -1 is every core, -2 all but one, and so on."""
    if n_jobs is None:
        return 1
    return max(1, cores + 1 + n_jobs) if n_jobs < 0 else n_jobs


def parallel_jobs(cores: int) -> tuple[int, str]:
    """(how many jobs of this Hydra multirun run at once on this machine, why)."""
    if not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return 1, ""
    hydra_cfg = HydraConfig.get()
    launcher, sweeper = hydra_cfg.launcher, hydra_cfg.sweeper
    target = str(launcher.get("_target_", ""))
    if target.endswith("JoblibLauncher"):
        jobs, why = _joblib_jobs(launcher.get("n_jobs"), cores), "joblib n_jobs"
    elif target.endswith("submitit_launcher.LocalLauncher"):
        # submitit starts every job of the sweep at once: each takes cpus_per_task, else a core.
        per_job = launcher.get("cpus_per_task") or 1
        jobs, why = max(1, cores // per_job), "submitit_local, cpus_per_task each"
    else:  # one job after another, or each on its own machine (SLURM)
        return 1, ""
    # Optuna asks for n_jobs trials at a time, and the launcher runs at most those at once.
    if str(sweeper.get("_target_", "")).endswith("OptunaSweeper"):
        jobs, why = min(jobs, sweeper.get("n_jobs") or 1), f"{why} and Optuna n_jobs"
    return max(1, jobs), why


@dataclass(frozen=True)
class ThreadBudget:
    threads: int
    reason: str

    def describe(self) -> str:
        return f"{self.threads} CPU thread{'s' if self.threads > 1 else ''} ({self.reason})"


def thread_budget(setting: int | str, ranks_per_machine: int = 1) -> ThreadBudget:
    """The threads for one process: `setting` when it is a number, else (auto) the cores divided
    by the processes that run at once on this machine. Under auto, an OMP_NUM_THREADS inherited
    from the environment is replaced; threads=N chooses."""
    if setting != "auto":
        return ThreadBudget(int(setting), f"threads={setting}")
    cores = available_cores()
    jobs, why = parallel_jobs(cores)
    processes = jobs * ranks_per_machine
    parts = [f"{cores} cores"]
    if ranks_per_machine > 1:
        parts.append(f"{ranks_per_machine} DDP processes")
    if jobs > 1:
        parts.append(f"{jobs} sweep jobs at once ({why})")
    return ThreadBudget(max(1, cores // processes), "threads=auto: " + " / ".join(parts))


def apply_thread_budget(budget: ThreadBudget) -> None:
    """Set torch's intra-op and inter-op threads, and the variables child processes read."""
    torch.set_num_threads(budget.threads)
    # Allowed once per process, before any inter-op work: a second run in it keeps the first's.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(budget.threads)
    for name in THREAD_VARIABLES:
        os.environ[name] = str(budget.threads)
    log.info("Threads: %s", budget.describe())
