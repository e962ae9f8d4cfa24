"""LightningDataModule for sentence pairs: split by unique source, tokenized by a tokenizer
learned on the training split (data.tokenizer), padded as in the lecture."""

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

from rnnlab.core.errors import UserError, require_split_fractions
from rnnlab.core.schema import Count, Fraction, NonNegativeInt, Range
from rnnlab.data.base import TaskDataModule
from rnnlab.data.pairs.sources import (
    chatterbot_pairs,
    file_pairs,
    hub_pairs,
    load_hub_split,
    number_word_pairs,
)
from rnnlab.data.pairs.tokenizer import TOKENIZERS, Kind, PairTokenizer, clean, train_tokenizer
from rnnlab.data.splits import split_sizes
from rnnlab.data.tokens import SEQ2SEQ_SPECIALS
from rnnlab.data.words import decoder_tokens, encoder_tokens

log = logging.getLogger(__name__)
Corpus = Literal["chatterbot", "number_words"]  # the corpora that ship offline
# A BPE vocabulary holds at least the special tokens and one character.
VocabSize = Annotated[int, Range(ge=len(SEQ2SEQ_SPECIALS) + 1)]
IdPairs = list[tuple[list[int], list[int]]]


@dataclass
class EncodedPairs(Dataset):
    """Pairs padded to the split's fixed lengths; when `dynamic`, `__getitem__` trims a batch to
    its longest row."""

    source: torch.Tensor  # (n, encoder_length) ids: pieces <EOS> <PAD>...
    source_lengths: torch.Tensor  # (n,) tokens before padding, <EOS> included
    decoder_input: torch.Tensor  # (n, decoder_length): <START> pieces <EOS> <PAD>...
    target: torch.Tensor  # (n, decoder_length): pieces <EOS> <PAD>...
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
    numbers written as `number_source` -> as `number_target`, e.g. '4 0 9 6' -> its English
    words). `tokenizer`: `bpe` subwords, `char` or the lecture's lowercase `word`s."""

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
        number_source: str = "digits",
        number_target: str = "en",
        tokenizer: Kind = "bpe",
        vocab_size: VocabSize | None = None,
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
        super().__init__(batch_size, num_workers)
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
            return number_word_pairs(
                hp.count, hp.low, hp.high, hp.seed, hp.number_source, hp.number_target
            )
        return chatterbot_pairs(hp.language)

    def prepare_data(self) -> None:
        """Download a hub dataset into the Hugging Face cache; the other sources are local."""
        hp = self.hparams
        if hp.hub and not hp.path:
            load_hub_split(hp.hub, hp.hub_config, hp.hub_split)

    def load_splits(self) -> dict[str, EncodedPairs]:
        hp = self.hparams
        raw = [(clean(source), clean(target)) for source, target in self.load_pairs()]
        grouped = self._split_by_source(raw)
        self.source_tokenizer, self.target_tokenizer = self._train_tokenizers(grouped["train"])
        encoded = {name: self._tokenize(pairs) for name, pairs in grouped.items()}
        dropped = len(raw) - sum(len(pairs) for pairs in encoded.values())
        if dropped:
            log.info("Skipped %d pairs with nothing to read on one side", dropped)
        if any(len(pairs) == 0 for pairs in encoded.values()):
            raise UserError(
                f"{len(raw) - dropped} usable pairs are too few to split into train, val and "
                "test; give more pairs."
            )
        train = encoded["train"]
        self.encoder_length = hp.encoder_length or self._percentile([len(s) + 1 for s, _ in train])
        self.decoder_length = hp.decoder_length or self._percentile([len(t) + 2 for _, t in train])
        return {name: self._encode(name, pairs) for name, pairs in encoded.items()}

    def _train_tokenizers(self, train: list[tuple[str, str]]) -> tuple[PairTokenizer, ...]:
        """The source and target tokenizers, learned from the training split only (one for
        both sides with `shared_vocab`)."""
        hp = self.hparams
        sources, targets = [s for s, _ in train], [t for _, t in train]
        if hp.shared_vocab:
            both = train_tokenizer(
                hp.tokenizer, sources + targets, hp.vocab_size, hp.min_freq, "source and target"
            )
            return both, both
        return tuple(
            train_tokenizer(hp.tokenizer, texts, hp.vocab_size, hp.min_freq, side)
            for texts, side in ((sources, "source"), (targets, "target"))
        )

    def _tokenize(self, pairs: list[tuple[str, str]]) -> IdPairs:
        """The pairs as ids; a pair with no piece on one side (a word tokenizer's '?') is
        dropped."""
        sources = self.source_tokenizer.encode_all([s for s, _ in pairs])
        targets = self.target_tokenizer.encode_all([t for _, t in pairs])
        return [(s, t) for s, t in zip(sources, targets, strict=True) if s and t]

    def _percentile(self, lengths: list[int]) -> int:
        return math.ceil(np.percentile(lengths, self.hparams.length_percentile))

    def _split_by_source(self, pairs: list[tuple[str, str]]) -> dict[str, list]:
        """Seeded split of the unique source sentences, so a prompt never sits in two splits:
        unique as the tokenizer reads it (the word tokenizer does not tell 'Hi!' from 'hi')."""
        hp = self.hparams
        spelling = TOKENIZERS[hp.tokenizer].spelling
        keys = [spelling(source) for source, _ in pairs]
        sources = sorted(set(keys))
        random.Random(hp.seed).shuffle(sources)
        _, n_val, n_test = split_sizes(len(sources), hp.val_fraction, hp.test_fraction)
        val, test = sources[:n_val], sources[n_val : n_val + n_test]
        owner = {s: "val" for s in val} | {s: "test" for s in test}
        grouped: dict[str, list] = {"train": [], "val": [], "test": []}
        for key, pair in zip(keys, pairs, strict=True):
            grouped[owner.get(key, "train")].append(pair)
        return grouped

    def _encode(self, name: str, pairs: IdPairs) -> EncodedPairs:
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
        source_marks = {"eos": self.source_tokenizer.eos, "pad": self.source_tokenizer.pad}
        target = self.target_tokenizer
        target_marks = {"start": target.start, "eos": target.eos, "pad": target.pad}
        source = [encoder_tokens(s, source_length, **source_marks) for s, _ in pairs]
        decoder = [decoder_tokens(t, decoder_length, **target_marks) for _, t in pairs]
        return EncodedPairs(
            source=torch.tensor(source),
            source_lengths=torch.tensor([min(len(s) + 1, source_length) for s, _ in pairs]),
            decoder_input=torch.tensor([d for d, _ in decoder]),
            target=torch.tensor([o for _, o in decoder]),
            dynamic=self.hparams.padding == "dynamic",
        )

    def model_hparams(self) -> dict[str, str]:
        """Both tokenizers, as the JSON the checkpoint keeps."""
        self.require_setup()
        return {
            "source_tokenizer": self.source_tokenizer.to_json(),
            "target_tokenizer": self.target_tokenizer.to_json(),
        }
