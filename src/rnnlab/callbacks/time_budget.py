"""Fit the learning-rate schedule to a run limited by the clock (`trainer.max_time`)."""

from __future__ import annotations

import lightning as L
from lightning.pytorch.callbacks import Timer

from rnnlab.core.schema import Count
from rnnlab.training.schedules import WarmupCosineLR


class ScheduleWithinTime(L.Callback):
    """With `trainer.max_time` set, end the cosine schedule when the clock will stop the run.

    After `after_steps` steps, and then every step, the schedule's horizon `T_max` becomes the
    step the run will reach when its time is up, at the rate it has kept so far (validations
    included, as they recur), unless `trainer.max_steps` comes first. Without it a run stopped by
    the clock ends at a high learning rate, its horizon still `trainer.max_steps` away.
    """

    def __init__(self, after_steps: Count = 20):
        self.after_steps = after_steps

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, batch_idx) -> None:
        timer = next((c for c in trainer.callbacks if isinstance(c, Timer)), None)
        step = trainer.global_step
        if timer is None or step < self.after_steps:
            return
        elapsed, remaining = timer.time_elapsed(), timer.time_remaining()
        if not elapsed or remaining is None:
            return
        horizon = step + int(remaining * step / elapsed)
        for config in trainer.lr_scheduler_configs:
            schedule = config.scheduler
            if isinstance(schedule, WarmupCosineLR):
                limit = trainer.max_steps if trainer.max_steps > 0 else horizon
                schedule.T_max = max(min(horizon, limit), schedule.warmup_steps + 1)
