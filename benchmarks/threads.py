"""CPU per training step when training processes share a machine: one process alone, then two
side by side, each at torch's default threads and at the share `threads=auto` gives it.

Each measure runs in processes of its own (`python -m benchmarks.threads --worker ...`), started
at once, so they compete for the cores as two jobs of a parallel sweep do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from benchmarks.training import _StepClock, lightning_run
from rnnlab.core.threads import available_cores

REPO = Path(__file__).resolve().parents[1]


class _CpuClock(_StepClock):
    """The step clock, plus this process's CPU seconds over the same steps."""

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        if trainer.global_step == self.first:
            self.cpu_start = time.process_time()
        super().on_train_batch_start(trainer, module, batch, batch_idx)

    def on_train_batch_end(self, trainer, *rest) -> None:
        super().on_train_batch_end(trainer, *rest)
        if trainer.global_step == self.last:
            self.cpu_seconds = time.process_time() - self.cpu_start


def worker(config_json: str, threads: int, warmup: int, steps: int, out: Path) -> None:
    """Train the configured model with `threads` threads; write CPU and wall s per step."""
    from omegaconf import OmegaConf

    torch.set_num_threads(threads)
    clock = _CpuClock(warmup, warmup + steps, "cpu")
    lightning_run(OmegaConf.create(json.loads(config_json)), warmup, steps, clock=clock)
    out.write_text(
        json.dumps(
            {
                "cpu_s_per_step": clock.cpu_seconds / steps,
                "wall_s_per_step": clock.watch.seconds / steps,
            }
        )
    )


def side_by_side(cfg, processes: int, threads: int, warmup: int, steps: int, work: Path) -> dict:
    """Start `processes` workers at once; the mean of their CPU and wall seconds per step."""
    from omegaconf import OmegaConf

    config_json = json.dumps(OmegaConf.to_container(cfg, resolve=True))
    env = os.environ | {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    outs = [work / f"threads-{processes}-{threads}-{n}.json" for n in range(processes)]
    worker_command = [sys.executable, "-m", "benchmarks.threads", "--worker", config_json]
    counts = [str(threads), str(warmup), str(steps)]
    running = [
        subprocess.Popen([*worker_command, *counts, str(out)], cwd=REPO, env=env) for out in outs
    ]
    for process in running:
        if process.wait() != 0:
            raise RuntimeError(f"a threads benchmark worker failed ({process.returncode})")
    found = [json.loads(out.read_text()) for out in outs]
    return {key: statistics.mean(f[key] for f in found) for key in found[0]}


def threads_rows(cfg, warmup: int, steps: int, repeats: int, work: Path) -> list[dict]:
    """One process alone, then two side by side at torch's default and at auto's share."""
    default = torch.get_num_threads()
    shared = max(1, available_cores() // 2)
    cases = [
        ("alone", 1, default, "torch default = auto"),
        ("two side by side", 2, default, "torch default"),
        ("two side by side", 2, shared, "threads=auto"),
    ]
    rows = []
    for processes_label, processes, threads, setting in cases:
        runs = [side_by_side(cfg, processes, threads, warmup, steps, work) for _ in range(repeats)]
        rows.append(
            {
                "processes": processes_label,
                "setting": setting,
                "threads_each": threads,
                "cpu_ms_per_step": 1000 * statistics.median(r["cpu_s_per_step"] for r in runs),
                "wall_ms_per_step": 1000 * statistics.median(r["wall_s_per_step"] for r in runs),
            }
        )
    alone = rows[0]["cpu_ms_per_step"]
    for row in rows:
        row["cpu_vs_alone"] = round(row["cpu_ms_per_step"] / alone, 2)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="a worker of the threads benchmark")
    parser.add_argument("--worker", nargs=5, required=True)
    config_json, threads, warmup, steps, out = parser.parse_args().worker
    worker(config_json, int(threads), int(warmup), int(steps), Path(out))
