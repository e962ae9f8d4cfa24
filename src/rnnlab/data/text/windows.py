"""Batches as views into the flat id array: one vectorised gather per batch, no per-sample
Python."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


def gather_windows(
    ids: np.ndarray, starts: np.ndarray, seq_len: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of seq_len + 1 ids from each start -> (inputs, targets), each (batch, seq_len)
    int64; the targets are the inputs shifted by one."""
    windows = torch.from_numpy(ids[starts[:, None] + np.arange(seq_len + 1)].astype(np.int64))
    return windows[:, :-1], windows[:, 1:]


class IndependentWindows(Dataset):
    """Non-overlapping windows, window i starting at i * seq_len; a BatchSampler hands
    `__getitem__` a whole batch of window indices."""

    def __init__(self, ids: np.ndarray, seq_len: int):
        self.ids, self.seq_len = ids, seq_len
        self.n_windows = (len(ids) - 1) // seq_len

    def __len__(self) -> int:
        return self.n_windows

    def __getitem__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        return gather_windows(self.ids, np.asarray(indices) * self.seq_len, self.seq_len)


class ContiguousStreams(Dataset):
    """`batch_size` contiguous streams read in order: row r of batch j+1 continues row r of
    batch j, so a model may carry its hidden state across batches (truncated BPTT).

    The text is cut into equal streams, one per row; batch j is the j-th `seq_len` columns of
    every row, and its targets are the same columns shifted by one. For ids "abc...y" (25 ids),
    batch_size=4 and seq_len=2, each stream is (25 - 1) // 4 = 6 ids long and there are
    6 // 2 = 3 batches:

                batch 0   batch 1   batch 2
        row 0   a b       c d       e f        targets of batch 0, row 0: b c
        row 1   g h       i j       k l
        row 2   m n       o p       q r
        row 3   s t       u v       w x        y is only ever a target

    `__getitem__(j)` returns batch j as (inputs, targets), each (batch_size, seq_len). Ids that
    fill no whole batch at a stream's end are skipped (none here).

    In a distributed run the text is cut into `batch_size x world` streams and process `rank`
    reads rows rank * batch_size ... (rank + 1) * batch_size - 1 (above, with batch_size=2 and
    world=2: rank 0 reads rows 0-1, rank 1 rows 2-3), so together the processes read what one
    process with the global batch would.
    """

    def __init__(
        self, ids: np.ndarray, batch_size: int, seq_len: int, rank: int = 0, world: int = 1
    ):
        self.ids, self.seq_len = ids, seq_len
        stream_len = (len(ids) - 1) // (batch_size * world)
        self.row_starts = (np.arange(batch_size) + rank * batch_size) * stream_len
        self.n_batches = stream_len // seq_len

    def __len__(self) -> int:
        return self.n_batches

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return gather_windows(self.ids, self.row_starts + index * self.seq_len, self.seq_len)
