"""The GPU paths: trainer=gpu for every task, mixed precision, cuDNN kernels,
sampling a GPU-trained checkpoint.

These run only where a CUDA GPU is present; on CPU-only machines the rest of the suite covers
the same code.
"""

from pathlib import Path

import pytest
import torch
from conftest import FEW_STEPS, TINY_DUMP_TEXT, compose_train, run_cli
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnlab.commands.train import build_model, train
from rnnlab.core.errors import NonFiniteLoss

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

# cuDNN's fused kernels need the flattened weight buffer; a copy per step would show
# as this warning.
NOT_FLAT = "error:.*not part of single contiguous chunk of memory.*:UserWarning"


@pytest.fixture(scope="module")
def text_file(tmp_path_factory) -> Path:
    """A small English text, repeated: no dump or wheel needed, and learnable
    in a few dozen steps."""
    path = tmp_path_factory.mktemp("text") / "corpus.txt"
    path.write_text((TINY_DUMP_TEXT + "\n\n") * 300, encoding="utf-8")
    return path


def char_lm_config(tmp_path: Path, text_file: Path, *overrides: str):
    return compose_train(
        tmp_path,
        "trainer=gpu",
        f"data.path={text_file}",
        f"paths.data_dir={tmp_path / 'data'}",
        "data.min_char_count=1",
        "data.batch_size=16",
        *FEW_STEPS,
        "trainer.max_steps=60",
        "trainer.val_check_interval=30",
        "trainer.log_every_n_steps=5",
        "callbacks.text_samples.at_steps=[30]",
        *overrides,
    )


def scalar_values(run_dir: Path, tag: str) -> list[float]:
    events = EventAccumulator(str(run_dir / "tensorboard")).Reload()
    return [event.value for event in events.Scalars(tag)]


@pytest.mark.filterwarnings(NOT_FLAT)
@pytest.mark.parametrize("precision", ["16-mixed", "bf16-mixed", "32-true"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_char_lm_learns_on_the_gpu_in_each_precision(
    tmp_path: Path, text_file: Path, cell: str, precision: str
):
    cfg = char_lm_config(tmp_path, text_file, f"model={cell}", f"trainer.precision={precision}")
    metrics = train(cfg)
    # From ~5 bits (uniform over ~30 symbols) on a text this repetitive.
    assert metrics["val/bpc"] < 3.0
    # Gradient norms are logged after fp16's loss scaling is undone:
    # a scaled norm would read ~65536x larger.
    norms = scalar_values(Path(cfg.paths.output_dir), "grad_norm/total")
    assert norms and max(norms) < 100, norms


def test_the_hidden_state_carried_between_batches_stays_on_the_gpu(tmp_path: Path, text_file: Path):
    cfg = char_lm_config(tmp_path, text_file, "data.stateful=true", "trainer.max_steps=20")
    assert build_model(cfg)[0].hparams.carry_hidden is True
    assert train(cfg)["val/bpc"] < 4.5


def test_a_non_finite_training_loss_is_caught_at_the_next_logging_step(
    tmp_path: Path, text_file: Path
):
    # On a GPU the training loss is looked at only when Lightning logs (every 3 steps here):
    # nan weights from step 4 on are caught at step 5, before any checkpoint takes them.
    crash = "+callbacks.crash._target_=test_resume.BlowUpAtStep"
    cfg = char_lm_config(tmp_path, text_file, "trainer.log_every_n_steps=3", crash)
    with pytest.raises(NonFiniteLoss, match=r"train/loss became nan at step 5; the run stopped"):
        train(cfg)
    assert not (Path(cfg.paths.output_dir) / "checkpoints" / "interrupted.ckpt").exists()


def test_a_gpu_checkpoint_samples_on_the_cpu_and_on_the_gpu(tmp_path: Path, text_file: Path):
    cfg = char_lm_config(tmp_path, text_file, "trainer.max_steps=30")
    train(cfg)
    checkpoint = Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"
    for device in ("cpu", "cuda"):
        result = run_cli(
            "scripts/generate.py", f"ckpt_path={checkpoint}", f"device={device}", "length=60"
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "The quick br" in result.stdout


@pytest.mark.parametrize(
    "overrides",
    [
        [
            "experiment=number_words",
            "model=seq2seq_attn",
            "data.count=400",
            "model.max_decode_length=12",
        ],
        [
            "experiment=number_words",
            "model.attention=luong",
            "data.count=400",
            "model.max_decode_length=12",
        ],
        ["experiment=forecast"],
    ],
    ids=["seq2seq_bahdanau", "seq2seq_luong", "forecast"],
)
def test_other_tasks_train_under_fp16_mixed_precision(tmp_path: Path, overrides: list[str]):
    # fp16 is where attention masks overflow (-1e9 is not a half) and losses underflow:
    # the risky precision.
    cfg = compose_train(
        tmp_path, *overrides, "trainer=gpu", f"paths.data_dir={tmp_path / 'data'}", *FEW_STEPS
    )
    assert cfg.trainer.precision == "16-mixed"
    metrics = train(cfg)
    assert all(torch.isfinite(torch.tensor(value)) for value in metrics.values()), metrics


def test_cloze_trains_on_the_gpu(tmp_path: Path, text_file: Path):
    overrides = [
        "experiment=cloze",
        "trainer=gpu",
        f"data.path={text_file}",
        "data.vocab_size=50",
        "data.min_words=3",
    ]
    cfg = compose_train(
        tmp_path, *overrides, f"paths.data_dir={tmp_path / 'data'}", "data.batch_size=8", *FEW_STEPS
    )
    metrics = train(cfg)
    assert 0 <= metrics["test/top5"] <= 1, metrics
