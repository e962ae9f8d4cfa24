"""The character-level language model: its network, and the task
(loss, bits per character, sampling)."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric

from rnnlab.core.schema import (
    Cell,
    Count,
    Dropout,
    NonNegative,
    NonNegativeInt,
    SampleLength,
    Seed,
)
from rnnlab.data.text.vocab import CharVocab
from rnnlab.nets.backbone import detach_hidden
from rnnlab.nets.char_lm import char_network
from rnnlab.nets.decoding import sample_continuation
from rnnlab.tasks.task import MeanBits, MeanPerplexity, TaskModule


class CharLanguageModel(TaskModule):
    """Predicts the next character. Logs train/loss, train/bpc, {val,test}/{loss,bpc,ppl}.

    `vocab` comes from the DataModule and is saved in the checkpoint with every hyperparameter,
    so a checkpoint alone is enough to sample. `optimizer` and `scheduler` are plain Hydra configs
    (`_partial_: true`), kept as data so the checkpoint loads with `weights_only=True`.
    """

    task = "char_lm"
    throughput_unit = "chars"
    progress_metric = "bpc"
    evaluation_metrics = ("loss", "bpc", "ppl")
    training_metrics = ("loss", "bpc")

    def __init__(
        self,
        vocab: list[str],
        cell: Cell = "lstm",
        embedding_dim: Count = 64,
        hidden_size: Count = 256,
        num_layers: Count = 2,
        dropout: Dropout = 0.0,
        carry_hidden: bool = False,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.vocab = CharVocab(vocab)
        self.net = char_network(vocab, cell, embedding_dim, hidden_size, num_layers, dropout)
        self.init_stage_metrics({"loss": MeanMetric(), "bpc": MeanBits(), "ppl": MeanPerplexity()})
        # The state each stage carries into its next batch (contiguous streams only).
        self._hidden: dict[str, Any] = {}

    def forward(self, x: torch.Tensor, hidden=None):
        return self.net(x, hidden)

    def _loss(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        x, y = batch
        # Contiguous streams continue the previous batch, so the state carries over
        # (detached: truncated BPTT).
        hidden = self._hidden.get(stage) if self.hparams.carry_hidden else None
        logits, hidden = self.net(x, hidden)
        if self.hparams.carry_hidden:
            self._hidden[stage] = detach_hidden(hidden)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch, "train")
        self.log_training(loss, bpc=loss / math.log(2))
        return loss

    def evaluate_batch(self, batch, batch_idx: int, stage: str, metrics) -> None:
        loss = self._loss(batch, stage)
        for name in ("loss", "bpc", "ppl"):
            metrics[name].update(loss, weight=batch[1].numel())

    def count_items(self, batch) -> int:
        return batch[0].numel()

    def projector_embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        return {"characters": (self.net.embedding.weight, self.vocab.chars)}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        super().on_save_checkpoint(checkpoint)
        # The state carried into the next batch, so a resumed run continues the streams.
        if self._hidden.get("train") is not None:
            checkpoint["carried_hidden"] = self._hidden["train"]

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        super().on_load_checkpoint(checkpoint)
        if "carried_hidden" in checkpoint:
            hidden = checkpoint["carried_hidden"]
            is_pair = isinstance(hidden, (tuple, list))
            self._hidden["train"] = tuple(hidden) if is_pair else hidden

    def on_train_start(self) -> None:
        super().on_train_start()
        hidden = self._hidden.get("train")
        if hidden is not None:  # restored from a checkpoint on the CPU
            if isinstance(hidden, tuple):
                self._hidden["train"] = tuple(h.to(self.device) for h in hidden)
            else:
                self._hidden["train"] = hidden.to(self.device)

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        super().on_train_batch_start(batch, batch_idx)
        if batch_idx == 0:  # a new epoch reads the streams from their beginnings
            self._hidden.pop("train", None)

    def on_validation_epoch_start(self) -> None:
        self._hidden.pop("val", None)

    def on_test_epoch_start(self) -> None:
        self._hidden.pop("test", None)

    def end_evaluation(self, stage: str, values: dict[str, float]) -> None:
        self._hidden.pop(stage, None)

    def sample(
        self,
        prompt: str,
        length: SampleLength = 400,
        temperature: NonNegative = 0.8,
        top_k: NonNegativeInt = 0,
        **kwargs,
    ) -> list[str]:
        """Continue `prompt` to `length` characters (`rnnlab.nets.decoding.sample_continuation`)."""
        return sample_continuation(
            self.net, self.vocab, prompt, length, temperature, top_k, **kwargs
        )

    def demo_text(
        self,
        prompt: str,
        length: SampleLength = 400,
        temperature: NonNegative = 0.8,
        top_k: NonNegativeInt = 0,
        seed: Seed | None = 0,
    ) -> str:
        """One sampled paragraph; the same for the same weights and seed (null: a fresh one),
        as `scripts/generate.py ... seed=<seed>` gives it."""
        return self.sample(prompt, length, temperature, top_k, seed=seed)[0]
