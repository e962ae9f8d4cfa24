"""LightningDataModule for sentence pairs: tokenized, split by unique source, padded as in the
lecture."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path

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
from rnnlab.errors import UserError, require_positive, require_split_fractions

log = logging.getLogger(__name__)
CORPORA = ("chatterbot", "number_words")


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
        corpus: str = "chatterbot",
        language: str = "english",
        path: str | None = None,
        delimiter: str = "\t",
        source_column: int = 0,
        target_column: int = 1,
        skip_bad_lines: bool = False,
        hub: str | None = None,
        hub_config: str | None = None,
        hub_split: str = "train",
        source_field: str = "source",
        target_field: str = "target",
        count: int = 20000,
        low: int = 0,
        high: int = 1_000_000,
        min_freq: int = 1,
        shared_vocab: bool = False,
        padding: str = "dynamic",
        encoder_length: int | None = None,
        decoder_length: int | None = None,
        length_percentile: float = 100.0,
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        seed: int = 0,
        batch_size: int = 64,
        num_workers: int = 0,
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        if padding not in ("dynamic", "fixed"):
            raise UserError(
                f"data.padding={padding!r} must be 'dynamic' (pad per batch) "
                "or 'fixed' (pad every pair)."
            )
        if corpus not in CORPORA:
            raise UserError(
                f"data.corpus={corpus!r} is not built in; "
                f"choose one of {', '.join(CORPORA)}, or set data.path."
            )
        if not 0 < length_percentile <= 100:
            raise UserError(f"data.length_percentile={length_percentile} must lie in (0, 100].")
        require_split_fractions(val_fraction, test_fraction)
        require_positive("data", batch_size=batch_size, min_freq=min_freq)

    def load_pairs(self) -> list[tuple[str, str]]:
        hp = self.hparams
        if hp.path:
            return file_pairs(
                Path(hp.path).expanduser(),
                hp.source_column,
                hp.target_column,
                hp.delimiter,
                hp.skip_bad_lines,
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
        le, ld = self.encoder_length, self.decoder_length
        cut = sum(len(s) + 1 > le or len(t) + 2 > ld for s, t in pairs)
        if cut:
            log.info(
                "%s: %d of %d pairs truncated to %d source / %d decoder tokens",
                name,
                cut,
                len(pairs),
                le,
                ld,
            )
        source = [self.source_vocab.encode(encoder_tokens(s, le)) for s, _ in pairs]
        decoder = [decoder_tokens(t, ld) for _, t in pairs]
        return EncodedPairs(
            source=torch.tensor(source),
            source_lengths=torch.tensor([min(len(s) + 1, le) for s, _ in pairs]),
            decoder_input=torch.tensor([self.target_vocab.encode(d) for d, _ in decoder]),
            target=torch.tensor([self.target_vocab.encode(o) for _, o in decoder]),
            dynamic=self.hparams.padding == "dynamic",
        )

    def model_hparams(self) -> dict[str, list[str]]:
        """Both vocabularies."""
        self.require_setup()
        return {"source_vocab": self.source_vocab.words, "target_vocab": self.target_vocab.words}
