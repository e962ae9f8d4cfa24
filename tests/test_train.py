"""The whole path a user takes: train from the command line, read the dashboards,
sample the checkpoint."""

import re
from pathlib import Path

import pytest
import torch
from conftest import SMALL, compose_train, run_command
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnlab.commands.train import train
from rnnlab.training.notices import IGNORED_INFO

QUIETED = re.compile("|".join(IGNORED_INFO))


@pytest.mark.parametrize("model", ["rnn", "gru", "deep_lstm"])
def test_each_model_trains_and_returns_its_metrics(tmp_path: Path, data_dir: Path, model: str):
    cfg = compose_train(
        tmp_path, f"model={model}", f"paths.data_dir={data_dir}", "logger=none", *SMALL
    )
    metrics = train(cfg)
    assert {"val/loss", "val/bpc", "val/ppl", "test/bpc"} <= set(metrics)
    assert 0 < metrics["val/bpc"] < 8  # starting from ~log2(vocab) = 7 bits
    assert metrics["val/ppl"] == pytest.approx(2 ** metrics["val/bpc"], rel=1e-4)


def test_independent_windows_train_too(tmp_path: Path, data_dir: Path):
    cfg = compose_train(
        tmp_path, "data.stateful=false", f"paths.data_dir={data_dir}", "logger=none", *SMALL
    )
    assert train(cfg)["test/bpc"] > 0


def test_a_run_prints_metrics_sample_and_paths_and_writes_checkpoints_and_dashboards(trained_run):
    result, run_dir = trained_run
    out = result.stdout
    assert "test/bpc" in out and "The quick br" in out
    assert "Best checkpoint:" in out and "TensorBoard run:" in out
    # Quiet: none of the notices rnnlab.training.notices silences (the litlogger tip comes with
    # every run).
    lines = (out + result.stderr).splitlines()
    assert not [line for line in lines if "litlogger" in line or QUIETED.search(line)]
    # The best checkpoint is loaded for the final validation and test as plain data.
    assert "weights_only" not in out + result.stderr
    # The first screen: the layers without the metric containers, no FLOPs that were never
    # counted; the lecture's early sample as the run reaches its step (2 here, 100 by default).
    assert "stage_metrics" not in out and "FLOPs" not in out
    assert "Total params" in out and "net.rnn" in out
    assert "Sample at step 2" in out
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    checkpoints = {p.name for p in (run_dir / "checkpoints").iterdir()}
    assert "last.ckpt" in checkpoints and any(name.startswith("step") for name in checkpoints)

    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"tensors": 0}).Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"train/loss", "val/bpc", "test/bpc", "hp/val_bpc"} <= scalars
    texts = [t for t in events.Tags()["tensors"] if t.startswith("samples/")]
    assert "samples/The quick br/text_summary" in texts and "samples/final/text_summary" in texts


def test_hparams_tab_holds_the_run_config_and_final_metrics(trained_run):
    from tensorboard.plugins.hparams import plugin_data_pb2

    _, run_dir = trained_run
    events = EventAccumulator(str(run_dir / "tensorboard")).Reload()
    content = events.PluginTagToContent("hparams")
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/experiment"]
    ).experiment
    session = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]
    ).session_start_info
    assert {m.name.tag for m in experiment.metric_infos} >= {"hp/val_bpc", "hp/test_bpc"}
    assert session.hparams["model/cell"].string_value == "lstm"
    assert session.hparams["model/hidden_size"].number_value == 32


def test_checkpoint_is_self_contained_and_loads_without_running_code(trained_run):
    _, run_dir = trained_run
    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    hparams = checkpoint["hyper_parameters"]
    assert checkpoint["task"] == "char_lm" and hparams["vocab"][0] == "\ufffd"
    assert hparams["optimizer"]["_target_"] == "torch.optim.AdamW"


def test_generate_continues_the_prompt_repeatably(trained_run):
    _, run_dir = trained_run
    args = (
        "scripts/generate.py",
        f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}",
        "prompt=The quick br",
        "length=80",
        "temperature=0.8",
        "seed=1",
    )
    first, second = run_command(*args), run_command(*args)
    assert first.returncode == 0, first.stderr
    text = first.stdout.rstrip("\n")
    assert text.startswith("The quick br") and len(text) == 80
    assert first.stdout == second.stdout


