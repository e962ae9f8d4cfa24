"""The fill-in-the-blank network in plain torch: a bidirectional recurrent reader of the words
around a blank and a classifier over the vocabulary."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlab.nets.backbone import RecurrentSpec


class ClozeNet(nn.Module):
    """`forward(tokens (batch, time), lengths (batch,), blank (batch,)) -> logits (batch, vocab)`.

    Bidirectional: the forward state just before the blank and the backward state just after it,
    joined. Unidirectional: the forward state before the blank alone (left context only).
    """

    def __init__(
        self,
        vocab_size: int,
        cell: str,
        embedding_dim: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        bidirectional: bool,
    ):
        super().__init__()
        spec = RecurrentSpec(cell, hidden_size, num_layers, dropout, bidirectional)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.rnn = spec.build(embedding_dim)
        self.hidden_size, self.bidirectional = hidden_size, bidirectional
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(spec.output_size, vocab_size)

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor, blank: torch.Tensor
    ) -> torch.Tensor:
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, _ = pad_packed_sequence(
            self.rnn(packed)[0], batch_first=True, total_length=tokens.size(1)
        )
        zero = outputs.new_zeros(outputs.size(0), 1, outputs.size(2))
        rows = torch.arange(tokens.size(0), device=tokens.device)
        # A zero step on each side stands for "no words before / after the blank".
        forward_before = torch.cat([zero, outputs], 1)[rows, blank, : self.hidden_size]
        features = forward_before
        if self.bidirectional:
            backward_after = torch.cat([outputs, zero], 1)[rows, blank + 1, self.hidden_size :]
            features = torch.cat([forward_before, backward_after], dim=-1)
        return self.head(self.dropout(features))
