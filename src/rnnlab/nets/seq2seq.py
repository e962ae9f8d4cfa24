"""The encoder-decoder network in plain torch: a recurrent encoder, attention (none, Bahdanau's
additive or Luong's multiplicative) and a recurrent decoder."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlab.nets.backbone import Hidden, RecurrentSpec

AttentionKind = Literal["none", "bahdanau", "luong"]  # additive, multiplicative


ATTENTION = typing.get_args(AttentionKind)


@dataclass
class DecoderState:
    """What the decoder carries between steps; every tensor has the batch on dim 0 except
    `hidden` (dim 1)."""

    hidden: Hidden
    memory: torch.Tensor  # encoder outputs (batch, source_time, keys)
    mask: torch.Tensor  # (batch, source_time), True on real tokens

    def select(self, index: torch.Tensor) -> DecoderState:
        """Keep / repeat / reorder batch rows (beam search)."""
        pick = lambda h: h.index_select(1, index)  # noqa: E731
        hidden = (
            tuple(map(pick, self.hidden)) if isinstance(self.hidden, tuple) else pick(self.hidden)
        )
        return DecoderState(
            hidden, self.memory.index_select(0, index), self.mask.index_select(0, index)
        )


class Attention(nn.Module):
    """Additive (Bahdanau: v^T tanh(W_q q + W_k k)) or multiplicative (Luong: q^T W k)
    attention; padding masked."""

    def __init__(self, kind: str, query_size: int, key_size: int):
        super().__init__()
        self.kind = kind
        if kind == "bahdanau":
            self.query_proj = nn.Linear(query_size, query_size, bias=False)
            self.key_proj = nn.Linear(key_size, query_size)
            self.score = nn.Linear(query_size, 1, bias=False)
        else:
            self.key_proj = nn.Linear(key_size, query_size, bias=False)

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query (batch, q), keys (batch, time, k), mask (batch, time) -> context (batch, k),
        weights (batch, time)."""
        if self.kind == "bahdanau":
            scores = self.score(
                torch.tanh(self.query_proj(query).unsqueeze(1) + self.key_proj(keys))
            ).squeeze(-1)
        else:
            scores = torch.bmm(self.key_proj(keys), query.unsqueeze(-1)).squeeze(-1)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return torch.bmm(weights.unsqueeze(1), keys).squeeze(1), weights


class Seq2SeqNet(nn.Module):
    """Encoder-decoder as in the lecture, with optional attention.

    `forward(source (batch, s), source_lengths (batch,), decoder_input (batch, t),
    teacher_forcing=1.0) -> (logits (batch, t, target_vocab), attention weights (batch, t, s)
    or None)`.
    """

    def __init__(
        self,
        source_vocab_size: int,
        target_vocab_size: int,
        cell: str = "gru",
        embedding_dim: int = 128,
        hidden_size: int = 256,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = True,
        attention: str = "bahdanau",
    ):
        super().__init__()
        encoder = RecurrentSpec(cell, hidden_size, num_layers, dropout, bidirectional)
        self.cell, self.attention_kind = cell, attention
        self.source_embedding = nn.Embedding(source_vocab_size, embedding_dim, padding_idx=0)
        self.encoder = encoder.build(embedding_dim)
        key_size = encoder.output_size
        # A bidirectional encoder's two final states per layer are joined into the decoder's one.
        self.bridge = nn.Linear(2 * hidden_size, hidden_size) if bidirectional else None
        self.target_embedding = nn.Embedding(target_vocab_size, embedding_dim, padding_idx=0)
        feeds_context = attention == "bahdanau"
        decoder = RecurrentSpec(cell, hidden_size, num_layers, dropout)
        self.decoder = decoder.build(embedding_dim + (key_size if feeds_context else 0))
        self.attention = (
            Attention(attention, hidden_size, key_size) if attention != "none" else None
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size + (key_size if self.attention else 0), target_vocab_size)

    def encode(self, source: torch.Tensor, source_lengths: torch.Tensor) -> DecoderState:
        """Read the source as a packed sequence, so padding never enters the final state."""
        packed = pack_padded_sequence(
            self.source_embedding(source),
            source_lengths.cpu(),
            batch_first=True,
            enforce_sorted=False,
        )
        outputs, hidden = self.encoder(packed)
        memory, _ = pad_packed_sequence(outputs, batch_first=True, total_length=source.size(1))
        if self.bridge is not None:

            def join(h):
                return torch.tanh(self.bridge(torch.cat([h[0::2], h[1::2]], dim=-1)))

            hidden = tuple(map(join, hidden)) if isinstance(hidden, tuple) else join(hidden)
        mask = (
            torch.arange(source.size(1), device=source.device)[None, :]
            < source_lengths.to(source.device)[:, None]
        )
        return DecoderState(hidden, memory, mask)

    def decode_step(
        self, token: torch.Tensor, state: DecoderState
    ) -> tuple[torch.Tensor, DecoderState, torch.Tensor | None]:
        """One decoder step: token (batch,) -> logits (batch, vocab), the new state,
        attention weights or None."""
        embedded = self.target_embedding(token)
        weights = context = None
        if self.attention_kind == "bahdanau":  # attend with the previous state, feed the context in
            top = state.hidden[0][-1] if isinstance(state.hidden, tuple) else state.hidden[-1]
            context, weights = self.attention(top, state.memory, state.mask)
            embedded = torch.cat([embedded, context], dim=-1)
        output, hidden = self.decoder(embedded.unsqueeze(1), state.hidden)
        output = output.squeeze(1)
        if self.attention_kind == "luong":  # attend with the new state
            context, weights = self.attention(output, state.memory, state.mask)
        features = output if context is None else torch.cat([output, context], dim=-1)
        return (
            self.head(self.dropout(features)),
            DecoderState(hidden, state.memory, state.mask),
            weights,
        )

    def forward(self, source, source_lengths, decoder_input, teacher_forcing: float = 1.0):
        state = self.encode(source, source_lengths)
        token = decoder_input[:, 0]
        all_logits, all_weights = [], []
        for t in range(decoder_input.size(1)):
            logits, state, weights = self.decode_step(token, state)
            all_logits.append(logits)
            all_weights.append(weights)
            if t + 1 < decoder_input.size(1):
                # Teacher forcing: feed the true previous word, or (with probability 1 - ratio)
                # the model's own guess.
                use_truth = teacher_forcing >= 1.0 or torch.rand(()) < teacher_forcing
                token = decoder_input[:, t + 1] if use_truth else logits.argmax(-1)
        weights = torch.stack(all_weights, dim=1) if self.attention is not None else None
        return torch.stack(all_logits, dim=1), weights
