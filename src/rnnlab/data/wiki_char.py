"""LightningDataModule for the character-level Wikipedia corpus."""

from __future__ import annotations

import logging
from pathlib import Path

from torch.utils.data import DataLoader

from rnnlab.data.base import TaskDataModule
from rnnlab.data.corpus import PreparedCorpus, prepare_corpus
from rnnlab.data.order import EpochBatches, process_rank
from rnnlab.data.sources import text_source
from rnnlab.data.vocab import CharVocab
from rnnlab.data.windows import ContiguousStreams, IndependentWindows
from rnnlab.errors import UserError, require_positive, require_split_fractions

log = logging.getLogger(__name__)


class WikiCharDataModule(TaskDataModule):
    """Characters of Wikipedia (or any dump, text file or hub dataset), split by position 90/5/5.

    `stateful=False`: shuffled independent windows of `seq_len + 1` characters.
    `stateful=True`: `batch_size` contiguous streams in order, for carrying the hidden state.
    """

    task = "char_lm"

    def __init__(
        self,
        data_dir: str = "data",
        path: str | None = None,
        hub: str | None = None,
        hub_config: str | None = None,
        hub_split: str = "train",
        text_field: str = "text",
        max_chars: int | None = None,
        prep_workers: int | None = None,
        min_char_count: int = 10,
        seq_len: int = 64,
        batch_size: int = 32,
        stateful: bool = True,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        num_workers: int = 0,
        pin_memory: bool = False,
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        require_positive("data", seq_len=seq_len, batch_size=batch_size, min_char_count=min_char_count)
        if prep_workers is not None:
            require_positive("data", prep_workers=prep_workers)
        if max_chars is not None and (not isinstance(max_chars, int) or max_chars < 1):
            raise UserError(f"data.max_chars={max_chars!r} must be a positive whole number, or null for all text.")
        require_split_fractions(val_fraction, test_fraction)
        self.source = text_source(path, hub, hub_config, hub_split, text_field)
        self.corpus: PreparedCorpus | None = None

    def prepare_data(self) -> None:
        hp = self.hparams
        self.corpus = prepare_corpus(
            self.source, Path(hp.data_dir) / "wiki_char", hp.min_char_count, hp.max_chars, hp.prep_workers
        )
        meta = self.corpus.meta
        log.info("Corpus %s: %s characters, %d symbols", meta["source"], f"{meta['n_chars']:,}", len(meta["vocab"]))

    @property
    def vocab(self) -> CharVocab:
        if self.corpus is None:
            self.prepare_data()
        return self.corpus.vocab

    def model_inputs(self) -> dict[str, list[str]]:
        """What the model needs to know of the data: the character vocabulary."""
        return {"vocab": self.vocab.chars}

    def setup(self, stage: str | None = None) -> None:
        if self.corpus is None:
            self.prepare_data()
        ids = self.corpus.ids()
        hp = self.hparams
        n_val, n_test = int(len(ids) * hp.val_fraction), int(len(ids) * hp.test_fraction)
        n_train = len(ids) - n_val - n_test
        self.splits = {
            "train": ids[:n_train],
            "val": ids[n_train : n_train + n_val],
            "test": ids[n_train + n_val :],
        }
        need = hp.batch_size * (hp.seq_len + 1) + 1
        for name, split in self.splits.items():
            if len(split) < need:
                raise UserError(
                    f"The {name} split has {len(split)} characters, fewer than one batch needs "
                    f"({hp.batch_size} x {hp.seq_len + 1}); lower data.batch_size or data.seq_len, or use more text."
                )

    def _loader(self, split: str) -> DataLoader:
        hp = self.hparams
        ids = self.splits[split]
        options = dict(batch_size=None, num_workers=hp.num_workers, pin_memory=hp.pin_memory)
        if hp.stateful:  # every process reads every batch index of its own streams, in order: the state carries over
            streams = ContiguousStreams(ids, hp.batch_size, hp.seq_len, *process_rank())
            order = self.order(split, len(streams), items_per_batch=1, shard=False, shuffle=False)
            return DataLoader(streams, sampler=order, **options)
        windows = IndependentWindows(ids, hp.seq_len)
        order = self.order(split, len(windows))
        return DataLoader(windows, sampler=EpochBatches(order, hp.batch_size, drop_last=split == "train"), **options)
