"""The training loaders as Lightning's loop reads them: streams that carry a hidden state come in
order in every epoch; everything else is reshuffled at each epoch."""

import itertools

import hydra
import lightning as L
import pytest
import torch
from conftest import compose_train

SIZES = ("data.batch_size=8", "data.seq_len=32")


class BatchRecorder(L.LightningModule):
    """Trains nothing; keeps each training batch with its epoch."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.batches: list[tuple[int, tuple[torch.Tensor, ...]]] = []

    def training_step(self, batch, batch_idx):
        parts = batch.values() if isinstance(batch, dict) else batch
        self.batches.append(
            (self.current_epoch, tuple(t.clone() for t in parts if isinstance(t, torch.Tensor)))
        )
        return self.weight.sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def epochs_read(tmp_path, *overrides: str) -> list[list[tuple[torch.Tensor, ...]]]:
    """The training batches of two epochs, read through a real Trainer."""
    cfg = compose_train(tmp_path, *overrides)
    datamodule = hydra.utils.instantiate(cfg.data)
    model = BatchRecorder()
    trainer = L.Trainer(
        max_epochs=2,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    trainer.fit(model, datamodule=datamodule)
    return [[batch for epoch, batch in model.batches if epoch == e] for e in (0, 1)]


def test_carried_state_streams_are_read_in_order_in_every_epoch(tmp_path, data_dir):
    first, second = epochs_read(
        tmp_path, f"paths.data_dir={data_dir}", "data.max_chars=20000", "data.stateful=true", *SIZES
    )
    assert len(first) > 10
    # Row r of batch j+1 continues row r of batch j.
    for (_, y), (x_next, _) in itertools.pairwise(first):
        assert torch.equal(x_next[:, 0], y[:, -1])
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize(
    "overrides",
    [
        ("data.stateful=false", "data.max_chars=20000", *SIZES),
        ("model=seq2seq", "data=number_words", "data.count=400"),
    ],
    ids=["char windows", "sentence pairs"],
)
def test_other_training_data_is_reshuffled_every_epoch(tmp_path, data_dir, overrides):
    first, second = epochs_read(tmp_path, f"paths.data_dir={data_dir}", *overrides)
    assert len(first) == len(second) > 2
    assert not all(torch.equal(a[0], b[0]) for a, b in zip(first, second, strict=True))
