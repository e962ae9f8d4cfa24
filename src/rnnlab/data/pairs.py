"""LightningDataModule for sentence pairs: tokenized, split by unique source, padded as in the
lecture."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import torch
from torch.utils.data import Dataset

from rnnlab.data.base import TaskDataModule, split_sizes
from rnnlab.data.pair_sources import (
    chatterbot_pairs,
    file_pairs,
    hub_pairs,
    load_hub_split,
    number_word_pairs,
)
from rnnlab.data.words import WordVocab, decoder_tokens, encoder_tokens, tokenize
from rnnlab.errors import UserError, require_split_fractions
from rnnlab.schema import Count, Fraction, NonNegativeInt, Range

log = logging.getLogger(__name__)
Corpus = Literal["chatterbot", "number_words"]  # the corpora that ship offline


@dataclass
class EncodedPairs(Dataset):
    """Pairs padded to the split's fixed lengths; when `dynamic`, `__getitem__` trims a batch to
    its longest row."""

    source: torch.Tensor  # (n, encoder_length) ids: words <EOS> <PAD>...
    source_lengths: torch.Tensor  # (n,) tokens before padding, <EOS> included
    decoder_input: torch.Tensor  # (n, decoder_length): <START> words <EOS> <PAD>...
    target: torch.Tensor  # (n, decoder_length): words <EOS> <PAD>...
    dynamic: bool

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        index = torch.as_tensor(indices)
        batch = {
            "source": self.source[index],
            "source_lengths": self.source_lengths[index],
            "decoder_input": self.decoder_input[index],
            "target": self.target[index],
        }
        if self.dynamic:  # pad to the longest sentence of this batch, not of the corpus
            batch["source"] = batch["source"][:, : int(batch["source_lengths"].max())]
            longest = int((batch["target"] != 0).sum(1).max())
            for key in ("decoder_input", "target"):
                batch[key] = batch[key][:, :longest]
        return batch


class PairsDataModule(TaskDataModule):
    """Sentence pairs for seq2seq. Source: `path` (TSV/CSV), else `hub`, else the built-in
    `corpus` (`chatterbot`: dialog pairs shipped by chatterbot-corpus; `number_words`:
    '4 0 9 6' -> its words)."""

    task = "seq2seq"

    def __init__(
        self,
        corpus: Corpus = "chatterbot",
        language: str = "english",
        path: str | None = None,
        delimiter: str = "\t",
        source_column: NonNegativeInt = 0,
        target_column: NonNegativeInt = 1,
        skip_bad_lines: bool = False,
        quoting: Literal["csv", "none"] = "csv",
        hub: str | None = None,
        hub_config: str | None = None,
        hub_split: str = "train",
        source_field: str = "source",
        target_field: str = "target",
        count: Count = 20000,
        low: int = 0,
        high: int = 1_000_000,
        min_freq: Count = 1,
        shared_vocab: bool = False,
        padding: Literal["dynamic", "fixed"] = "dynamic",
        encoder_length: Count | None = None,
        decoder_length: Count | None = None,
        length_percentile: Annotated[float, Range(gt=0, le=100)] = 100.0,
        val_fraction: Fraction = 0.1,
        test_fraction: Fraction = 0.1,
        seed: int = 0,
        batch_size: Count = 64,
        num_workers: NonNegativeInt = 0,
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise UserError(
                f"data.delimiter={delimiter!r} must be one character, e.g. '\\t' or ','."
            )
        require_split_fractions(val_fraction, test_fraction)

    def load_pairs(self) -> list[tuple[str, str]]:
        hp = self.hparams
        if hp.path:
            return file_pairs(
                Path(hp.path).expanduser(),
                hp.source_column,
                hp.target_column,
                hp.delimiter,
                hp.skip_bad_lines,
                hp.quoting,
            )
        if hp.hub:
            return hub_pairs(hp.hub, hp.hub_config, hp.hub_split, hp.source_field, hp.target_field)
        if hp.corpus == "number_words":
            return number_word_pairs(hp.count, hp.low, hp.high, hp.seed)
        return chatterbot_pairs(hp.language)

    def prepare_data(self) -> None:
        """Download a hub dataset into the Hugging Face cache; the other sources are local."""
        hp = self.hparams
        if hp.hub and not hp.path:
            load_hub_split(hp.hub, hp.hub_config, hp.hub_split)

    def load_splits(self) -> dict[str, EncodedPairs]:
        hp = self.hparams
        raw = self.load_pairs()
        pairs = [(tokenize(s), tokenize(t)) for s, t in raw]
        pairs = [(s, t) for s, t in pairs if s and t]
        if len(pairs) < len(raw):
            log.info("Skipped %d pairs with no words on one side", len(raw) - len(pairs))
        grouped = self._split_by_source(pairs)
        if any(len(split) == 0 for split in grouped.values()):
            raise UserError(
                f"{len(pairs)} usable pairs are too few to split into train, val and test; "
                "give more pairs."
            )
        train = grouped["train"]
        self.source_vocab = WordVocab.build((s for s, _ in train), hp.min_freq)
        self.target_vocab = WordVocab.build((t for _, t in train), hp.min_freq)
        if hp.shared_vocab:
            self.source_vocab = self.target_vocab = WordVocab.build(
                (w for p in train for w in p), hp.min_freq
            )
        self.encoder_length = hp.encoder_length or self._percentile([len(s) + 1 for s, _ in train])
        self.decoder_length = hp.decoder_length or self._percentile([len(t) + 2 for _, t in train])
        return {name: self._encode(name, split) for name, split in grouped.items()}

    def _percentile(self, lengths: list[int]) -> int:
        return math.ceil(np.percentile(lengths, self.hparams.length_percentile))

    def _split_by_source(self, pairs: list[tuple[list[str], list[str]]]) -> dict[str, list]:
        """Seeded split of the unique source sentences, so a prompt never sits in two splits."""
        hp = self.hparams
        sources = sorted({" ".join(s) for s, _ in pairs})
        random.Random(hp.seed).shuffle(sources)
        _, n_val, n_test = split_sizes(len(sources), hp.val_fraction, hp.test_fraction)
        val, test = sources[:n_val], sources[n_val : n_val + n_test]
        owner = {s: "val" for s in val} | {s: "test" for s in test}
        grouped: dict[str, list] = {"train": [], "val": [], "test": []}
        for pair in pairs:
            grouped[owner.get(" ".join(pair[0]), "train")].append(pair)
        return grouped

    def _encode(self, name: str, pairs: list[tuple[list[str], list[str]]]) -> EncodedPairs:
        source_length, decoder_length = self.encoder_length, self.decoder_length
        cut = sum(len(s) + 1 > source_length or len(t) + 2 > decoder_length for s, t in pairs)
        if cut:
            log.info(
                "%s: %d of %d pairs truncated to %d source / %d decoder tokens",
                name,
                cut,
                len(pairs),
                source_length,
                decoder_length,
            )
        source = [self.source_vocab.encode(encoder_tokens(s, source_length)) for s, _ in pairs]
        decoder = [decoder_tokens(t, decoder_length) for _, t in pairs]
        return EncodedPairs(
            source=torch.tensor(source),
            source_lengths=torch.tensor([min(len(s) + 1, source_length) for s, _ in pairs]),
            decoder_input=torch.tensor([self.target_vocab.encode(d) for d, _ in decoder]),
            target=torch.tensor([self.target_vocab.encode(o) for _, o in decoder]),
            dynamic=self.hparams.padding == "dynamic",
        )

    def model_hparams(self) -> dict[str, list[str]]:
        """Both vocabularies."""
        self.require_setup()
        return {"source_vocab": self.source_vocab.words, "target_vocab": self.target_vocab.words}
