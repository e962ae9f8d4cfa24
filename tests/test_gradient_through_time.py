"""The vanishing-gradient view: how much the loss at a window's last character depends
on each earlier input."""

from pathlib import Path

import pytest
import torch
from conftest import SMALL, compose_train
from test_dashboard import read_events

from rnnlab.callbacks.gradient_through_time import distances, gradient_by_distance
from rnnlab.commands.train import train
from rnnlab.core.errors import UserError
from rnnlab.nets.char_lm import RecurrentLM


def small_net(cell: str) -> RecurrentLM:
    torch.manual_seed(0)
    return RecurrentLM(12, cell, embedding_dim=8, hidden_size=16, num_layers=1)


def test_a_contracting_rnn_forgets_geometrically_and_an_open_forget_gate_remembers():
    x, y = torch.randint(12, (4, 40)), torch.randint(12, (4, 40))
    rnn = small_net("rnn")
    with torch.no_grad():
        # |dh_t / dh_(t-1)| <= 0.5: at least halves per step.
        rnn.rnn.weight_hh_l0.copy_(0.5 * torch.eye(16))
    curve = gradient_by_distance(rnn, x, y)
    assert curve.shape == (40,) and curve[0] > 0
    assert curve[20] < 0.5**20 * curve[0]
    assert all(curve[k + 1] < curve[k] for k in range(1, 39))

    lstm = small_net("lstm")
    with torch.no_grad():
        # Forget gate saturated open: the cell state keeps what it got.
        lstm.rnn.bias_hh_l0[16:32].fill_(20.0)
    memory = gradient_by_distance(lstm, x, y)
    assert memory[30] > 0.05 * memory[1]


def test_distances_are_zero_and_powers_of_two_inside_the_window():
    assert distances(256) == [0, 1, 2, 4, 8, 16, 32, 64, 128]
    assert distances(5) == [0, 1, 2, 4]


@pytest.mark.slow
def test_the_experiment_logs_the_curve_and_its_plot(tmp_path: Path, data_dir: Path):
    overrides = [
        "experiment=vanishing_gradients",
        "hydra.mode=RUN",
        f"paths.data_dir={data_dir}",
        *SMALL,
    ]
    cfg = compose_train(tmp_path, *overrides, "data.seq_len=40", "data.stateful=false")
    assert cfg.callbacks.grad_through_time.rows == 8
    train(cfg)
    events = read_events(Path(cfg.paths.output_dir))
    tags = set(events.Tags()["scalars"])
    assert {f"grad_through_time/distance_{k:03d}" for k in distances(40)} <= tags
    # Every logging step (2 of 6 steps).
    assert len(events.Scalars("grad_through_time/distance_000")) >= 3
    assert "grad_through_time" in events.Tags()["images"]


GRADIENT_THROUGH_TIME = "rnnlab.callbacks.gradient_through_time.GradientThroughTime"


def test_other_tasks_are_told_the_view_is_for_character_models(tmp_path: Path):
    extra = f"+callbacks.grad_through_time._target_={GRADIENT_THROUGH_TIME}"
    cfg = compose_train(tmp_path, "experiment=forecast", "trainer.max_steps=2", extra)
    with pytest.raises(UserError, match="works with char_lm models only"):
        train(cfg)


def test_the_cloze_model_is_refused_in_one_line(tmp_path: Path, data_dir: Path):
    # The cloze model has a `vocab` and a `net.rnn` too: the check is for the task, not attributes.
    extra = f"+callbacks.grad_through_time._target_={GRADIENT_THROUGH_TIME}"
    data = [f"paths.data_dir={data_dir}", "data.max_chars=150000", "data.vocab_size=500"]
    cfg = compose_train(tmp_path, "model=birnn_cloze", "trainer.max_steps=2", extra, *data)
    expected = (
        "callbacks.grad_through_time works with char_lm models only, not the cloze model; "
        "drop it with callbacks.grad_through_time=null."
    )
    with pytest.raises(UserError) as raised:
        train(cfg)
    assert str(raised.value) == expected
