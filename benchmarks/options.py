"""Speed options users reach for: torch.compile, DataLoader workers and pinned memory,
carried state vs windows."""

from __future__ import annotations

import statistics
import time

import torch

from benchmarks.common import build
from benchmarks.training import lightning_rate, project_trainer


def compile_rows(cfg_of, warmup: int, steps: int, repeats: int) -> list[dict]:
    """Training chars/s of the default model with and without `compile: true`
    (model.net.compile())."""
    rows = []
    for compiled in (False, True):
        rates = [
            lightning_rate(cfg_of([]), warmup, steps, compile_net=compiled) for _ in range(repeats)
        ]
        rate = statistics.median(rates)
        rows.append({"option": f"compile: {str(compiled).lower()}", "chars_per_s": round(rate)})
    return _relative(rows)


def loader_rows(cfg_of, warmup: int, steps: int, repeats: int, workers: int) -> list[dict]:
    """Training chars/s with the DataLoader in the main process or in worker processes,
    pinned or not."""
    rows = []
    for num_workers in (0, workers):
        for pin in (False, True):
            overrides = [f"data.num_workers={num_workers}", f"data.pin_memory={str(pin).lower()}"]
            rate = statistics.median(
                lightning_rate(cfg_of(overrides), warmup, steps) for _ in range(repeats)
            )
            rows.append({"option": " ".join(overrides), "chars_per_s": round(rate)})
    return _relative(rows)


def datamodule_rows(cfg_of, batches: int) -> list[dict]:
    """Batches/s of the training DataLoader alone, for carried-state streams
    and shuffled windows."""
    rows = []
    for stateful in (True, False):
        datamodule, _ = build(cfg_of([f"data.stateful={str(stateful).lower()}"]))
        loader = iter(datamodule.train_dataloader())
        next(loader)
        start = time.perf_counter()
        for _ in range(batches):
            next(loader)
        rate = batches / (time.perf_counter() - start)
        rows.append(
            {"data": f"data.stateful={str(stateful).lower()}", "batches_per_s": round(rate)}
        )
    return rows


def stateful_rows(cfg_of, seconds: int) -> list[dict]:
    """val/bpc after the same wall time of training, truncated BPTT with carried state
    vs independent windows."""
    rows = []
    for stateful in (True, False):
        # DD:HH:MM:SS
        clock = f"00:{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        cfg = cfg_of([f"data.stateful={str(stateful).lower()}", f"trainer.max_time={clock}"])
        torch.manual_seed(cfg.seed)
        datamodule, model = build(cfg)
        trainer = project_trainer(cfg)
        trainer.fit(model, datamodule=datamodule)
        (metrics,) = trainer.validate(model, datamodule=datamodule, verbose=False)
        rows.append(
            {
                "data": f"data.stateful={str(stateful).lower()}",
                "train_seconds": seconds,
                "steps": trainer.global_step,
                "val_bpc": round(float(metrics["val/bpc"]), 3),
            }
        )
    return rows


def _relative(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["vs_first_row"] = round(row["chars_per_s"] / rows[0]["chars_per_s"], 2)
    return rows
