"""Runs tracked beside TensorBoard: CSV, MLflow (a SQLite file, or a real tracking server on
loopback) and W&B offline, each receiving the same run."""

from __future__ import annotations

import csv
import math
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, SMALL, run_cli, trained
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError

mlflow = pytest.importorskip("mlflow", reason="the tracking extra (make install installs it)")


def csv_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "csv" / "metrics.csv", newline="") as file:
        return list(csv.DictReader(file))


def tensorboard_scalars(run_dir: Path, tag: str) -> dict[int, float]:
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0})
    return {event.step: event.value for event in events.Reload().Scalars(tag)}


def mlflow_run(tracking_uri: str, experiment: str, run_dir: Path):
    """The MLflow run of `run_dir` (its tag), read back through MLflow's client."""
    client = mlflow.MlflowClient(tracking_uri)
    (found,) = client.search_runs(
        [client.get_experiment_by_name(experiment).experiment_id],
        filter_string=f"tags.run_dir = '{run_dir}'",
    )
    return client, found


def artifacts(client, run_id: str, path: str | None = None) -> list[str]:
    """Every artifact file of a run, by its path."""
    found = []
    for item in client.list_artifacts(run_id, path):
        found += artifacts(client, run_id, item.path) if item.is_dir else [item.path]
    return found


@pytest.mark.slow
def test_logger_many_sends_the_same_run_to_tensorboard_csv_and_mlflow(
    tmp_path: Path, data_dir: Path
):
    result, run_dir = trained(tmp_path, *SMALL, f"paths.data_dir={data_dir}", "logger=many")
    # CSV: a row for every validation, with the values TensorBoard holds.
    validations = tensorboard_scalars(run_dir, "val/loss")
    rows = [row for row in csv_rows(run_dir) if row["val/loss"]]
    assert {int(row["step"]): float(row["val/loss"]) for row in rows} == pytest.approx(validations)
    assert len(validations) >= 2
    # MLflow (the SQLite file beside the runs): metrics, settings, final metrics, samples and the
    # checkpoints, named after the task.
    client, run = mlflow_run(f"sqlite:///{tmp_path}/logs/mlflow.db", "char_lm", run_dir)
    history = client.get_metric_history(run.info.run_id, "val/loss")
    assert {m.step: m.value for m in history} == pytest.approx(validations)
    assert run.data.params["model/hidden_size"] == "32"
    assert math.isfinite(run.data.metrics["hp/test_bpc"])
    files = artifacts(client, run.info.run_id)
    assert any(path.startswith("text/samples/final/") for path in files)
    best = next((run_dir / "checkpoints").glob("step*.ckpt")).name
    assert any(path.endswith(best) for path in files) and any(
        path.endswith("last.ckpt") for path in files
    )
    # The summary says where each logger keeps the run.
    out = " ".join(result.stdout.split())
    assert "TensorBoard run:" in out and "CSV metrics:" in out
    assert f"MLflow run: {run.info.run_id} of experiment char_lm" in out


