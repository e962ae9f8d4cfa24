"""Distributed data parallel on two CPU processes (gloo): the same numbers as one process
on the same global batch."""

from pathlib import Path

import pytest
import torch
from conftest import SMALL, compose_train, run_cli
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnlab.data.text.windows import ContiguousStreams

# Small runs validated on the whole (small) validation split, so both sides see the same windows.
COMMON = [
    o for o in SMALL if not o.startswith(("data.batch_size", "trainer.limit_", "data.max_chars"))
]
COMMON += [
    "data.max_chars=30000",
    "trainer.limit_val_batches=1.0",
    "trainer.limit_test_batches=1.0",
]


def final_metrics(root: Path) -> dict[str, float]:
    (run_dir,) = (root / "logs" / "char_lm" / "runs").iterdir()
    events = EventAccumulator(str(run_dir / "tensorboard")).Reload()
    return {tag: events.Scalars(tag)[-1].value for tag in ("hp/val_bpc", "hp/test_bpc")}


@pytest.mark.slow
@pytest.mark.parametrize("stateful", [True, False])
def test_two_cpu_processes_match_one_process_with_the_same_global_batch(
    tmp_path, data_dir, stateful
):
    common = [f"paths.data_dir={data_dir}", f"data.stateful={stateful}", *COMMON]
    one = run_cli(
        "train.py",
        f"paths.root_dir={tmp_path / 'one'}",
        "trainer=cpu",
        "data.batch_size=8",
        *common,
    )
    assert one.returncode == 0, one.stderr[-3000:]
    # The whole validation split (limit_val_batches=1.0), and no notice restating that default.
    assert "configured so 100%" not in one.stdout + one.stderr
    two = run_cli(
        "train.py",
        f"paths.root_dir={tmp_path / 'two'}",
        "trainer=ddp_cpu",
        "data.batch_size=4",
        *common,
        every_core=True,  # two processes
    )
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("Best checkpoint:") == 1  # one summary: rank 0 reports
    # One run directory each.
    single, ddp = final_metrics(tmp_path / "one"), final_metrics(tmp_path / "two")
    for name, value in single.items():
        assert ddp[name] == pytest.approx(value, abs=2e-3), name


def test_each_process_reads_its_own_streams_and_together_the_single_process_batch():
    ids = torch.arange(1000).numpy()
    single = ContiguousStreams(ids, batch_size=4, seq_len=5)
    halves = [ContiguousStreams(ids, batch_size=2, seq_len=5, rank=r, world=2) for r in (0, 1)]
    for step in range(len(single)):
        together = torch.cat([half[step][0] for half in halves])
        assert torch.equal(together, single[step][0])


def test_the_distributed_trainers_compose(tmp_path):
    ddp = compose_train(tmp_path, "trainer=ddp").trainer
    assert ddp.strategy == "ddp" and ddp.accelerator == "gpu" and ddp.num_nodes == 1
    cpu = compose_train(tmp_path, "trainer=ddp_cpu").trainer
    assert cpu.strategy == "ddp" and cpu.devices == 2 and cpu.use_distributed_sampler is False
