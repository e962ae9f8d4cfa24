"""LightningDataModule for the character-level Wikipedia corpus."""

from __future__ import annotations

from typing import Any

import numpy as np
from torch.utils.data import DataLoader

from rnnlab.core.errors import UserError, require_split_fractions
from rnnlab.core.schema import Count, Fraction, NonNegativeInt
from rnnlab.data.base import TextCorpusDataModule
from rnnlab.data.order import EpochBatches, process_rank
from rnnlab.data.text.corpus import corpus_splits
from rnnlab.data.text.vocab import CharVocab
from rnnlab.data.text.windows import ContiguousStreams, IndependentWindows


class WikiCharDataModule(TextCorpusDataModule):
    """Characters of Wikipedia (or any dump, text file or hub dataset), split by position 90/5/5.

    `stateful=False`: shuffled independent windows of `seq_len + 1` characters.
    `stateful=True`: `batch_size` contiguous streams in order, for carrying the hidden state.
    `source`: the text-source options of `TextCorpusDataModule` (data_dir, path, hub, max_chars...).
    """

    task = "char_lm"

    def __init__(
        self,
        seq_len: Count = 64,
        batch_size: Count = 32,
        stateful: bool = True,
        val_fraction: Fraction = 0.05,
        test_fraction: Fraction = 0.05,
        num_workers: NonNegativeInt = 0,
        pin_memory: bool = False,
        **source: Any,
    ):
        super().__init__(batch_size, num_workers, **source)
        require_split_fractions(val_fraction, test_fraction)

    def load_splits(self) -> dict[str, np.ndarray]:
        hp = self.hparams
        corpus, splits = corpus_splits(self.hparams)
        self.log_corpus(corpus)
        self.vocab: CharVocab = corpus.vocab
        need = hp.batch_size * (hp.seq_len + 1) + 1
        for name, split in splits.items():
            if len(split) < need:
                raise UserError(
                    f"The {name} split has {len(split)} characters, fewer than one batch needs "
                    f"({hp.batch_size} x {hp.seq_len + 1}); lower data.batch_size or "
                    "data.seq_len, or use more text."
                )
        return splits

    def model_hparams(self) -> dict[str, Any]:
        """The character vocabulary, and whether the model carries its hidden state from batch to
        batch: exactly when the batches are contiguous streams (`stateful`), not shuffled
        windows."""
        self.require_setup()
        return {"vocab": self.vocab.chars, "carry_hidden": self.hparams.stateful}

    def _loader(self, split: str) -> DataLoader:
        hp = self.hparams
        ids = self.splits[split]
        options = dict(batch_size=None, num_workers=hp.num_workers, pin_memory=hp.pin_memory)
        if hp.stateful:
            # Every process reads every batch index of its own streams, in order, so the hidden
            # state carries over from one batch to the next.
            streams = ContiguousStreams(ids, hp.batch_size, hp.seq_len, *process_rank())
            order = self.split_sampler(
                split, len(streams), items_per_batch=1, shard=False, shuffle=False
            )
            return DataLoader(streams, sampler=order, **options)
        windows = IndependentWindows(ids, hp.seq_len)
        order = self.split_sampler(split, len(windows))
        batches = EpochBatches(order, hp.batch_size, drop_last=split == "train")
        return DataLoader(windows, sampler=batches, **options)
