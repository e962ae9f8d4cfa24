"""The recurrent backbone every task builds on, and the small rules that go with it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from rnnlab.core.schema import Cell, Count, Dropout, check_node

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class RecurrentSpec:
    """The backbone's settings: which cell, how wide, how deep, dropout between layers, directions.

    Checked when made, so a bad setting stops the run with one sentence naming it.
    """

    cell: Cell = "lstm"
    hidden_size: Count = 256
    num_layers: Count = 1
    dropout: Dropout = 0.0
    bidirectional: bool = False

    def __post_init__(self) -> None:
        check_node("model", dataclasses.asdict(self), RecurrentSpec)

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