@pytest.mark.slow
def test_wandb_runs_offline_into_the_run_folder(tmp_path: Path, data_dir: Path, monkeypatch):
    pytest.importorskip("wandb", reason="the tracking extra (make install installs it)")
    for name in ("WANDB_API_KEY", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))  # no account on this machine
    monkeypatch.setenv("HOME", str(tmp_path))
    result, run_dir = trained(tmp_path, *SMALL, f"paths.data_dir={data_dir}", "logger=wandb")
    import wandb

    assert wandb.run is None  # finished: a sweep's next job in this process starts its own
    (offline,) = (run_dir / "wandb").glob("offline-run-*")
    assert list(offline.glob("run-*.wandb"))  # the run's records, for `wandb sync`
    # The samples, as tables: those of training and the final one.
    tables = [path.name for path in (offline / "files" / "media" / "table").rglob("*.json")]
    assert any(name.startswith("final_") for name in tables)
    assert any(name.startswith("The quick br_") for name in tables)
    assert f"W&B run: {offline}" in "".join(result.stdout.split()).replace("W&Brun:", "W&B run: ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def tracking_server(tmp_path: Path):
    """A real `mlflow server` on loopback, with a SQLite store and served artifacts."""
    server_command = REPO / ".venv-mlflow" / "bin" / "mlflow"
    if not server_command.is_file():
        pytest.skip("MLflow's server is not installed: `make mlflow-server` installs it")
    port = free_port()
    command = [
        str(server_command), "server",
        "--backend-store-uri", f"sqlite:///{tmp_path}/server.db",
        "--artifacts-destination", str(tmp_path / "server-artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: {server.stderr.read()[-2000:]}")
            time.sleep(0.5)
        yield uri
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_a_multirun_appears_on_a_tracking_server_as_one_run_per_job(
    tmp_path: Path, data_dir: Path, tracking_server: str
):
    result = run_cli(
        "train.py",
        "-m",
        f"paths.root_dir={tmp_path}",
        f"paths.data_dir={data_dir}",
        *SMALL,
        "model.hidden_size=16,32",
        "logger=mlflow",
        f"logger.mlflow.tracking_uri={tracking_server}",
        "logger.mlflow.artifact_location=null",  # the server stores them
        "threads=1",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    client = mlflow.MlflowClient(tracking_server)
    experiment = client.get_experiment_by_name("char_lm")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(run.data.params["model/hidden_size"] for run in runs) == ["16", "32"]
    for run in runs:
        assert run.info.status == "FINISHED"
        assert {"val/loss", "test/bpc", "hp/val_bpc"} <= set(run.data.metrics)
        files = artifacts(client, run.info.run_id)
        assert any(path.endswith(".ckpt") and "last" not in path for path in files), files
    # Served by the server, into its own artifact folder.
    assert list((tmp_path / "server-artifacts").rglob("*.ckpt"))


def test_an_unreachable_tracking_server_is_named_in_seconds(tmp_path: Path):
    from conftest import compose_train

    port = free_port()  # nothing listens there
    uri = f"http://127.0.0.1:{port}"
    cfg = compose_train(tmp_path, "logger=mlflow", f"logger.mlflow.tracking_uri={uri}")
    start = time.monotonic()
    with pytest.raises(UserError) as raised:
        check_train_config(cfg)
    assert time.monotonic() - start < 5
    assert str(raised.value).startswith(f"logger.mlflow.tracking_uri={uri} cannot be reached")


def test_a_tracking_uri_with_a_bad_port_is_one_sentence(tmp_path: Path):
    from conftest import compose_train

    uri = "http://127.0.0.1:abc"
    cfg = compose_train(tmp_path, "logger=mlflow", f"logger.mlflow.tracking_uri={uri}")
    with pytest.raises(UserError, match=r"tracking_uri=http://127\.0\.0\.1:abc has no valid port"):
        check_train_config(cfg)


@pytest.mark.parametrize(
    "environment, netrc_text, offline",
    [
        ({}, None, True),  # no account on the machine
        ({"WANDB_API_KEY": "k" * 40}, None, False),
        ({}, "machine api.wandb.ai login user password " + "k" * 40, False),  # `wandb login`
        ({"WANDB_MODE": "offline", "WANDB_API_KEY": "k" * 40}, None, True),
        ({"WANDB_MODE": "online"}, None, False),
    ],
)
def test_wandb_is_offline_unless_an_account_is_set_up(
    tmp_path: Path, monkeypatch, environment, netrc_text, offline
):
    from rnnlab.config.resolvers import wandb_offline

    for name in ("WANDB_API_KEY", "WANDB_MODE", "WANDB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    netrc = tmp_path / ".netrc"
    if netrc_text is not None:
        netrc.write_text(netrc_text + "\n")
        netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert wandb_offline() is offline
