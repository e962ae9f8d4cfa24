"""LightningDataModule for one-step forecasting of a univariate series (many-to-one)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from rnnlab.core.errors import UserError, require_split_fractions
from rnnlab.core.schema import Count, Fraction, NonNegativeInt
from rnnlab.data.base import TaskDataModule
from rnnlab.data.files import open_text, require_file
from rnnlab.data.splits import split_sizes


def sunspots() -> np.ndarray:
    """Yearly sunspot numbers 1700-2008 (309 values), shipped by statsmodels."""
    # 0.35 s on top of torch (measured): paid only by the sunspots series.
    from statsmodels.datasets import sunspots as dataset

    return dataset.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=np.float32)


def csv_column(path: Path, column: str) -> np.ndarray:
    """One numeric column of a CSV file with a header row (compressed or not, with or without a
    byte-order mark, any line ends)."""
    require_file(path, "The series file", "set data.path to a CSV file")
    with open_text(path, newline="") as stream:
        reader = csv.DictReader(stream)
        if not reader.fieldnames:
            raise UserError(f"The series file {path} is empty; give a CSV file with a header row.")
        if column not in reader.fieldnames:
            raise UserError(
                f"{path} has no column {column!r} (it has {reader.fieldnames}); set data.column."
            )
        values = []
        for line_no, row in enumerate(reader, 2):
            try:
                values.append(float(row[column]))
            except (TypeError, ValueError):
                raise UserError(
                    f"{path}, line {line_no}: {row[column]!r} in column {column!r} is not a number."
                ) from None
    return np.asarray(values, dtype=np.float32)


class SeriesDataModule(TaskDataModule):
    """Windows of `window` values predict the next one. The split is chronological by the
    predicted value's time; scaling is fitted on the training part only. Each batch also carries
    the naive (last value) and seasonal-naive (value one `season` back) forecasts, in the series'
    own units.

    Batches: (inputs (batch, window, 1) scaled, target (batch,) scaled, naive (batch,),
    seasonal (batch,)).
    """

    task = "forecast"

    def __init__(
        self,
        path: str | None = None,
        column: str = "value",
        window: Count = 22,
        season: Count = 11,
        val_fraction: Fraction = 0.15,
        test_fraction: Fraction = 0.15,
        batch_size: Count = 32,
        num_workers: NonNegativeInt = 0,
    ):
        super().__init__(batch_size, num_workers)
        self.save_hyperparameters(logger=False)
        require_split_fractions(val_fraction, test_fraction)
        if season > window:
            raise UserError(
                f"data.season={season} must not exceed data.window={window}: "
                "the baseline looks one season back."
            )

    def load_splits(self) -> dict[str, TensorDataset]:
        hp = self.hparams
        values = csv_column(Path(hp.path).expanduser(), hp.column) if hp.path else sunspots()
        n = len(values)
        n_train, n_val, _ = split_sizes(n, hp.val_fraction, hp.test_fraction)
        val_start, test_start = n_train, n_train + n_val
        if val_start - hp.window < hp.batch_size or min(n_val, n - test_start) < 1:
            raise UserError(
                f"The series has {n} values: too few for windows of {hp.window} and batches of "
                f"{hp.batch_size} in every split; lower data.window or data.batch_size, or use a "
                "longer series."
            )
        train_part = values[:val_start]
        self.mean, self.std = float(train_part.mean()), float(train_part.std() or 1.0)
        scaled = (values - self.mean) / self.std
        # The first `window` values only feed inputs: training targets start after them.
        bounds = {
            "train": (hp.window, val_start),
            "val": (val_start, test_start),
            "test": (test_start, n),
        }
        splits = {}
        for name, (start, end) in bounds.items():
            times = np.arange(start, end)
            inputs = scaled[times[:, None] + np.arange(-hp.window, 0)]
            splits[name] = TensorDataset(
                torch.from_numpy(inputs).unsqueeze(-1),
                torch.from_numpy(scaled[times]),
                torch.from_numpy(values[times - 1]),
                torch.from_numpy(values[times - hp.season]),
            )
        return splits

    def model_hparams(self) -> dict[str, float]:
        """The scaling, so the model reports errors and forecasts in the series' own units."""
        self.require_setup()
        return {"mean": self.mean, "std": self.std}
