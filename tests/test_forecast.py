from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FEW_STEPS, compose_train

from rnnlab.commands.train import train
from rnnlab.core.errors import UserError
from rnnlab.data.series import SeriesDataModule, sunspots


def write_series(tmp_path: Path, values) -> Path:
    path = tmp_path / "series.csv"
    path.write_text("month,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    return path


def test_sunspots_ship_offline():
    values = sunspots()
    assert len(values) == 309 and values.dtype == np.float32 and values[0] == 5.0


def test_split_is_chronological_and_scaling_uses_the_training_part_only(tmp_path: Path):
    values = np.arange(100, dtype=np.float32)
    path = write_series(tmp_path, values)
    dm = SeriesDataModule(path=str(path), window=5, season=3, batch_size=4)
    dm.setup()
    # The naive forecast is the value one step back, and value t is t here: it tells each time.
    times = {name: split.tensors[2].long() + 1 for name, split in dm.splits.items()}
    assert times["train"].tolist() == list(range(5, 70))
    assert times["val"].tolist() == list(range(70, 85))
    assert times["test"].tolist() == list(range(85, 100))
    train_part = values[:70]
    assert dm.mean == pytest.approx(train_part.mean()) and dm.std == pytest.approx(train_part.std())
    assert dm.model_hparams() == {"mean": dm.mean, "std": dm.std}
    inputs, target, naive, seasonal = dm.splits["test"][[0]]
    t = 85
    assert inputs.shape == (1, 5, 1)
    past = torch.arange(t - 5, t, dtype=torch.float32)
    torch.testing.assert_close(inputs[0, :, 0] * dm.std + dm.mean, past)
    assert float(target[0] * dm.std + dm.mean) == pytest.approx(t)
    assert naive[0] == t - 1 and seasonal[0] == t - 3


def seasonal_config(root: Path, path: Path):
    """A few steps on a series of four values that repeat: a season of 4 in windows of 8."""
    return compose_train(
        root,
        "model=rnn_forecaster",
        f"data.path={path}",
        "data.window=8",
        "data.season=4",
        "data.batch_size=8",
        *FEW_STEPS,
    )


def test_baselines_are_exact_on_a_series_that_repeats_each_season(tmp_path: Path, data_dir: Path):
    values = np.tile([1.0, 5.0, 2.0, 8.0], 40)
    path = write_series(tmp_path, values)
    metrics = train(seasonal_config(tmp_path, path))
    assert metrics["test/rmse_seasonal"] == 0 and metrics["test/mae_seasonal"] == 0
    assert metrics["test/rmse_naive"] > 1 and metrics["test/rmse"] > 0


def test_a_spreadsheet_csv_with_a_byte_order_mark_and_crlf_trains(tmp_path: Path):
    rows = "".join(f"{v},{i}\r\n" for i, v in enumerate(np.tile([1.0, 5.0, 2.0, 8.0], 40)))
    path = tmp_path / "series.csv"
    path.write_bytes(b"\xef\xbb\xbfvalue,month\r\n" + rows.encode())
    assert train(seasonal_config(tmp_path, path))["test/rmse_seasonal"] == 0


def test_the_forecaster_trains_on_sunspots_and_plots_the_test_span(tmp_path: Path):
    cfg = compose_train(tmp_path, "model=rnn_forecaster", *FEW_STEPS)
    metrics = train(cfg)
    assert {"val/rmse", "test/mae", "test/rmse_naive", "test/mae_seasonal"} <= set(metrics)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "run" / "tensorboard")).Reload()
    assert "test/forecast" in events.Tags()["images"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("month,value\n1,3\n2,x\n", r"line 3: 'x' in column 'value' is not a number"),
        ("month,other\n1,3\n", "has no column 'value'"),
        ("", "is empty; give a CSV file with a header row"),
        ("month,value\n" + "1,2\n" * 20, "too few for windows"),
    ],
)
def test_bad_series_files_are_refused(tmp_path: Path, content: str, message: str):
    path = tmp_path / "series.csv"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        SeriesDataModule(path=str(path)).setup()


def test_a_season_longer_than_the_window_is_refused():
    with pytest.raises(UserError, match=r"data\.season=30 must not exceed data\.window=22"):
        SeriesDataModule(season=30)
