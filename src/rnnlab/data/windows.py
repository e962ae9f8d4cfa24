"""Batches as views into the flat id array: one vectorised gather per batch, no per-sample Python."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


def gather_windows(ids: np.ndarray, starts: np.ndarray, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of seq_len + 1 ids from each start -> (inputs, targets), each (batch, seq_len) int64."""
    windows = torch.from_numpy(ids[starts[:, None] + np.arange(seq_len + 1)].astype(np.int64))
    return windows[:, :-1], windows[:, 1:]


class IndependentWindows(Dataset):
    """Non-overlapping windows; a BatchSampler hands `__getitem__` a whole batch of window indices."""

    def __init__(self, ids: np.ndarray, seq_len: int):
        self.ids, self.seq_len = ids, seq_len
        self.n_windows = (len(ids) - 1) // seq_len

    def __len__(self) -> int:
        return self.n_windows

    def __getitem__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        return gather_windows(self.ids, np.asarray(indices) * self.seq_len, self.seq_len)


class ContiguousStreams(Dataset):
    """`batch_size` contiguous streams read in order: row r of batch j+1 continues row r of batch j,
    so a model may carry its hidden state across batches (truncated BPTT).

    In a distributed run the text is cut into `batch_size x world` streams and each process reads its
    own `batch_size` of them, so together the processes read what one process with the global batch would.
    """

    def __init__(self, ids: np.ndarray, batch_size: int, seq_len: int, rank: int = 0, world: int = 1):
        self.ids, self.seq_len = ids, seq_len
        stream_len = (len(ids) - 1) // (batch_size * world)
        self.row_starts = (np.arange(batch_size) + rank * batch_size) * stream_len
        self.n_batches = stream_len // seq_len

    def __len__(self) -> int:
        return self.n_batches

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return gather_windows(self.ids, self.row_starts + index * self.seq_len, self.seq_len)
