"""Checkpoints are checked as data before use: the task, the saved settings against the model's
declarations, the weights against the model they describe; and a resume with another model is
refused before anything is written."""

from pathlib import Path

import pytest
import torch
from conftest import SMALL, run_command

from rnnlab.core.errors import UserError
from rnnlab.nets.checkpoints import load_task_model
from rnnlab.tasks.char_lm import CharLanguageModel


@pytest.fixture
def saved(trained_run) -> dict:
    _, run_dir = trained_run
    return torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)


def refusal(tmp_path: Path, checkpoint: dict) -> str:
    path = tmp_path / "edited.ckpt"
    torch.save(checkpoint, path)
    with pytest.raises(UserError) as raised:
        load_task_model(path, CharLanguageModel)
    return str(raised.value)


@pytest.mark.parametrize("key", ["vocab", "hidden_size", "cell"])
def test_a_missing_setting_is_named(tmp_path: Path, saved: dict, key: str):
    del saved["hyper_parameters"][key]
    message = refusal(tmp_path, saved)
    assert f"lacks the hyperparameters {key} that a char_lm model needs" in message


def test_a_setting_of_the_wrong_type_is_named(tmp_path: Path, saved: dict):
    saved["hyper_parameters"]["hidden_size"] = "wide"
    message = refusal(tmp_path, saved)
    expected = "hyper_parameters.hidden_size='wide' must be a whole number at least 1."
    assert message.endswith(f"holds a bad setting: {expected}")


def test_missing_weights_are_named(tmp_path: Path, saved: dict):
    del saved["state_dict"]
    assert "holds no weights (state_dict)" in refusal(tmp_path, saved)


def test_weights_that_do_not_fit_their_settings_are_refused(tmp_path: Path, saved: dict):
    saved["hyper_parameters"]["hidden_size"] = 48  # the weights were trained with 32
    assert "its weights do not fit the model its hyperparameters describe" in refusal(
        tmp_path, saved
    )


def test_a_directory_is_called_a_directory(trained_run):
    _, run_dir = trained_run
    with pytest.raises(UserError, match=r"checkpoints is a directory; give the path of a \.ckpt"):
        load_task_model(run_dir / "checkpoints", CharLanguageModel)


def test_a_file_that_is_not_a_checkpoint_gets_no_advice_to_load_it_unsafely(tmp_path: Path):
    notes = tmp_path / "notes.ckpt"
    notes.write_text("not weights")
    with pytest.raises(UserError) as raised:
        load_task_model(notes, CharLanguageModel)
    assert "is not a checkpoint this project can load safely" in str(raised.value)
    assert "weights_only" not in str(raised.value)


def test_resuming_with_another_model_is_refused_and_writes_nothing(
    trained_run, data_dir: Path, tmp_path: Path
):
    _, run_dir = trained_run
    before = sorted(p.relative_to(run_dir) for p in run_dir.rglob("*"))
    result = run_command(
        "train.py",
        "model=gru",
        f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}",
        f"paths.root_dir={tmp_path}",
        f"paths.data_dir={data_dir}",
        *SMALL,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "was trained with other model settings (model.cell='gru' here, 'lstm'" in result.stderr
    assert sorted(p.relative_to(run_dir) for p in run_dir.rglob("*")) == before
    assert not list(tmp_path.glob("logs/*/runs/*"))
