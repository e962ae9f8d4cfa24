"""Sequence to sequence: the encoder-decoder network (a bidirectional encoder over packed sequences,
optional attention, a decoder) and the task (teacher-forced training, greedy and beam-search
decoding, SacreBLEU, chrF and exact match on detokenized text)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric
from torchmetrics.text import CHRFScore, SacreBLEUScore

from rnnlab.core.errors import UserError
from rnnlab.core.schema import Cell, Count, Dropout, NonNegativeInt, Probability
from rnnlab.dashboards.figures import attention_figure
from rnnlab.dashboards.loggers import write_text
from rnnlab.dashboards.tensorboard import markdown_table, tensorboard_writer
from rnnlab.data.pairs.tokenizer import PairTokenizer
from rnnlab.nets.decoding import beam_search, greedy_decode
from rnnlab.nets.eval_mode import evaluating
from rnnlab.nets.seq2seq import AttentionKind, Seq2SeqNet
from rnnlab.tasks.task import TaskModule

# What the bleu and chrf figures are, in sacrebleu's own notation: corpus scores on detokenized
# text (what chat.py prints against the reference as written), 0-100.
BLEU_SIGNATURE = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:none"
CHRF_SIGNATURE = "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no"


def sacrebleu() -> SacreBLEUScore:
    """Corpus BLEU as sacrebleu computes it with BLEU_SIGNATURE, in percent."""
    return SacreBLEUScore(tokenize="13a", lowercase=False, smooth=False) * 100


def chrf() -> CHRFScore:
    """Character n-gram F-score (chrF, no word n-grams) as sacrebleu's CHRF_SIGNATURE, in
    percent."""
    return CHRFScore(n_char_order=6, n_word_order=0, lowercase=False) * 100


class Seq2SeqModel(TaskModule):
    """Encoder-decoder over tokenized sentences. Logs {train,val,test}/loss, token_acc and
    {val,test}/exact_match, bleu (SacreBLEU), chrf: the last three on detokenized text.

    Validation decodes greedily; test and `reply` use beam search with `beam_size`.
    Both tokenizers are saved in the checkpoint (as JSON strings), so it alone is enough to chat.
    """

    task = "seq2seq"
    throughput_unit = "tokens"
    progress_metric = "exact_match"
    evaluation_metrics = ("loss", "token_acc", "exact_match", "bleu", "chrf")
    training_metrics = ("loss", "token_acc")

    def __init__(
        self,
        source_tokenizer: str,
        target_tokenizer: str,
        cell: Cell = "gru",
        embedding_dim: Count = 128,
        hidden_size: Count = 256,
        num_layers: Count = 1,
        dropout: Dropout = 0.1,
        bidirectional: bool = True,
        attention: AttentionKind = "bahdanau",
        teacher_forcing: Probability = 1.0,
        beam_size: Count = 5,
        length_penalty: float = 1.0,
        max_decode_length: Count = 30,
        num_text_samples: NonNegativeInt = 3,
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
    ):
        super().__init__()
        # The tokenizers' JSON is too long for the dashboards (train.py logs the run's settings).
        self.save_hyperparameters(logger=False)
        self.source_tokenizer = PairTokenizer.from_json(source_tokenizer)
        self.target_tokenizer = PairTokenizer.from_json(target_tokenizer)
        self.net = Seq2SeqNet(
            len(self.source_tokenizer),
            len(self.target_tokenizer),
            cell,
            embedding_dim,
            hidden_size,
            num_layers,
            dropout,
            bidirectional,
            attention,
        )
        self.init_stage_metrics(
            {
                "loss": MeanMetric(),
                "token_acc": MeanMetric(),
                "exact_match": MeanMetric(),
                "bleu": sacrebleu(),
                "chrf": chrf(),
            }
        )
        self._examples: list[tuple[str, str, str]] = []

    def forward(self, source, source_lengths, decoder_input, teacher_forcing: float = 1.0):
        return self.net(source, source_lengths, decoder_input, teacher_forcing)

    def _loss(self, batch, teacher_forcing: float = 1.0):
        inputs = (batch["source"], batch["source_lengths"], batch["decoder_input"])
        logits, weights = self.net(*inputs, teacher_forcing)
        target = batch["target"]
        flat_logits = logits.reshape(-1, logits.size(-1))
        loss = F.cross_entropy(flat_logits, target.reshape(-1), ignore_index=0)
        real = target != 0
        token_acc = ((logits.argmax(-1) == target) & real).sum() / real.sum()
        return loss, token_acc, weights

    def count_items(self, batch) -> torch.Tensor:
        """Target tokens, padding excluded (left on the device: no sync per step)."""
        return (batch["target"] != self.target_tokenizer.pad).sum()

    def projector_embeddings(self) -> dict[str, tuple[torch.Tensor, list[str]]]:
        return {
            "source_pieces": (self.net.source_embedding.weight, self.source_tokenizer.vocab),
            "target_pieces": (self.net.target_embedding.weight, self.target_tokenizer.vocab),
        }

    def training_step(self, batch, batch_idx: int):
        loss, token_acc, _ = self._loss(batch, self.hparams.teacher_forcing)
        self.log_training(loss, token_acc=token_acc)
        return loss

    def _decode(self, source, source_lengths, beam_size: int) -> list[list[int]]:
        """Piece ids of the reply to each source row: beam search, or greedy for beam_size 1."""
        vocab, hp = self.target_tokenizer, self.hparams
        args = (source, source_lengths, vocab.start, vocab.eos, hp.max_decode_length)
        if beam_size > 1:
            return beam_search(
                self.net, *args, beam_size=beam_size, length_penalty=hp.length_penalty
            )
        return greedy_decode(self.net, *args)[0].tolist()

    def evaluate_batch(self, batch, batch_idx: int, stage: str, metrics) -> None:
        loss, token_acc, _ = self._loss(batch)
        n_tokens = (batch["target"] != 0).sum()
        metrics["loss"].update(loss, weight=n_tokens)
        metrics["token_acc"].update(token_acc, weight=n_tokens)
        beam_size = self.hparams.beam_size if stage == "test" else 1
        ids = self._decode(batch["source"], batch["source_lengths"], beam_size)
        target = self.target_tokenizer
        # Scored as a person reads them: detokenized text against the reference's text.
        predictions = [target.decode(row) for row in ids]
        references = [target.decode(row) for row in batch["target"].tolist()]
        pairs = zip(predictions, references, strict=True)
        metrics["exact_match"].update(torch.tensor([p == r for p, r in pairs], dtype=torch.float))
        metrics["bleu"].update(predictions, [[r] for r in references])
        metrics["chrf"].update(predictions, [[r] for r in references])
        if batch_idx == 0:
            sources = [self.source_tokenizer.decode(row) for row in batch["source"].tolist()]
            rows = zip(sources, predictions, references, strict=True)
            self._examples = list(rows)[: self.hparams.num_text_samples]
            if stage == "val":
                self._log_attention(batch)

    def end_evaluation(self, stage: str, values: dict[str, float]) -> None:
        if self._examples:
            header = ("input", "reply", "reference")
            write_text(self.trainer, f"{stage}/examples", markdown_table(header, self._examples))

    def _log_attention(self, batch) -> None:
        """The first validation sentence's attention: rows are output pieces, columns input pieces
        (as the model saw them, e.g. BPE's '▁Bon', 'jour')."""
        writer = tensorboard_writer(self.trainer)
        if writer is None or self.net.attention is None or self.trainer.sanity_checking:
            return
        target = self.target_tokenizer
        source, lengths = batch["source"][:1], batch["source_lengths"][:1]
        args = (source, lengths, target.start, target.eos, self.hparams.max_decode_length)
        ids, weights = greedy_decode(self.net, *args)
        n_source = int(lengths[0])
        source_pieces = [self.source_tokenizer.vocab[i] for i in source[0, :n_source].tolist()]
        output_ids = ids[0].tolist()
        if target.eos in output_ids:  # up to and including <EOS>
            output_ids = output_ids[: output_ids.index(target.eos) + 1]
        output_pieces = [target.vocab[i] for i in output_ids]
        image = weights[0, : len(output_pieces), :n_source].float().cpu().numpy()
        figure = attention_figure(image, source_pieces, output_pieces)
        writer.add_figure("val/attention", figure, self.global_step)

    def reply(self, texts: list[str], beam_size: int | None = None) -> list[str]:
        """Answer (translate) each text, detokenized; pieces the model never saw are <UNK>."""
        tokenizer = self.source_tokenizer
        rows = [[*ids, tokenizer.eos] for ids in tokenizer.encode_all(texts)]
        empty = [text for text, row in zip(texts, rows, strict=True) if len(row) == 1]
        if empty:
            readable = "letters or digits" if tokenizer.kind == "word" else "characters"
            raise UserError(
                f"The input {empty[0]!r} has nothing to read (no {readable}); give a sentence."
            )
        lengths = torch.tensor([len(r) for r in rows], device=self.device)
        source = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long, device=self.device)
        for i, row in enumerate(rows):
            source[i, : len(row)] = torch.tensor(row)
        with evaluating(self):
            # A beam of one is the greedy reply.
            k = self.hparams.beam_size if beam_size is None else beam_size
            ids = beam_search(
                self.net,
                source,
                lengths,
                self.target_tokenizer.start,
                self.target_tokenizer.eos,
                self.hparams.max_decode_length,
                beam_size=k,
                length_penalty=self.hparams.length_penalty,
            )
        return [self.target_tokenizer.decode(row) for row in ids]

    def demo_text(self, texts: list[str]) -> str:
        """Replies to a few inputs."""
        replies = self.reply(texts)
        return "\n".join(f"{t} -> {r}" for t, r in zip(texts, replies, strict=True))
