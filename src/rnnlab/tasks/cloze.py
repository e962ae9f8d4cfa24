"""Filling in the blank: a (bidirectional) recurrent encoder over words predicts the hidden word."""

from __future__ import annotations

import re
from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy

from rnnlab.core.errors import UserError
from rnnlab.core.schema import Cell, Count, Dropout
from rnnlab.dashboards.loggers import write_text
from rnnlab.dashboards.tensorboard import markdown_table
from rnnlab.data.tokens import BLANK, CLOZE_SPECIALS, UNK
from rnnlab.data.words import tokenize
from rnnlab.nets.cloze import ClozeNet
from rnnlab.nets.eval_mode import evaluating
from rnnlab.tasks.task import TaskModule


def around_the_blank(text: str) -> tuple[str, str]:
    """The text before and after its one blank (`___`); a UserError unless it has exactly one."""
    parts = re.split(r"_{3,}", text)
    if len(parts) != 2:
        raise UserError(
            f"The text must hold exactly one blank written ___ (found {len(parts) - 1}), "
            "e.g. 'I am ___ hungry'."
        )
    return parts[0], parts[1]


class ClozeModel(TaskModule):
    """The fill-in-the-blank task. Logs {train,val,test}/loss and {val,test}/top1, top5 accuracy."""

    task = "cloze"
    throughput_unit = "words"
    progress_metric = "top1"
    evaluation_metrics = ("loss", "top1", "top5")

    def __init__(
        self,
        vocab: list[str],
        cell: Cell = "lstm",
        embedding_dim: Count = 128,
        hidden_size: Count = 256,
        num_layers: Count = 1,
        dropout: Dropout = 0.2,
        bidirectional: bool = True,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.net = ClozeNet(
            len(vocab), cell, embedding_dim, hidden_size, num_layers, dropout, bidirectional
        )
        classes = len(vocab)
        self.init_stage_metrics(
            {
                "loss": MeanMetric(),
                "top1": MulticlassAccuracy(classes, top_k=1, average="micro"),
                "top5": MulticlassAccuracy(classes, top_k=min(5, classes), average="micro"),
            }
        )
        self._examples: list[tuple[str, str, str]] = []

    def forward(self, tokens, lengths, blank):
        return self.net(tokens, lengths, blank)

    def count_items(self, batch) -> torch.Tensor:
        """Words read, the blank included."""
        return batch[1].sum()

    def projector_embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        return {"words": (self.net.embedding.weight, self.vocab)}

    def training_step(self, batch, batch_idx: int):
        tokens, lengths, blank, answer = batch
        loss = F.cross_entropy(self.net(tokens, lengths, blank), answer)
        self.log_training(loss)
        return loss

    def evaluate_batch(self, batch, batch_idx: int, stage: str, metrics) -> None:
        tokens, lengths, blank, answer = batch
        logits = self.net(tokens, lengths, blank)
        metrics["loss"].update(F.cross_entropy(logits, answer), weight=len(answer))
        metrics["top1"].update(logits, answer)
        metrics["top5"].update(logits, answer)
        if batch_idx == 0:
            self._examples = self._example_rows(tokens, lengths, logits, answer)

    def _example_rows(self, tokens, lengths, logits, answer, rows: int = 8):
        """(sentence with ___, answer, top-3 guesses) for the first sentences of a batch."""
        guesses = logits[:rows].topk(min(3, logits.size(-1)), dim=-1).indices.tolist()
        examples = []
        for row, guess in enumerate(guesses):
            words = [self.vocab[i] for i in tokens[row, : int(lengths[row])].tolist()]
            sentence = " ".join("___" if w == BLANK else w for w in words)
            top = ", ".join(self.vocab[i] for i in guess)
            examples.append((sentence, self.vocab[int(answer[row])], top))
        return examples

    def end_evaluation(self, stage: str, values: dict[str, float]) -> None:
        if self._examples:
            header = ("sentence", "answer", "top 3")
            write_text(self.trainer, f"{stage}/examples", markdown_table(header, self._examples))
        self._examples = []

    def fill(self, text: str, top: Count = 5) -> list[tuple[str, float]]:
        """The `top` likeliest words for the one blank (`___`) in `text`,
        with their probabilities."""
        before, after = (tokenize(part) for part in around_the_blank(text))
        unk = self.index[UNK]
        known = [self.index.get(w, unk) for w in before]
        ids = known + [self.index[BLANK]] + [self.index.get(w, unk) for w in after]
        with evaluating(self):
            logits = self.net(
                torch.tensor([ids], device=self.device),
                torch.tensor([len(ids)]),
                torch.tensor([len(before)], device=self.device),
            )
        logits[0, : len(CLOZE_SPECIALS)] = float("-inf")  # never propose a special token
        probs = torch.softmax(logits[0], -1)
        values, indices = probs.topk(min(top, len(self.vocab) - len(CLOZE_SPECIALS)))
        return [(self.vocab[i], p) for i, p in zip(indices.tolist(), values.tolist(), strict=True)]

    def demo_text(self, texts: list[str], top: Count = 3) -> str:
        """Top candidates for a few blanks."""
        lines = []
        for text in texts:
            candidates = ", ".join(f"{w} ({p:.0%})" for w, p in self.fill(text, top))
            lines.append(f"{text} -> {candidates}")
        return "\n".join(lines)
