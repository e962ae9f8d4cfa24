"""Measure what users choose a training project by: data preparation time and training throughput.

    python scripts/benchmark.py [--cells rnn lstm gru] [--steps 150] [--repeats 3] [--out benchmark.json]

Throughput is characters per second of training at the default sizes, for this project's
LightningModule driven by the Trainer and for a plain PyTorch loop over the same model, batch
and data, measured alternately in one process; their ratio is the Lightning overhead.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F

from rnnlab.data.wiki_char import WikiCharDataModule
from rnnlab.models.char_lm import CharLanguageModel
from rnnlab.models.recurrent import detach_hidden

WARMUP = 20
OPTIMIZER = {"_target_": "torch.optim.AdamW", "_partial_": True, "lr": 0.004}


def preparation_seconds(data_dir: Path) -> tuple[float, float]:
    """Seconds to prepare the default corpus from nothing, then from its cache."""
    start = time.perf_counter()
    WikiCharDataModule(data_dir=str(data_dir)).prepare_data()
    first = time.perf_counter() - start
    start = time.perf_counter()
    WikiCharDataModule(data_dir=str(data_dir)).setup("fit")
    return first, time.perf_counter() - start


def plain_loop_rate(dm: WikiCharDataModule, cell: str, steps: int) -> float:
    """Characters/s of a hand-written loop: forward, cross-entropy, backward, clip, step."""
    torch.manual_seed(0)
    net = CharLanguageModel(dm.vocab.chars, cell=cell, carry_hidden=True).net
    optimizer = torch.optim.AdamW(net.parameters(), lr=OPTIMIZER["lr"])
    batches, hidden = iter(dm.train_dataloader()), None
    for step in range(WARMUP + steps):
        if step == WARMUP:
            start = time.perf_counter()
        x, y = next(batches)
        logits, hidden = net(x, hidden)
        hidden = detach_hidden(hidden)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
    return steps * x.numel() / (time.perf_counter() - start)


class _StepClock(L.Callback):
    def __init__(self, start_step: int):
        self.start_step, self.start = start_step, None

    def on_train_batch_start(self, trainer, *args) -> None:
        if trainer.global_step == self.start_step:
            self.start = time.perf_counter()

    def on_train_end(self, trainer, *args) -> None:
        self.seconds = time.perf_counter() - self.start


def lightning_rate(dm: WikiCharDataModule, cell: str, steps: int) -> float:
    """Characters/s of the project's LightningModule under the Trainer (no validation in between)."""
    torch.manual_seed(0)
    model = CharLanguageModel(dm.vocab.chars, cell=cell, carry_hidden=True, optimizer=OPTIMIZER)
    clock = _StepClock(WARMUP)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=WARMUP + steps,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        gradient_clip_val=1.0,
        callbacks=[clock],
    )
    trainer.fit(model, train_dataloaders=dm.train_dataloader())
    return steps * dm.hparams.batch_size * dm.hparams.seq_len / clock.seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"])
    parser.add_argument("--steps", type=int, default=150, help="timed training steps per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per row; the median is reported")
    parser.add_argument("--out", type=Path, default=Path("benchmark.json"))
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="rnnlab-bench-"))
    try:
        first, cached = preparation_seconds(data_dir)
        dm = WikiCharDataModule(data_dir=str(data_dir))
        dm.setup("fit")
        rows = []
        for cell in args.cells:
            plain, lightning = [], []
            for _ in range(args.repeats):  # alternate, so drifts in machine load hit both sides alike
                plain.append(plain_loop_rate(dm, cell, args.steps))
                lightning.append(lightning_rate(dm, cell, args.steps))
            row = {
                "cell": cell,
                "plain_chars_per_s": statistics.median(plain),
                "lightning_chars_per_s": statistics.median(lightning),
            }
            row["ratio"] = row["lightning_chars_per_s"] / row["plain_chars_per_s"]
            rows.append(row)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    report = {
        "machine": {"cores": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version()},
        "batch": f"{dm.hparams.batch_size} x {dm.hparams.seq_len}",
        "prepare_seconds": {"first": round(first, 2), "cached": round(cached, 3)},
        "training": rows,
    }
    args.out.write_text(json.dumps(report, indent=1))
    print(f"prepare default corpus: {first:.1f} s first time, {cached:.3f} s from cache")
    print(f"{'cell':6} {'plain chars/s':>14} {'lightning chars/s':>18} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['cell']:6} {row['plain_chars_per_s']:14.0f} {row['lightning_chars_per_s']:18.0f} {row['ratio']:6.3f}"
        )
    return report


if __name__ == "__main__":
    main()
