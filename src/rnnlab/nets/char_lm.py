"""The character model's network, which needs torch alone: tools that only run it (inspect) build
it from a checkpoint without importing Lightning."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from rnnlab.core.schema import Cell, Count, Dropout
from rnnlab.nets.backbone import Hidden, RecurrentSpec


class RecurrentLM(nn.Module):
    """Next-token network as the lecture's SimpleLSTM, for any cell.

    `forward(x (batch, time) int64, hidden) -> (logits (batch, time, vocab), hidden)`.
    """

    def __init__(
        self,
        vocab_size: Count,
        cell: Cell = "lstm",
        embedding_dim: Count = 64,
        hidden_size: Count = 256,
        num_layers: Count = 2,
        dropout: Dropout = 0.0,
    ):
        super().__init__()
        spec = RecurrentSpec(cell, hidden_size, num_layers, dropout)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = spec.build(embedding_dim)  # nn.RNN is tanh, as in the lecture
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        out, hidden = self.rnn(self.embedding(x), hidden)
        return self.head(self.dropout(out)), hidden


def char_network(
    vocab: list[str],
    cell: Cell = "lstm",
    embedding_dim: Count = 64,
    hidden_size: Count = 256,
    num_layers: Count = 2,
    dropout: Dropout = 0.0,
    **training: Any,
) -> RecurrentLM:
    """The network of a character model, from the settings `CharLanguageModel` takes and its
    checkpoint saves; `training` (optimiser, schedule, state carrying) belongs to the task."""
    return RecurrentLM(len(vocab), cell, embedding_dim, hidden_size, num_layers, dropout)
