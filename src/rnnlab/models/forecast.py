"""One-step forecasting (many-to-one regression): a recurrent encoder's last state predicts the next value."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanSquaredError

from rnnlab.dashboard import tensorboard_writer
from rnnlab.models.recurrent import CELLS, check_sizes
from rnnlab.models.task import TaskModule
from rnnlab.plots import forecast_figure

TASK = "forecast"
FORECASTERS = ("rnn", "naive", "seasonal")


class RecurrentRegressor(nn.Module):
    """`forward(x (batch, time, 1)) -> next value (batch,)`: torch's RNN over the window, a linear head on its end."""

    def __init__(self, cell: str, hidden_size: int, num_layers: int, dropout: float):
        super().__init__()
        check_sizes(cell, 1, hidden_size, num_layers, dropout)
        self.rnn = CELLS[cell](1, hidden_size, num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.rnn(x)
        return self.head(output[:, -1]).squeeze(-1)


class ForecastModel(TaskModule):
    """Logs {val,test}/{mae,rmse} of the RNN and of the naive and seasonal-naive baselines, in series units,
    and a plot of the test span (truth vs forecasts) to TensorBoard."""

    def __init__(
        self,
        mean: float,
        std: float,
        cell: str = "gru",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
        task: str = TASK,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.net = RecurrentRegressor(cell, hidden_size, num_layers, dropout)
        self.metrics = nn.ModuleDict(
            {
                f"{stage}_{who}": nn.ModuleDict({"mae": MeanAbsoluteError(), "rmse": MeanSquaredError(squared=False)})
                for stage in ("val", "test")
                for who in FORECASTERS
            }
        )
        self._test_span: list[torch.Tensor] = []
        self.test_errors: dict[str, float] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Next value in the series' own units."""
        return self.net(x) * self.hparams.std + self.hparams.mean

    item_unit = "steps"

    def batch_items(self, batch) -> int:
        """Time steps read: windows x window length."""
        return batch[0].size(0) * batch[0].size(1)

    def training_step(self, batch, batch_idx: int):
        inputs, target, _, _ = batch
        loss = F.mse_loss(self.net(inputs), target)
        self.log_training(loss)
        return loss

    def _eval_step(self, batch, batch_idx: int, stage: str) -> None:
        inputs, target, naive, seasonal = batch
        truth = target * self.hparams.std + self.hparams.mean
        predicted = self(inputs)
        self.log(f"{stage}/loss", F.mse_loss(self.net(inputs), target), batch_size=len(target), sync_dist=True)
        for who, forecast in zip(FORECASTERS, (predicted, naive, seasonal), strict=True):
            for metric in self.metrics[f"{stage}_{who}"].values():
                metric.update(forecast, truth)
        if stage == "test":
            self._test_span.append(torch.stack([truth, predicted, naive, seasonal]).cpu())

    def _eval_epoch_end(self, stage: str) -> None:
        for who in FORECASTERS:
            for name, metric in self.metrics[f"{stage}_{who}"].items():
                suffix = "" if who == "rnn" else f"_{who}"
                value = metric.compute()
                self.log(f"{stage}/{name}{suffix}", value, prog_bar=who == "rnn" and name == "rmse", sync_dist=True)
                if stage == "test":
                    self.test_errors[f"{name}{suffix}"] = float(value)
                metric.reset()

    def on_test_epoch_end(self) -> None:
        super().on_test_epoch_end()
        writer = tensorboard_writer(self._trainer)
        if writer is not None and self._test_span:
            span = torch.cat(self._test_span, dim=1).numpy()
            figure = forecast_figure(span, ("truth", "rnn", "naive", "seasonal naive"))
            writer.add_figure("test/forecast", figure, self.global_step)
        self._test_span = []

    def showcase(self) -> str:
        """The test errors beside the baselines', for the end-of-run summary."""
        e = self.test_errors
        if not e:
            return "no test errors yet"
        return "\n".join(
            f"{who:15} MAE {e['mae' + s]:8.3f}   RMSE {e['rmse' + s]:8.3f}"
            for who, s in (("rnn", ""), ("naive", "_naive"), ("seasonal naive", "_seasonal"))
        )
