"""Resuming exactly, surviving Ctrl-C, SIGTERM and crashes, and stopping on a non-finite loss."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import lightning as L
import pytest
import torch
from conftest import REPO, SMALL, compose_train, run_cli

from rnnlab.commands.train import train
from rnnlab.core.errors import NonFiniteLoss, UserError

# Every test here trains, resumes or sweeps through the real commands.
pytestmark = pytest.mark.slow

# A run planned for 12 steps, its learning-rate schedule included, on a corpus small enough that
# step 6 is mid-epoch for streams and the windows' epoch ends before step 12.
PLANNED = [
    *SMALL,
    "model.scheduler.T_max=12",
    "data.max_chars=20000",
    "model.dropout=0.2",
    "model.num_layers=2",
]


def weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    return torch.load(checkpoint, weights_only=True)["state_dict"]


@pytest.mark.parametrize("stateful", [True, False])
def test_stopping_and_resuming_gives_the_uninterrupted_weights_and_metrics(
    tmp_path, data_dir, stateful
):
    common = [
        f"paths.data_dir={data_dir}",
        *PLANNED,
        f"data.stateful={stateful}",
        "trainer.val_check_interval=3",
    ]
    whole = train(compose_train(tmp_path / "whole", *common, "trainer.max_steps=12"))
    first = compose_train(tmp_path / "parts", *common, "trainer.max_steps=6")
    train(first)
    last = Path(first.paths.output_dir) / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 6
    second = compose_train(tmp_path / "parts", *common, "trainer.max_steps=12", f"ckpt_path={last}")
    resumed = train(second)

    assert resumed["val/bpc"] == pytest.approx(whole["val/bpc"], abs=1e-5)
    final = weights(tmp_path / "whole" / "run" / "checkpoints" / "last.ckpt")
    for name, tensor in weights(last).items():
        assert torch.allclose(tensor, final[name], atol=1e-6), name


def test_resume_auto_continues_the_newest_matching_run_in_its_own_directory(tmp_path, data_dir):
    common = [f"paths.data_dir={data_dir}", *SMALL]
    earlier = compose_train(tmp_path, *common, "trainer.max_steps=6")
    earlier.paths.output_dir = str(tmp_path / "logs" / "char_lm" / "runs" / "earlier")
    (Path(earlier.paths.output_dir) / ".hydra").mkdir(parents=True)
    from omegaconf import OmegaConf

    OmegaConf.save(earlier, Path(earlier.paths.output_dir) / ".hydra" / "config.yaml")
    train(earlier)

    later = compose_train(tmp_path, *common, "trainer.max_steps=9", "resume=auto")
    train(later)
    # The same run directory and TensorBoard run.
    assert later.paths.output_dir == earlier.paths.output_dir
    last = Path(later.paths.output_dir) / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 9

    other_model = compose_train(tmp_path, *common, "model.hidden_size=48", "ckpt_path=last")
    with pytest.raises(
        UserError, match=r"ckpt_path=last found no last\.ckpt of a char_lm run with this model"
    ):
        train(other_model)


def test_raising_max_steps_on_resume_ends_the_schedule_at_the_new_horizon(tmp_path, data_dir):
    # The first run's cosine schedule has reached its floor at step 6;
    # restarting it would climb back up.
    common = [f"paths.data_dir={data_dir}", *SMALL]
    first = compose_train(tmp_path, *common, "trainer.max_steps=6")
    train(first)
    last = Path(first.paths.output_dir) / "checkpoints" / "last.ckpt"
    more = compose_train(tmp_path, *common, "trainer.max_steps=12", f"ckpt_path={last}")
    train(more)
    state = torch.load(last, weights_only=True)
    (scheduler,) = state["lr_schedulers"]
    assert state["global_step"] == 12 and scheduler["T_max"] == 12
    assert max(scheduler["_last_lr"]) < 1.01 * more.model.scheduler.eta_min


def test_resume_auto_continues_a_requeued_sweep_job_in_its_own_directory(
    tmp_path, data_dir, caplog
):
    # A sweep job's directory (multiruns/<time>/<n>) is the same when its job is re-queued,
    # but lies outside runs/.
    job = str(tmp_path / "logs" / "char_lm" / "multiruns" / "2026-01-01_00-00-00" / "0")
    common = [f"paths.data_dir={data_dir}", *SMALL]
    first = compose_train(tmp_path, *common, "trainer.max_steps=6")
    first.paths.output_dir = job
    train(first)
    again = compose_train(tmp_path, *common, "trainer.max_steps=9", "resume=auto")
    again.paths.output_dir = job
    with caplog.at_level(logging.INFO, logger="rnnlab.training.resume"):
        train(again)
    assert f"Resuming from {job}/checkpoints/last.ckpt (step 6)" in caplog.text
    assert (
        torch.load(Path(job) / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 9
    )


class CrashAtStep(L.Callback):
    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == 4:
            raise RuntimeError("boom")


def test_a_crash_leaves_a_checkpoint_that_resumes(tmp_path, data_dir):
    cfg = compose_train(
        tmp_path,
        f"paths.data_dir={data_dir}",
        *SMALL,
        "+callbacks.crash._target_=test_resume.CrashAtStep",
    )
    with pytest.raises(RuntimeError, match="boom"):
        train(cfg)
    saved = Path(cfg.paths.output_dir) / "checkpoints" / "interrupted.ckpt"
    assert torch.load(saved, weights_only=True)["global_step"] == 4
    resumed = compose_train(tmp_path, f"paths.data_dir={data_dir}", *SMALL, f"ckpt_path={saved}")
    assert train(resumed)["val/bpc"] > 0


class BlowUpAtStep(L.Callback):
    """What a numerical blow-up looks like from outside: the weights turn to nan after step 4."""

    def on_train_batch_end(self, trainer, module, *args) -> None:
        if trainer.global_step == 4:
            with torch.no_grad():
                module.net.head.bias.fill_(float("nan"))


def test_a_non_finite_loss_stops_the_run_naming_the_step(tmp_path, data_dir):
    crash = "+callbacks.crash._target_=test_resume.BlowUpAtStep"
    cfg = compose_train(
        tmp_path, f"paths.data_dir={data_dir}", *SMALL, "trainer.val_check_interval=2", crash
    )
    with pytest.raises(NonFiniteLoss, match=r"val/loss became nan at step 4; the run stopped"):
        train(cfg)
    checkpoints = Path(cfg.paths.output_dir) / "checkpoints"
    assert not (checkpoints / "interrupted.ckpt").exists()  # the nan weights are not saved
    last = torch.load(checkpoints / "last.ckpt", weights_only=True)
    assert last["global_step"] == 2 and torch.isfinite(last["state_dict"]["net.head.bias"]).all()


def default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_training_writes_a_checkpoint_that_resumes(
    tmp_path, data_dir, signum, code
):
    args = [
        f"paths.root_dir={tmp_path}",
        f"paths.data_dir={data_dir}",
        *SMALL,
        "trainer.max_steps=100000",
    ]
    process = subprocess.Popen(
        [sys.executable, "train.py", *args], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # As from a terminal: a suite started in the background (`make test &`, nohup) ignores
        # SIGINT, and its children would inherit that.
        preexec_fn=default_interrupt,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while (
        not list(tmp_path.glob("logs/char_lm/runs/*/checkpoints/last.ckpt"))
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr[-2000:]
    assert "Training interrupted at step" in stderr and "resume=auto" in stderr
    (saved,) = tmp_path.glob("logs/char_lm/runs/*/checkpoints/interrupted.ckpt")
    step = torch.load(saved, weights_only=True)["global_step"]
    assert step > 0

    resumed = run_cli("train.py", *args[:-1], f"trainer.max_steps={step + 3}", "resume=auto")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"(step {step})" in resumed.stdout + resumed.stderr
    # Lightning loaded the interrupted checkpoint as plain data, as rnnlab read it.
    assert "weights_only" not in resumed.stdout + resumed.stderr
