"""What every DataModule of the project shares: a task name, the model's inputs, and one loader per split."""

from __future__ import annotations

import lightning as L
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler


class TaskDataModule(L.LightningDataModule):
    """Subclasses set `task`, fill `self.splits` in `setup()` and say what the model needs in `model_inputs()`.

    Each split's dataset takes a whole batch of indices at once (one vectorised gather per batch);
    training batches are shuffled, val and test read in order.
    """

    task: str
    splits: dict[str, Dataset]

    def model_inputs(self) -> dict:
        raise NotImplementedError

    def _loader(self, split: str) -> DataLoader:
        data = self.splits[split]
        order = RandomSampler(data) if split == "train" else SequentialSampler(data)
        sampler = BatchSampler(order, self.hparams.batch_size, drop_last=False)
        return DataLoader(data, sampler=sampler, batch_size=None, num_workers=self.hparams.num_workers)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")
