"""Every experiment composes and trains a few steps, so none rots;
the comparisons they promise hold."""

from pathlib import Path

import pytest
import torch
from conftest import FEW_STEPS, SMALL, compose_train, trained
from hydra.types import RunMode

from rnnlab.commands.train import train
from rnnlab.config.compose import CONFIG_DIR
from rnnlab.dashboards.tensorboard import parameter_count
from rnnlab.experiments.compare import best_checkpoint
from rnnlab.tasks.char_lm import CharLanguageModel

EXPERIMENTS = sorted(path.stem for path in (CONFIG_DIR / "experiment").glob("*.yaml"))

# Few, small batches per kind of data; the models keep the experiment's own sizes.
SMALL_DATA = {
    "rnnlab.data.text.wiki_char.WikiCharDataModule": ["data.max_chars=60000", "data.batch_size=8"],
    "rnnlab.data.pairs.datamodule.PairsDataModule": [
        "data.count=400",
        "data.batch_size=16",
        "model.max_decode_length=12",
    ],
    "rnnlab.data.text.wiki_cloze.WikiClozeDataModule": [
        "data.max_chars=150000",
        "data.vocab_size=500",
        "data.batch_size=16",
    ],
    "rnnlab.data.series.SeriesDataModule": [],
}


def test_the_lecture_experiments_are_all_there():
    assert {
        "text_generation",
        "rnn_vs_lstm",
        "vanishing_gradients",
        "chatbot",
        "number_words",
        "cloze",
    } <= set(EXPERIMENTS)
    assert "forecast" in EXPERIMENTS


@pytest.mark.slow
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_each_experiment_trains_a_few_steps(tmp_path: Path, data_dir: Path, experiment: str):
    target = compose_train(tmp_path, f"experiment={experiment}").data._target_
    overrides = [
        f"experiment={experiment}",
        f"paths.data_dir={data_dir}",
        *SMALL_DATA[target],
        *FEW_STEPS,
    ]
    cfg = compose_train(tmp_path, *overrides)
    assert cfg.task_name == experiment
    metrics = train(cfg)
    assert cfg.optimized_metric in metrics and metrics["val/loss"] > 0


def test_text_generation_samples_at_the_lectures_steps(tmp_path: Path):
    cfg = compose_train(tmp_path, "experiment=text_generation")
    assert (
        list(cfg.callbacks.text_samples.at_steps) == [100, 2000] and cfg.trainer.max_steps >= 2000
    )
    assert cfg.sample.char_lm.prompt == "The quick br" and cfg.sample.char_lm.length == 400


@pytest.mark.parametrize("experiment", ["rnn_vs_lstm", "vanishing_gradients"])
def test_comparison_experiments_are_multiruns_that_end_with_a_comparison(
    tmp_path: Path, experiment: str
):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="train", overrides=[f"experiment={experiment}"], return_hydra_config=True
        )
    assert cfg.hydra.mode == RunMode.MULTIRUN
    assert "rnn" in cfg.hydra.sweeper.params.model and "lstm" in cfg.hydra.sweeper.params.model
    assert cfg.hydra.callbacks.sweep_report.compare is True


def test_rnn_vs_lstm_matches_parameter_counts_within_one_percent(tmp_path: Path):
    # 138 symbols, one more than the default corpus's 137: the check compares the counts as a
    # ratio, which one symbol hardly moves.
    vocab = [chr(0xFFFD)] + [chr(c) for c in range(32, 32 + 137)]
    counts = {}
    for cell in ("rnn", "lstm", "gru"):
        cfg = compose_train(tmp_path, "experiment=rnn_vs_lstm", f"model={cell}")
        assert cfg.model.cell == cell
        counts[cell] = parameter_count(CharLanguageModel(vocab, **{k: cfg.model[k] for k in SIZES}))
    assert max(counts.values()) / min(counts.values()) < 1.01, counts


SIZES = ("cell", "embedding_dim", "hidden_size", "num_layers")


def saved_loss(checkpoint: Path) -> float:
    """The monitored loss a ModelCheckpoint saved `checkpoint` with."""
    states = torch.load(checkpoint, weights_only=True)["callbacks"]
    (state,) = [s for name, s in states.items() if name.startswith("ModelCheckpoint")]
    return float(state["current_score"])


@pytest.mark.slow
def test_the_best_checkpoint_is_what_model_checkpoint_recorded_whatever_its_name(
    tmp_path: Path, data_dir: Path
):
    # Names without the loss in them, and the highest loss counted best, so that the best is
    # not the newest file: the choice must come from ModelCheckpoint's own record.
    _, run_dir = trained(
        tmp_path,
        *SMALL,
        f"paths.data_dir={data_dir}",
        "trainer.max_steps=9",
        "callbacks.model_checkpoint.filename='{step}'",
        "callbacks.model_checkpoint.save_top_k=2",
        "callbacks.model_checkpoint.mode=max",
    )
    folder = run_dir / "checkpoints"
    kept = sorted(p.name for p in folder.glob("*.ckpt"))
    assert len(kept) == 3 and "last.ckpt" in kept  # the best two of three, and the last
    # Each kept file holds the validation loss it was saved with.
    loss_of = {name: saved_loss(folder / name) for name in kept if name != "last.ckpt"}
    found = best_checkpoint(run_dir)
    assert found == folder / max(loss_of, key=loss_of.get)
    # The loss falls, so the highest is the oldest file kept, not the newest.
    newest = max((folder / name for name in loss_of), key=lambda p: p.stat().st_mtime)
    assert found != newest
    # The run's folder moved: the recorded path is stale, the file is found beside the others.
    moved = tmp_path / "moved"
    run_dir.rename(moved)
    assert best_checkpoint(moved) == moved / "checkpoints" / found.name
    # A damaged newest file holds no record: the run's last checkpoint stands in.
    (moved / "checkpoints" / "zz.ckpt").write_text("not a checkpoint")
    assert best_checkpoint(moved) == moved / "checkpoints" / "last.ckpt"
