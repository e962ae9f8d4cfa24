"""One-step forecasting (many-to-one regression): a recurrent encoder's last state predicts
the next value."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanAbsoluteError, MeanMetric, MeanSquaredError

from rnnlab.core.schema import Cell, Count, Dropout, Positive
from rnnlab.dashboards.figures import forecast_figure
from rnnlab.dashboards.tensorboard import tensorboard_writer
from rnnlab.nets.forecast import RecurrentRegressor
from rnnlab.tasks.task import TaskModule

# The forecasters compared on every split, and the suffix of their metric names.
FORECASTERS = {"rnn": "", "naive": "_naive", "seasonal": "_seasonal"}


class ForecastModel(TaskModule):
    """Logs {val,test}/{mae,rmse} of the RNN and of the naive and seasonal-naive baselines, in
    series units, and a plot of the test span (truth vs forecasts) to TensorBoard."""

    task = "forecast"
    throughput_unit = "steps"
    progress_metric = "rmse"
    # The network's errors, and those of the naive and seasonal baselines beside them.
    evaluation_metrics = (
        "loss",
        *(f"{error}{suffix}" for suffix in FORECASTERS.values() for error in ("mae", "rmse")),
    )

    def __init__(
        self,
        mean: float,
        std: Positive,
        cell: Cell = "gru",
        hidden_size: Count = 64,
        num_layers: Count = 1,
        dropout: Dropout = 0.0,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.net = RecurrentRegressor(cell, hidden_size, num_layers, dropout)
        errors = {}
        for suffix in FORECASTERS.values():
            errors[f"mae{suffix}"] = MeanAbsoluteError()
            errors[f"rmse{suffix}"] = MeanSquaredError(squared=False)
        self.init_stage_metrics({"loss": MeanMetric(), **errors})
        self._test_span: list[torch.Tensor] = []
        self.test_errors: dict[str, float] = {}

    def to_series_units(self, scaled: torch.Tensor) -> torch.Tensor:
        return scaled * self.hparams.std + self.hparams.mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Next value in the series' own units."""
        return self.to_series_units(self.net(x))

    def count_items(self, batch) -> int:
        """Time steps read: windows x window length."""
        return batch[0].size(0) * batch[0].size(1)

    def training_step(self, batch, batch_idx: int):
        inputs, target, _, _ = batch
        loss = F.mse_loss(self.net(inputs), target)
        self.log_training(loss)
        return loss

    def evaluate_batch(self, batch, batch_idx: int, stage: str, metrics) -> None:
        inputs, target, naive, seasonal = batch
        scaled = self.net(inputs)
        metrics["loss"].update(F.mse_loss(scaled, target), weight=len(target))
        truth, predicted = self.to_series_units(target), self.to_series_units(scaled)
        forecasts = (predicted, naive, seasonal)
        for suffix, forecast in zip(FORECASTERS.values(), forecasts, strict=True):
            metrics[f"mae{suffix}"].update(forecast, truth)
            metrics[f"rmse{suffix}"].update(forecast, truth)
        if stage == "test":
            self._test_span.append(torch.stack([truth, *forecasts]).cpu())

    def end_evaluation(self, stage: str, values: dict[str, float]) -> None:
        if stage != "test":
            return
        self.test_errors = {name.removeprefix("test/"): value for name, value in values.items()}
        writer = tensorboard_writer(self.trainer)
        if writer is not None and self._test_span:
            span = torch.cat(self._test_span, dim=1).numpy()
            labels = ("truth", "rnn", "naive", "seasonal naive")
            writer.add_figure("test/forecast", forecast_figure(span, labels), self.global_step)
        self._test_span = []

    def demo_text(self) -> str:
        """The test errors beside the baselines'."""
        errors = self.test_errors
        if not errors:
            return "no test errors yet"
        names = {"rnn": "rnn", "naive": "naive", "seasonal": "seasonal naive"}
        return "\n".join(
            f"{names[forecaster]:15} MAE {errors['mae' + suffix]:8.3f}"
            f"   RMSE {errors['rmse' + suffix]:8.3f}"
            for forecaster, suffix in FORECASTERS.items()
        )
