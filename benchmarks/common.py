"""What every benchmark shares: the project's configs, a GPU-aware stopwatch, the machine."""

from __future__ import annotations

import datetime
import platform
import subprocess
import time
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from rnnlab.commands.train import build_model, set_matmul_precision
from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.resolvers import register_resolvers
from rnnlab.core.threads import available_cores


def project_config(overrides: list[str], work_dir: Path) -> DictConfig:
    """conf/train.yaml as `python train.py <overrides>` composes it, writing under `work_dir`."""
    paths = [
        f"paths.output_dir={work_dir}/run",
        f"paths.data_dir={work_dir}/data",
        "paths.log_dir=null",
    ]
    register_resolvers()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="train", overrides=[*paths, *overrides])


def build(cfg: DictConfig):
    """The DataModule (set up for fit) and the model, as the train entry builds them."""
    set_matmul_precision(cfg.matmul_precision)
    model, datamodule = build_model(cfg)
    return datamodule, model


def synchronize(device: str) -> None:
    """Wait for queued GPU work, so a clock read after it is honest."""
    if device == "cuda":
        torch.cuda.synchronize()


class Stopwatch:
    """Seconds between `start()` and `stop()`, GPU work included."""

    def __init__(self, device: str = "cpu"):
        self.device, self.seconds, self._start = device, 0.0, 0.0

    def start(self) -> None:
        synchronize(self.device)
        self._start = time.perf_counter()

    def stop(self) -> float:
        synchronize(self.device)
        self.seconds = time.perf_counter() - self._start
        return self.seconds


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_commit() -> str | None:
    """The commit the benchmarked code is at, marked when the checkout has uncommitted changes
    (None outside a git checkout)."""
    repo = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        found = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
        return found.stdout.strip() if found.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return None
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "--", ".") else "")


def machine() -> dict[str, object]:
    """What the figures depend on, written beside them."""
    import lightning

    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": source_commit(),
        "cpu": cpu_model(),
        "cores": available_cores(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "python": platform.python_version(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }
