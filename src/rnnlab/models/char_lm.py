"""The character-level language model task: loss, bits per character, optimisers, sampling."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric

from rnnlab.data.vocab import CharVocab
from rnnlab.decoding import sample_continuation
from rnnlab.models.recurrent import RecurrentLM, detach_hidden
from rnnlab.models.task import TaskModule

TASK = "char_lm"


class CharLanguageModel(TaskModule):
    """Predicts the next character. Logs train/loss, train/bpc, {val,test}/{loss,bpc,ppl}.

    `vocab` comes from the DataModule and is saved in the checkpoint with every
    hyperparameter, so a checkpoint alone is enough to sample. `optimizer` and
    `scheduler` are plain Hydra configs (`_partial_: true`), kept as data so the
    checkpoint loads with `weights_only=True`.
    """

    def __init__(
        self,
        vocab: list[str],
        cell: str = "lstm",
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 2,
        dropout: float = 0.0,
        carry_hidden: bool = False,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
        task: str = TASK,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.vocab = CharVocab(vocab)
        self.net = RecurrentLM(len(vocab), cell, embedding_dim, hidden_size, num_layers, dropout)
        self.eval_loss = MeanMetric()
        self._hidden: dict[str, Any] = {}

    def forward(self, x: torch.Tensor, hidden=None):
        return self.net(x, hidden)

    def _loss(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        x, y = batch
        # Contiguous streams continue the previous batch, so the state carries over (detached: truncated BPTT).
        hidden = self._hidden.get(stage) if self.hparams.carry_hidden else None
        logits, hidden = self.net(x, hidden)
        if self.hparams.carry_hidden:
            self._hidden[stage] = detach_hidden(hidden)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch, "train")
        self.log_training(loss, bpc=loss / math.log(2))
        return loss

    item_unit = "chars"

    def batch_items(self, batch) -> int:
        return batch[0].numel()

    def embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        return {"characters": (self.net.embedding.weight, self.vocab.chars)}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # The state carried into the next batch, so a resumed run continues the streams where they were.
        if self._hidden.get("train") is not None:
            checkpoint["carried_hidden"] = self._hidden["train"]

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if "carried_hidden" in checkpoint:
            hidden = checkpoint["carried_hidden"]
            self._hidden["train"] = tuple(hidden) if isinstance(hidden, (tuple, list)) else hidden

    def on_train_start(self) -> None:
        super().on_train_start()
        hidden = self._hidden.get("train")
        if hidden is not None:  # restored from a checkpoint on the CPU
            self._hidden["train"] = (
                tuple(h.to(self.device) for h in hidden) if isinstance(hidden, tuple) else hidden.to(self.device)
            )

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        super().on_train_batch_start(batch, batch_idx)
        if batch_idx == 0:  # a new epoch reads the streams from their beginnings
            self._hidden.pop("train", None)

    def _eval_step(self, batch, batch_idx: int, stage: str) -> None:
        loss = self._loss(batch, stage)
        self.eval_loss.update(loss, weight=batch[1].numel())

    def _eval_epoch_end(self, stage: str) -> None:
        loss = self.eval_loss.compute()
        self.eval_loss.reset()
        self._hidden.pop(stage, None)
        self.log(f"{stage}/loss", loss, sync_dist=True)
        self.log(f"{stage}/bpc", loss / math.log(2), prog_bar=stage == "val", sync_dist=True)
        self.log(f"{stage}/ppl", torch.exp(loss), sync_dist=True)

    def on_validation_epoch_start(self) -> None:
        self._hidden.pop("val", None)

    def on_test_epoch_start(self) -> None:
        self._hidden.pop("test", None)

    def sample(self, prompt: str, length: int = 400, temperature: float = 0.8, top_k: int = 0, **kwargs) -> list[str]:
        """Continue `prompt` to `length` characters; see `rnnlab.decoding.sample_continuation`."""
        return sample_continuation(self.net, self.vocab, prompt, length, temperature, top_k, **kwargs)

    def showcase(self, prompt: str, length: int = 400, temperature: float = 0.8, top_k: int = 0) -> str:
        """One sampled paragraph, for the end-of-run summary."""
        return self.sample(prompt, length, temperature, top_k)[0]
