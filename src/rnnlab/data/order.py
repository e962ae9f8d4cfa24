"""The order a training split is read in: fixed by (seed, epoch), resumable mid-epoch, one shard
per process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
import torch.distributed as dist
from torch.utils.data import BatchSampler, Sampler


def process_rank() -> tuple[int, int]:
    """(rank, world size) of this process in a distributed run; (0, 1) otherwise."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class EpochOrder(Sampler[int]):
    """Item indices 0..n-1, shuffled by a generator seeded with (seed, epoch) or in order.

    - The order depends on nothing but the seed and the epoch, so a resumed run sees the same
      order.
    - `done_batches()` says how many batches of the current epoch a restored checkpoint has
      already trained on; the first iterator after a restore skips them (`items_per_batch` items
      each).
    - In a distributed run each process takes every world-size-th item of the order: disjoint
      shards of equal length (the tail that does not divide evenly is dropped). `shard=False`
      gives every process the whole order, for data that is split across processes another way.

    For example, 11 items, 2 processes and batches of 2 (`EpochBatches`), in an epoch whose
    shuffled order happens to be 7 2 9 0 4 8 1 5 3 6 10:

        order     7  2  9  0  4  8  1  5  3  6  10
        rank 0    7     9     4     1     3         -> [7 9] [4 1] [3]
        rank 1       2     0     8     5     6      -> [2 0] [8 5] [6]
                                                       (10 is dropped: 11 = 2 x 5 + 1)

    Restored after 2 batches of this epoch, each rank skips its first 2 x 2 items: rank 0 reads
    [3], rank 1 reads [6]. The next epoch draws a new order from (seed, epoch + 1).
    """

    def __init__(
        self,
        n_items: int,
        shuffle: bool,
        seed: int | None = None,
        items_per_batch: int = 1,
        done_batches: Callable[[], int] | None = None,
        shard: bool = True,
    ):
        self.n_items, self.shuffle, self.shard = n_items, shuffle, shard
        self.items_per_batch = items_per_batch
        self.seed = torch.initial_seed() if seed is None else seed
        self.done_batches = done_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning at the start of every epoch."""
        self.epoch = epoch

    def _shard(self) -> torch.Tensor:
        if self.shuffle:
            generator = torch.Generator().manual_seed((self.seed * 100_003 + self.epoch) % 2**63)
            order = torch.randperm(self.n_items, generator=generator)
        else:
            order = torch.arange(self.n_items)
        rank, world = process_rank() if self.shard else (0, 1)
        usable = self.n_items - self.n_items % world
        return order[rank:usable:world]

    def __len__(self) -> int:
        return self.n_items // (process_rank()[1] if self.shard else 1)

    def __iter__(self) -> Iterator[int]:
        skip = self.done_batches() * self.items_per_batch if self.done_batches else 0
        yield from self._shard()[skip:].tolist()


class EpochBatches(BatchSampler):
    """torch's BatchSampler over an `EpochOrder`, passing on Lightning's `set_epoch`.

    Our loaders take it as their `sampler` (with `batch_size=None`), so each read fetches a whole
    batch of items at once; Lightning then finds it as `loader.sampler` and calls `set_epoch` on
    it, not on the order inside, which would otherwise repeat epoch 0's order every epoch.
    """

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)
