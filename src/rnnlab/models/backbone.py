"""The recurrent backbone every task builds on, and the small rules that go with it."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnlab.errors import UserError, require_positive

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class RecurrentSpec:
    """The backbone's settings: which cell, how wide, how deep, dropout between layers, directions.

    Checked when made, so a bad setting stops the run with one sentence naming it.
    """

    cell: str = "lstm"
    hidden_size: int = 256
    num_layers: int = 1
    dropout: float = 0.0
    bidirectional: bool = False

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            known = ", ".join(CELLS)
            raise UserError(f"model.cell={self.cell!r} is not a known cell; choose one of {known}.")
        require_positive("model", hidden_size=self.hidden_size, num_layers=self.num_layers)
        if not 0 <= self.dropout < 1:
            raise UserError(f"model.dropout={self.dropout!r} must lie in [0, 1).")

    @property
    def output_size(self) -> int:
        """Features per time step of the output: both directions side by side when bidirectional."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    def build(self, input_size: int) -> nn.RNNBase:
        """torch's own RNN/LSTM/GRU (its time loop in C++, cuDNN on a GPU), batch first.

        torch applies `dropout` between stacked layers only, and warns when there is one layer.
        """
        return CELLS[self.cell](
            input_size,
            self.hidden_size,
            self.num_layers,
            batch_first=True,
            dropout=self.dropout if self.num_layers > 1 else 0.0,
            bidirectional=self.bidirectional,
        )


def detach_hidden(hidden: Hidden | None) -> Hidden | None:
    """Cut the graph at a batch boundary (truncated BPTT) while keeping the state's values."""
    if hidden is None:
        return None
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)
    return hidden.detach()