def test_the_end_of_run_sample_is_what_generate_gives_at_its_seed(trained_run):
    """So the README's sample is what `make train` prints at the same commit."""
    _, run_dir = trained_run
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"tensors": 0}).Reload()
    (final,) = events.Tensors("samples/final/text_summary")
    sample = final.tensor_proto.string_val[0].decode().removeprefix("```\n").removesuffix("\n```")
    (best,) = (run_dir / "checkpoints").glob("step*.ckpt")
    settings = compose_train(run_dir).sample.char_lm
    assert settings.seed == 0
    generated = run_command(
        "scripts/generate.py", f"ckpt_path={best}", f"prompt={settings.prompt}",
        "length=40", f"temperature={settings.temperature}", f"seed={settings.seed}",
    )  # fmt: skip
    assert generated.stdout.rstrip("\n") == sample


@pytest.mark.slow
def test_multirun_trains_one_job_per_cell(tmp_path: Path, data_dir: Path):
    result = run_command(
        "train.py",
        "-m",
        "model=rnn,gru",
        f"paths.root_dir={tmp_path}",
        f"paths.data_dir={data_dir}",
        "logger=none",
        *SMALL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (sweep,) = (tmp_path / "logs" / "char_lm" / "multiruns").iterdir()
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == ["0", "1"]
    for job, cell in zip(jobs, ["rnn", "gru"], strict=True):
        assert f"model={cell}" in (sweep / job / ".hydra" / "overrides.yaml").read_text()
        saved = torch.load(sweep / job / "checkpoints" / "last.ckpt", weights_only=True)
        assert saved["hyper_parameters"]["cell"] == cell


@pytest.mark.parametrize(
    "args, message",
    [
        (["train.py", "trainer=gpu"], "error: trainer.accelerator=gpu needs a CUDA GPU"),
        (
            ["train.py", "model.hidden_size=-3"],
            "error: model.hidden_size=-3 must be a whole number at least 1.",
        ),
        (
            ["train.py", "data.path=/nonexistent/dump.xml.bz2"],
            "error: The data path /nonexistent/dump.xml.bz2 does not exist",
        ),
        (
            ["scripts/generate.py", "ckpt_path=/nonexistent.ckpt"],
            "error: The checkpoint /nonexistent.ckpt does not exist",
        ),
    ],
)
def test_user_mistakes_end_in_one_line_without_a_traceback(
    tmp_path: Path, args: list[str], message: str
):
    if "trainer=gpu" in args and torch.cuda.is_available():
        pytest.skip("this machine has a GPU, so trainer=gpu is no mistake here")
    result = run_command(
        *args, f"paths.root_dir={tmp_path}" if args[0] == "train.py" else "device=cpu"
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_generate_refuses_prompt_characters_the_model_never_saw(trained_run):
    _, run_dir = trained_run
    result = run_command(
        "scripts/generate.py",
        f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}",
        "prompt='The quick br☃'",
    )
    assert result.returncode == 1 and "'☃'" in result.stderr and "Traceback" not in result.stderr


def test_generate_refuses_a_file_that_is_not_a_checkpoint(tmp_path: Path):
    bogus = tmp_path / "model.ckpt"
    bogus.write_bytes(b"not a checkpoint")
    result = run_command("scripts/generate.py", f"ckpt_path={bogus}")
    assert (
        result.returncode == 1
        and "is not a checkpoint this project can load safely" in result.stderr
    )


def test_main_returns_the_optimized_metric_for_sweepers(tmp_path: Path, data_dir: Path):
    from rnnlab.commands.train import main

    cfg = compose_train(
        tmp_path,
        "model=gru",
        f"paths.data_dir={data_dir}",
        "logger=none",
        "callbacks=none",
        "optimized_metric=test/bpc",
        *[o for o in SMALL if not o.startswith(("callbacks", "~callbacks"))],
    )
    value = main(cfg)
    assert isinstance(value, float) and 0 < value < 8
