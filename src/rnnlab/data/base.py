"""What the DataModules share: the task contract, one sampler per split, and the
text-source options of the DataModules that read the prepared Wikipedia corpus."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
from torch.utils.data import DataLoader

from rnnlab.core.lightning_internals import batches_done_this_epoch
from rnnlab.core.schema import Count, NonNegativeInt
from rnnlab.data.order import EpochBatches, EpochOrder
from rnnlab.data.text.corpus import (
    PreparedCorpus,
    corpus_cache_dir,
    open_text_corpus,
    prepare_corpus,
    source_of,
)

log = logging.getLogger(__name__)


class TaskDataModule(L.LightningDataModule, ABC):
    """The contract between a task's data and its model and train entry.

    The lifecycle is Lightning's: `prepare_data()` writes files (downloads, cleaned and encoded
    caches) and sets nothing on `self`; `setup()` reads what was prepared into `self.splits` and
    whatever `model_hparams()` reports. The train entry calls both before building the model, and
    Lightning calls them again inside fit, validate and test: `setup` builds the splits once and
    returns at once after that.

    Each split's dataset takes a whole batch of indices at once (one vectorised gather per batch);
    training batches are shuffled, val and test read in order.
    """

    task: ClassVar[str]  # the task the data serves: "char_lm", "seq2seq", "cloze" or "forecast"

    def __init__(self, batch_size: Count, num_workers: NonNegativeInt) -> None:
        """`batch_size`: items per batch and process; `num_workers`: DataLoader worker
        processes. Every subclass declares both among its settings and passes them here."""
        super().__init__()
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.splits: dict[str, Any] = {}  # "train", "val", "test" -> an indexable dataset

    @abstractmethod
    def load_splits(self) -> dict[str, Any]:
        """Read the prepared data into one dataset per split, and set what `model_hparams()`
        reports. Called by the first `setup()`; the splits are kept only if it succeeds."""

    @abstractmethod
    def model_hparams(self) -> dict:
        """What the model is built with from the data (vocabularies, scaling): keyword arguments
        of the model's constructor. Call after `prepare_data()` and `setup()`."""

    def setup(self, stage: str | None = None) -> None:
        if not self.splits:
            self.splits = self.load_splits()

    def require_setup(self) -> None:
        """Raise a RuntimeError unless `setup()` has run: nothing here prepares data on demand."""
        if not self.splits:
            raise RuntimeError(
                f"{type(self).__name__} is not set up yet; call prepare_data() and setup() first."
            )

    def batches_done(self) -> int:
        """Batches of the current epoch that a restored checkpoint has already trained on
        (0 when fresh)."""
        trainer = self.trainer
        if trainer is None or not trainer.training:
            return 0
        return batches_done_this_epoch(trainer)

    def split_sampler(
        self,
        split: str,
        n_items: int,
        items_per_batch: int | None = None,
        shard: bool = True,
        shuffle: bool = True,
    ) -> EpochOrder:
        """The order a split's items are read in: training shuffled per epoch (unless
        `shuffle=False`, for items that must be read in sequence) and resumable mid-epoch, val and
        test in order. Each process of a distributed run reads its own shard (`data.batch_size` is
        per process); `shard=False` gives every process every item."""
        per_batch = self.batch_size if items_per_batch is None else items_per_batch
        training = split == "train"
        done = self.batches_done if training else None
        return EpochOrder(
            n_items, training and shuffle, items_per_batch=per_batch, done_batches=done, shard=shard
        )

    def _loader(self, split: str) -> DataLoader:
        data = self.splits[split]
        sampler = EpochBatches(
            self.split_sampler(split, len(data)), self.batch_size, drop_last=False
        )
        return DataLoader(data, sampler=sampler, batch_size=None, num_workers=self.num_workers)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")


class TextCorpusDataModule(TaskDataModule):
    """A DataModule over the prepared character corpus of a text source (a MediaWiki dump, a text
    file, a Hugging Face dataset, or by default the shipped Wikipedia excerpt).

    It owns the source options, shared by its subclasses' configs through
    conf/data/_text_source.yaml; subclasses pass them on as keyword arguments. Every subclass with
    the same options reads the same cache.

    Args:
        data_dir: where prepared corpora are cached (in its `corpora/` folder).
        path: a local MediaWiki dump (.xml, .xml.bz2) or a UTF-8 text file.
        hub, hub_config, hub_split, text_field: a Hugging Face dataset read by streaming.
        max_chars: keep only the first N characters of the source; None for all of it.
        prep_workers: processes cleaning a dump while preparing; None means every core.
        min_char_count: characters seen fewer times fold into the unknown symbol.
    """

    def __init__(
        self,
        batch_size: Count,
        num_workers: NonNegativeInt,
        data_dir: str = "data",
        path: str | None = None,
        hub: str | None = None,
        hub_config: str | None = None,
        hub_split: str = "train",
        text_field: str = "text",
        max_chars: Count | None = None,
        prep_workers: Count | None = None,
        min_char_count: Count = 10,
    ):
        super().__init__(batch_size, num_workers)
        # Lightning also collects the arguments of the subclass __init__ that called this one,
        # so hparams holds every data option.
        self.save_hyperparameters(logger=False)
        self.source = source_of(self.hparams)

    @property
    def cache_dir(self) -> Path:
        return corpus_cache_dir(self.hparams.data_dir)

    def prepare_data(self) -> None:
        """Clean and encode the source into the cache, unless it is there and intact."""
        hp = self.hparams
        prepare_corpus(
            self.source, self.cache_dir, hp.min_char_count, hp.max_chars, hp.prep_workers
        )

    def open_prepared(self) -> PreparedCorpus:
        """The corpus `prepare_data()` wrote, checked against its recorded checksums."""
        return self.log_corpus(open_text_corpus(self.hparams))

    def log_corpus(self, corpus: PreparedCorpus) -> PreparedCorpus:
        meta = corpus.meta
        log.info(
            "Corpus %s: %s characters, %d symbols",
            meta["source"],
            f"{meta['n_chars']:,}",
            len(meta["vocab"]),
        )
        return corpus
