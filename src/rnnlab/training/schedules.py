"""Learning-rate schedules the configs can name (`conf/scheduler/`)."""

from __future__ import annotations

import math

import torch
from torch.optim.lr_scheduler import LRScheduler

from rnnlab.core.schema import NonNegative, NonNegativeInt


class WarmupCosineLR(LRScheduler):
    """A linear warm-up over `warmup_steps`, then cosine decay to `eta_min` at step `T_max`,
    where it stays.

    torch's own pieces (LinearLR, CosineAnnealingLR) chain only through SequentialLR, which
    takes built schedulers and so cannot be written as one partial Hydra config; and
    CosineAnnealingLR climbs back up past T_max. Settings keep CosineAnnealingLR's names, so a
    resumed run's new `T_max` replaces the saved one (`TaskModule.on_load_checkpoint`).
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        # torch's name for the horizon; its range is checked with its origin, trainer.max_steps,
        # named (rnnlab.config.settings.check_schedule)
        T_max: int,
        warmup_steps: NonNegativeInt = 0,
        eta_min: NonNegative = 0.0,
        last_epoch: int = -1,
    ):
        if warmup_steps >= T_max:
            raise ValueError(
                f"warmup_steps={warmup_steps} must be smaller than T_max={T_max}, the run's steps"
            )
        self.T_max = T_max
        self.warmup_steps = warmup_steps
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.rate_at(self.last_epoch, base) for base in self.base_lrs]

    def rate_at(self, step: int, base_lr: float) -> float:
        """The learning rate of step `step` (0 is the first) for a peak rate `base_lr`."""
        if step < self.warmup_steps:
            return base_lr * (step + 1) / (self.warmup_steps + 1)
        span = max(self.T_max - self.warmup_steps, 1)
        progress = min((step - self.warmup_steps) / span, 1.0)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2
