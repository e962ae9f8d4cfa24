"""The forecasting network in plain torch: a recurrent reader of a window of a series and a
linear head that predicts the next value."""

from __future__ import annotations

import torch
from torch import nn

from rnnlab.nets.backbone import RecurrentSpec


class RecurrentRegressor(nn.Module):
    """`forward(x (batch, time, 1)) -> next value (batch,)`: torch's RNN over the window, a linear
    head on its last output."""

    def __init__(self, cell: str, hidden_size: int, num_layers: int, dropout: float):
        super().__init__()
        self.rnn = RecurrentSpec(cell, hidden_size, num_layers, dropout).build(input_size=1)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.rnn(x)
        return self.head(output[:, -1]).squeeze(-1)
