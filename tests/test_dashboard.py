"""What a run shows in TensorBoard: consistent scalar names, readable text,
HParams and the projector."""

from pathlib import Path
from typing import ClassVar

import lightning as L
import torch
from conftest import SMALL, compose_train
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnlab.callbacks.gradient_norms import layer_of
from rnnlab.commands.train import train
from rnnlab.dashboards.tensorboard import markdown_table, projector_label


def read_events(run_dir: Path) -> EventAccumulator:
    return EventAccumulator(
        str(run_dir / "tensorboard"), size_guidance={"tensors": 0, "scalars": 0}
    ).Reload()


def test_recurrent_parameters_group_by_layer_and_direction():
    assert layer_of("net.rnn.weight_hh_l1") == "rnn.layer1"
    assert layer_of("net.encoder.bias_ih_l0_reverse") == "encoder.layer0_reverse"
    assert layer_of("net.head.weight") == "head"
    assert layer_of("net.embedding.weight") == "embedding"


def test_scalars_have_consistent_names_with_per_layer_gradients_and_throughput(trained_run):
    _, run_dir = trained_run
    scalars = set(read_events(run_dir).Tags()["scalars"])
    expected = {
        "train/loss",
        "train/bpc",
        "val/bpc",
        "lr",
        "throughput/chars_per_s",
        "grad_norm/total",
    }
    assert expected <= scalars
    assert {
        "grad_norm/embedding",
        "grad_norm/rnn.layer0",
        "grad_norm/rnn.layer1",
        "grad_norm/head",
    } <= scalars


class TrueGradientNorms(L.Callback):
    """Records every step's total gradient norm as the optimizer is about to see it
    (before clipping)."""

    seen: ClassVar[dict[int, float]] = {}

    def on_before_optimizer_step(self, trainer, module, optimizer) -> None:
        grads = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
        self.seen[trainer.global_step] = float(torch.stack(grads).norm())


def test_gradient_norms_add_up_by_layer_and_are_measured_before_clipping(
    tmp_path: Path, data_dir: Path
):
    clip = 0.01
    record = "+callbacks.true_norms._target_=test_dashboard.TrueGradientNorms"
    cfg = compose_train(
        tmp_path, f"paths.data_dir={data_dir}", *SMALL, f"trainer.gradient_clip_val={clip}", record
    )
    train(cfg)
    events = read_events(tmp_path / "run")
    # Each logged norm is the one of the step it is filed under,
    # not a stale one from an earlier step.
    for event in events.Scalars("grad_norm/total"):
        assert abs(event.value - TrueGradientNorms.seen[event.step]) < 1e-4 * event.value, (
            event.step
        )
    total = [e.value for e in events.Scalars("grad_norm/total")]
    layers = [
        t for t in events.Tags()["scalars"] if t.startswith("grad_norm/") and t != "grad_norm/total"
    ]
    by_layer = [[e.value for e in events.Scalars(t)] for t in layers]
    assert len(total) >= 3
    for step, norm in enumerate(total):
        assert abs(norm**2 - sum(values[step] ** 2 for values in by_layer)) < 1e-3 * norm**2
        assert norm > clip  # after clipping it could not exceed the threshold


def test_samples_render_as_code_blocks(trained_run):
    _, run_dir = trained_run
    events = read_events(run_dir)
    (final,) = events.Tensors("samples/final/text_summary")
    text = final.tensor_proto.string_val[0].decode()
    assert text.startswith("```\nThe quick br") and text.endswith("```")


def test_projector_shows_the_character_embeddings_labelled(trained_run):
    _, run_dir = trained_run
    config = (run_dir / "tensorboard" / "projector_config.pbtxt").read_text()
    assert 'tensor_name: "characters' in config
    (metadata,) = (run_dir / "tensorboard").glob("*/characters/metadata.tsv")
    labels = metadata.read_text(encoding="utf-8").splitlines()
    (tensors,) = (run_dir / "tensorboard").glob("*/characters/tensors.tsv")
    rows = tensors.read_text().splitlines()
    assert len(labels) == len(rows) > 20
    assert "e" in labels and "␣" in labels and "\ufffd" in labels
    assert len(rows[0].split("\t")) == 16  # embedding_dim of the small run


def test_labels_and_tables_stay_on_one_line():
    assert projector_label("\n") == "\\n" and projector_label(" ") == "␣"
    table = markdown_table(("input", "reply"), [("a|b", "c")])
    assert table.splitlines() == ["| input | reply |", "| --- | --- |", "| a\\|b | c |"]
