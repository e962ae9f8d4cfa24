"""What every DataModule of the project shares: a task name, the model's inputs, and one loader per split."""

from __future__ import annotations

import lightning as L
from torch.utils.data import DataLoader


class TaskDataModule(L.LightningDataModule):
    """Subclasses set `task`, build `_loader(split)` and say what the model needs in `model_inputs()`."""

    task: str

    def model_inputs(self) -> dict:
        raise NotImplementedError

    def _loader(self, split: str) -> DataLoader:
        raise NotImplementedError

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")
