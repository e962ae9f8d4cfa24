"""The seq2seq task: teacher-forced training, greedy and beam-search decoding, BLEU and exact match."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric
from torchmetrics.text import BLEUScore

from rnnlab.dashboard import markdown_table, tensorboard_writer, write_text
from rnnlab.data.words import WordVocab, encoder_tokens, tokenize
from rnnlab.decoding import beam_search, greedy_decode
from rnnlab.errors import UserError, require_positive
from rnnlab.models.seq2seq import Seq2SeqNet
from rnnlab.models.task import TaskModule
from rnnlab.plots import attention_figure

TASK = "seq2seq"


class Seq2SeqModel(TaskModule):
    """Encoder-decoder over word sentences. Logs {train,val,test}/loss, token_acc; {val,test}/exact_match, bleu.

    Validation decodes greedily; test and `reply` use beam search with `beam_size`.
    Both vocabularies are saved in the checkpoint, so it alone is enough to chat.
    """

    def __init__(
        self,
        source_vocab: list[str],
        target_vocab: list[str],
        cell: str = "gru",
        embedding_dim: int = 128,
        hidden_size: int = 256,
        num_layers: int = 1,
        dropout: float = 0.1,
        bidirectional: bool = True,
        attention: str = "bahdanau",
        teacher_forcing: float = 1.0,
        beam_size: int = 5,
        length_penalty: float = 1.0,
        max_decode_length: int = 30,
        num_text_samples: int = 3,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
        task: str = TASK,
    ):
        super().__init__()
        self.save_hyperparameters()
        if not 0 <= teacher_forcing <= 1:
            raise UserError(f"model.teacher_forcing={teacher_forcing} must lie in [0, 1].")
        require_positive("model", beam_size=beam_size)
        self.source_vocab, self.target_vocab = WordVocab(source_vocab), WordVocab(target_vocab)
        self.net = Seq2SeqNet(
            len(source_vocab),
            len(target_vocab),
            cell,
            embedding_dim,
            hidden_size,
            num_layers,
            dropout,
            bidirectional,
            attention,
        )
        self.metrics = torch.nn.ModuleDict(
            {
                stage: torch.nn.ModuleDict(
                    {"loss": MeanMetric(), "token_acc": MeanMetric(), "exact_match": MeanMetric(), "bleu": BLEUScore()}
                )
                for stage in ("val", "test")
            }
        )
        self._examples: list[tuple[str, str, str]] = []

    def forward(self, source, source_lengths, decoder_input, teacher_forcing: float = 1.0):
        return self.net(source, source_lengths, decoder_input, teacher_forcing)

    def _loss(self, batch, teacher_forcing: float = 1.0):
        logits, weights = self.net(batch["source"], batch["source_lengths"], batch["decoder_input"], teacher_forcing)
        target = batch["target"]
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=0)
        real = target != 0
        token_acc = ((logits.argmax(-1) == target) & real).sum() / real.sum()
        return loss, token_acc, weights

    item_unit = "tokens"

    def batch_items(self, batch) -> int:
        """Target tokens, padding excluded."""
        return (batch["target"] != self.target_vocab.pad).sum()  # stays on the device: no sync per step

    def embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        return {
            "source_words": (self.net.source_embedding.weight, self.source_vocab.words),
            "target_words": (self.net.target_embedding.weight, self.target_vocab.words),
        }

    def training_step(self, batch, batch_idx: int):
        loss, token_acc, _ = self._loss(batch, self.hparams.teacher_forcing)
        self.log_training(loss, token_acc=token_acc)
        return loss

    def _decode(self, batch, beam: bool) -> list[list[str]]:
        args = (
            batch["source"],
            batch["source_lengths"],
            self.target_vocab.start,
            self.target_vocab.eos,
            self.hparams.max_decode_length,
        )
        if beam and self.hparams.beam_size > 1:
            ids = beam_search(
                self.net, *args, beam_size=self.hparams.beam_size, length_penalty=self.hparams.length_penalty
            )
        else:
            ids = greedy_decode(self.net, *args)[0].tolist()
        return [self.target_vocab.decode(row) for row in ids]

    def _eval_step(self, batch, batch_idx: int, stage: str) -> None:
        loss, token_acc, _ = self._loss(batch)
        metrics = self.metrics[stage]
        n_tokens = (batch["target"] != 0).sum()
        metrics["loss"].update(loss, weight=n_tokens)
        metrics["token_acc"].update(token_acc, weight=n_tokens)
        predictions = self._decode(batch, beam=stage == "test")
        references = [self.target_vocab.decode(row) for row in batch["target"].tolist()]
        metrics["exact_match"].update(
            torch.tensor([p == r for p, r in zip(predictions, references, strict=True)], dtype=torch.float)
        )
        metrics["bleu"].update([" ".join(p) for p in predictions], [[" ".join(r)] for r in references])
        if batch_idx == 0:
            sources = [self.source_vocab.decode(row) for row in batch["source"].tolist()]
            self._examples = [
                (" ".join(s), " ".join(p), " ".join(r))
                for s, p, r in zip(sources, predictions, references, strict=True)
            ][: self.hparams.num_text_samples]
            if stage == "val":
                self._log_attention(batch)

    def _eval_epoch_end(self, stage: str) -> None:
        for name, metric in self.metrics[stage].items():
            self.log(f"{stage}/{name}", metric.compute(), prog_bar=name == "exact_match", sync_dist=True)
            metric.reset()
        if self._examples:
            write_text(
                self._trainer, f"{stage}/examples", markdown_table(("input", "reply", "reference"), self._examples)
            )

    def _log_attention(self, batch) -> None:
        """The first validation sentence's attention weights: rows are output words, columns input words."""
        writer = tensorboard_writer(self._trainer)
        if writer is None or self.net.attention is None or self.trainer.sanity_checking:
            return
        one = {k: v[:1] for k, v in batch.items()}
        ids, weights = greedy_decode(
            self.net,
            one["source"],
            one["source_lengths"],
            self.target_vocab.start,
            self.target_vocab.eos,
            self.hparams.max_decode_length,
        )
        n_source = int(one["source_lengths"][0])
        source_words = [self.source_vocab.words[i] for i in one["source"][0, :n_source].tolist()]
        output_words = [self.target_vocab.words[i] for i in ids[0].tolist()]
        if self.target_vocab.eos in ids[0].tolist():  # up to and including <EOS>
            output_words = output_words[: ids[0].tolist().index(self.target_vocab.eos) + 1]
        image = weights[0, : len(output_words), :n_source].float().cpu().numpy()
        writer.add_figure("val/attention", attention_figure(image, source_words, output_words), self.global_step)

    @torch.no_grad()
    def reply(self, texts: list[str], beam_size: int | None = None) -> list[str]:
        """Answer (translate) each text; words the model never saw become <UNK>."""
        tokens = [tokenize(t) for t in texts]
        if any(not t for t in tokens):
            raise UserError("An input has no words (letters or digits); give a sentence.")
        rows = [self.source_vocab.encode(encoder_tokens(t)) for t in tokens]
        lengths = torch.tensor([len(r) for r in rows], device=self.device)
        source = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long, device=self.device)
        for i, row in enumerate(rows):
            source[i, : len(row)] = torch.tensor(row)
        was_training = self.training
        self.eval()
        k = self.hparams.beam_size if beam_size is None else beam_size
        ids = beam_search(
            self.net,
            source,
            lengths,
            self.target_vocab.start,
            self.target_vocab.eos,
            self.hparams.max_decode_length,
            beam_size=k,
            length_penalty=self.hparams.length_penalty,
        )
        self.train(was_training)
        return [" ".join(self.target_vocab.decode(row)) for row in ids]

    def showcase(self, texts: list[str]) -> str:
        """Replies to a few inputs, for the end-of-run summary."""
        return "\n".join(f"{t} -> {r}" for t, r in zip(texts, self.reply(texts), strict=True))
