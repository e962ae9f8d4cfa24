"""What every DataModule of the project shares: a task name, the model's inputs, and one loader per split."""

from __future__ import annotations

import lightning as L
from torch.utils.data import DataLoader, Dataset, Sampler

from rnnlab.data.order import EpochBatches, EpochOrder


class TaskDataModule(L.LightningDataModule):
    """Subclasses set `task`, fill `self.splits` in `setup()` and say what the model needs in `model_inputs()`.

    Each split's dataset takes a whole batch of indices at once (one vectorised gather per batch);
    training batches are shuffled, val and test read in order.
    """

    task: str
    splits: dict[str, Dataset]

    def model_inputs(self) -> dict:
        raise NotImplementedError

    def batches_done(self) -> int:
        """Batches of the current epoch that a restored checkpoint has already trained on (0 when fresh)."""
        trainer = self.trainer
        if trainer is None or not trainer.training:
            return 0
        return trainer.fit_loop.epoch_loop.batch_progress.current.ready

    def order(
        self, split: str, n_items: int, items_per_batch: int | None = None, shard: bool = True, shuffle: bool = True
    ) -> Sampler:
        """How a split is read: training shuffled per epoch (unless `shuffle=False`: items that must be read in
        sequence) and resumable mid-epoch, val and test in order; each process of a distributed run reads its
        own shard (`data.batch_size` is per process)."""
        per_batch = self.hparams.batch_size if items_per_batch is None else items_per_batch
        training = split == "train"
        done = self.batches_done if training else None
        return EpochOrder(n_items, training and shuffle, items_per_batch=per_batch, done_batches=done, shard=shard)

    def _loader(self, split: str) -> DataLoader:
        data = self.splits[split]
        sampler = EpochBatches(self.order(split, len(data)), self.hparams.batch_size, drop_last=False)
        return DataLoader(data, sampler=sampler, batch_size=None, num_workers=self.hparams.num_workers)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")
