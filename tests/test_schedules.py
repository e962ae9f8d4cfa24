"""The warm-up + cosine schedule, and its horizon fitted to a run limited by the clock."""

import itertools

import lightning as L
import pytest
import torch
from omegaconf import OmegaConf

from rnnlab.callbacks.time_budget import ScheduleWithinTime
from rnnlab.config.settings import check_optimisation
from rnnlab.core.errors import UserError
from rnnlab.training.schedules import WarmupCosineLR


def rates(schedule: WarmupCosineLR, steps: int) -> list[float]:
    optimizer = schedule.optimizer
    seen = []
    for _ in range(steps):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return seen


def sgd(lr: float = 1.0) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def test_warm_up_climbs_to_the_rate_then_the_cosine_ends_at_eta_min_and_stays():
    seen = rates(WarmupCosineLR(sgd(), T_max=10, warmup_steps=4, eta_min=0.1), 14)
    assert seen[:5] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    decay = seen[4:11]
    assert all(a > b for a, b in itertools.pairwise(decay))
    assert decay[3] == pytest.approx(0.55)  # half-way down the cosine: the mean of the ends
    assert seen[10:] == pytest.approx([0.1] * 4)  # no climb back up past T_max


def test_without_warm_up_it_is_torchs_cosine_schedule():
    ours = rates(WarmupCosineLR(sgd(), T_max=20, eta_min=0.01), 21)
    optimizer = sgd()
    torchs = rates(torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 20, 0.01), 21)
    assert ours == pytest.approx(torchs)


def test_a_warm_up_as_long_as_the_run_is_refused_in_one_sentence():
    model = OmegaConf.create(
        {
            "optimizer": {"_target_": "torch.optim.AdamW", "_partial_": True, "lr": 0.01},
            "scheduler": {
                "_target_": "rnnlab.training.schedules.WarmupCosineLR",
                "_partial_": True,
                "T_max": 100,
                "warmup_steps": 100,
            },
        }
    )
    with pytest.raises(UserError, match=r"warmup_steps=100 must be smaller than T_max=100"):
        check_optimisation(model)


class Regression(L.LightningModule):
    """A tiny model whose steps take about 10 ms, with the schedule under test."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(64, 1)
        self.rates: list[float] = []

    def training_step(self, batch, batch_idx):
        self.rates.append(self.optimizers().param_groups[0]["lr"])
        torch.mm(torch.randn(300, 300), torch.randn(300, 300))  # work enough for a steady clock
        return self.layer(batch[0]).pow(2).mean()

    def train_dataloader(self):
        data = torch.utils.data.TensorDataset(torch.randn(64, 64))
        return torch.utils.data.DataLoader(data, batch_size=8)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=1.0)
        schedule = WarmupCosineLR(optimizer, T_max=1_000_000, warmup_steps=5, eta_min=0.0)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


def fit_for_two_seconds(callbacks: list) -> Regression:
    model = Regression()
    trainer = L.Trainer(
        max_time="00:00:00:02",
        max_steps=1_000_000,
        callbacks=callbacks,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model)
    assert 0 < trainer.global_step < 1_000_000  # the clock stopped it
    return model


@pytest.mark.slow
def test_a_run_stopped_by_the_clock_ends_its_cosine_when_the_time_is_up():
    fitted = fit_for_two_seconds([ScheduleWithinTime(after_steps=10)])
    peak = fitted.rates.index(max(fitted.rates))
    decay = fitted.rates[peak:]
    assert len(decay) > 20
    assert all(a >= b for a, b in itertools.pairwise(decay))
    assert decay[-1] < 0.05  # the last steps run near eta_min
    assert decay[len(decay) // 2] == pytest.approx(0.5, abs=0.2)  # the cosine's middle


@pytest.mark.slow
def test_without_the_callback_the_clock_stops_the_run_at_its_peak_rate():
    fitted = fit_for_two_seconds([])
    assert fitted.rates[-1] > 0.99
