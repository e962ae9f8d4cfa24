"""The recurrent network shared by every variant: embedding -> torch's RNN/LSTM/GRU -> linear head."""

from __future__ import annotations

import torch
from torch import nn

from rnnlab.errors import UserError, require_positive

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def check_sizes(cell: str, embedding_dim: int, hidden_size: int, num_layers: int, dropout: float) -> None:
    """Raise a UserError naming the first bad size and the range it must lie in."""
    if cell not in CELLS:
        raise UserError(f"model.cell={cell!r} is not a known cell; choose one of {', '.join(CELLS)}.")
    require_positive("model", embedding_dim=embedding_dim, hidden_size=hidden_size, num_layers=num_layers)
    if not 0 <= dropout < 1:
        raise UserError(f"model.dropout={dropout!r} must lie in [0, 1).")


class RecurrentLM(nn.Module):
    """Next-token network as the lecture's SimpleLSTM, for any cell.

    `forward(x (batch, time) int64, hidden) -> (logits (batch, time, vocab), hidden)`.
    """

    def __init__(
        self,
        vocab_size: int,
        cell: str = "lstm",
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 2,
        dropout: float = 0.0,
    ):
        super().__init__()
        check_sizes(cell, embedding_dim, hidden_size, num_layers, dropout)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        # torch's own modules run the time loop in C++ (cuDNN on a GPU); nn.RNN is tanh, as in the lecture.
        self.rnn = CELLS[cell](
            embedding_dim, hidden_size, num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        out, hidden = self.rnn(self.embedding(x), hidden)
        return self.head(self.dropout(out)), hidden


def detach_hidden(hidden: Hidden | None) -> Hidden | None:
    """Cut the graph at a batch boundary (truncated BPTT) while keeping the state's values."""
    if hidden is None:
        return None
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)
    return hidden.detach()
