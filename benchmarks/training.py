"""Character-LM training throughput: the project's LightningModule under the Trainer vs
a plain PyTorch loop.

Both sides train the same configured model (conf/ defaults: 32 streams x 64 characters,
carried state, AdamW with the cosine schedule, clipping at 1.0) on the same batches
in the same process, alternately, so drifts in machine load hit both alike.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import hydra
import lightning as L
import torch
import torch.nn.functional as F

from benchmarks.common import Stopwatch, build, project_config
from rnnlab.nets.backbone import detach_hidden

# Callbacks of a real run that act once per step stay on; these act only at validation,
# at chosen steps or at the start, which the timed steps never reach, so they are switched off
# to keep the timing clean.
OFF_STEP_CALLBACKS = [
    "~callbacks.text_samples",
    "~callbacks.model_checkpoint",
    "~callbacks.model_summary",
]
NO_VALIDATION = ["trainer.limit_val_batches=0", "trainer.num_sanity_val_steps=0"]


def char_config(
    work_dir: Path, cell: str, device: str, precision: str = "32-true", extra: list[str] = ()
):
    accelerator = "gpu" if device == "cuda" else "cpu"
    overrides = [
        f"model={cell}",
        f"trainer.accelerator={accelerator}",
        f"trainer.precision={precision}",
        *extra,
    ]
    return project_config(overrides, work_dir)


def per_step_callbacks(cfg) -> list[str]:
    """The callbacks left on in the Lightning measurement, by class name."""
    return [entry["_target_"].rsplit(".", 1)[1] for entry in cfg.callbacks.values() if entry]


class _StepClock(L.Callback):
    """Times the training steps after `first` (the warm-up) to `last`, and counts the items they
    read in the task's own unit (`count_items`: characters, target tokens, ...)."""

    def __init__(self, first: int, last: int, device: str):
        self.first, self.last, self.watch, self.items = first, last, Stopwatch(device), 0

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        if trainer.global_step == self.first:
            self.watch.start()
        if trainer.global_step >= self.first:
            # May be a tensor left on the device: summed there, read once after the run.
            self.items += module.count_items(batch)

    def on_train_batch_end(self, trainer, *_) -> None:
        if trainer.global_step == self.last:
            self.watch.stop()


def device_of(cfg) -> str:
    return "cuda" if cfg.trainer.accelerator == "gpu" else "cpu"


def project_trainer(cfg, *extra_callbacks: L.Callback, **settings) -> L.Trainer:
    """The Trainer of `python train.py` with this config: its callbacks and loggers,
    plus `extra_callbacks`."""
    callbacks = [hydra.utils.instantiate(entry) for entry in cfg.callbacks.values() if entry]
    loggers = [hydra.utils.instantiate(entry) for entry in cfg.logger.values() if entry]
    return hydra.utils.instantiate(
        cfg.trainer, callbacks=[*callbacks, *extra_callbacks], logger=loggers, **settings
    )


def lightning_run(
    cfg, warmup: int, steps: int, compile_net: bool = False, clock: _StepClock | None = None
):
    """Train as `python train.py` does (configured Trainer, logger and callbacks)
    -> (items/s, model, datamodule). `clock` times the steps (by default a `_StepClock`)."""
    torch.manual_seed(0)
    datamodule, model = build(cfg)
    if compile_net:
        model.net.compile()
    clock = clock or _StepClock(warmup, warmup + steps, device_of(cfg))
    project_trainer(cfg, clock, max_steps=warmup + steps).fit(model, datamodule=datamodule)
    return float(clock.items) / clock.watch.seconds, model, datamodule


def lightning_rate(cfg, warmup: int, steps: int, compile_net: bool = False) -> float:
    return lightning_run(cfg, warmup, steps, compile_net)[0]


def plain_rate(cfg, warmup: int, steps: int, compile_net: bool = False) -> float:
    """Characters/s of a hand-written loop over the same model, optimiser, schedule,
    clipping and batches."""
    torch.manual_seed(0)
    datamodule, model = build(cfg)
    device = device_of(cfg)
    net = model.net.to(device)
    if compile_net:
        net.compile()
    optimizers = model.configure_optimizers()
    optimizer, schedule = optimizers["optimizer"], optimizers["lr_scheduler"]["scheduler"]
    precision = cfg.trainer.precision
    autocast = torch.autocast(
        device, dtype=_autocast_dtype(precision), enabled="mixed" in precision
    )
    scaler = torch.amp.GradScaler(device, enabled=precision == "16-mixed")
    watch, hidden = Stopwatch(device), None
    batches = itertools.islice(datamodule.train_dataloader(), warmup + steps)
    for step, (x, y) in enumerate(batches):
        if step == warmup:
            watch.start()
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with autocast:
            logits, hidden = net(x, hidden)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        hidden = detach_hidden(hidden)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.trainer.gradient_clip_val)
        scaler.step(optimizer)
        scaler.update()
        schedule.step()
    watch.stop()
    return steps * x.numel() / watch.seconds


def _autocast_dtype(precision: str) -> torch.dtype:
    return torch.bfloat16 if precision.startswith("bf16") else torch.float16
