"""Each Lightning or Hydra internal the project reads, checked against the installed release.

These fail loudly when an upgrade moves or changes one, before the features built on them break.
"""

import logging
import re

import lightning as L
import pytest
from hydra.core.utils import JobReturn, JobStatus
from lightning.pytorch.callbacks import RichModelSummary
from lightning.pytorch.demos.boring_classes import BoringModel
from lightning.pytorch.loggers import TensorBoardLogger

from rnnlab.core.lightning_internals import (
    ProgressBar,
    batches_done_this_epoch,
    failed_job_error,
    is_logging_step,
)
from rnnlab.training.notices import IGNORED_INFO, LIGHTNING_INFO_LOGGER, silence_lightning_notices


class Recorder(L.Callback):
    def __init__(self):
        self.logging_steps: list[bool] = []
        self.batches_done: list[int] = []

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self.logging_steps.append(is_logging_step(trainer))
        self.batches_done.append(batches_done_this_epoch(trainer))


def fit_boring_model(tmp_path, **trainer_options) -> Recorder:
    recorder = Recorder()
    trainer = L.Trainer(
        default_root_dir=tmp_path,
        callbacks=[recorder],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        **trainer_options,
    )
    trainer.fit(BoringModel())
    return recorder


def test_logging_steps_are_every_nth_step_and_the_same_within_a_step(tmp_path):
    recorder = fit_boring_model(tmp_path, max_steps=6, log_every_n_steps=3)
    assert recorder.logging_steps == [False, False, True, False, False, True]


def test_batches_done_counts_the_batches_fetched_this_epoch(tmp_path):
    # BoringModel's loader has 64 batches: two epochs of 4 steps each with limit_train_batches.
    recorder = fit_boring_model(tmp_path, max_epochs=2, limit_train_batches=4)
    assert recorder.batches_done == [1, 2, 3, 4, 1, 2, 3, 4]


def test_a_failed_jobs_error_is_read_without_raising_it():
    job = JobReturn()
    job.status = JobStatus.FAILED
    error = ValueError("bad value")
    job.return_value = error
    assert failed_job_error(job) is error
    with pytest.raises(ValueError):  # why the public property cannot be used
        _ = job.return_value


def test_the_notices_a_user_cannot_act_on_are_silenced_and_the_rest_kept(tmp_path, caplog):
    silence_lightning_notices()
    caplog.set_level(logging.INFO, logger=LIGHTNING_INFO_LOGGER)
    trainer = L.Trainer(
        default_root_dir=tmp_path,
        callbacks=[RichModelSummary()],
        logger=TensorBoardLogger(tmp_path),
        max_steps=1,
        limit_val_batches=1.0,
        enable_progress_bar=False,
    )
    trainer.fit(BoringModel())
    lines = [record.getMessage() for record in caplog.records]
    assert any("GPU available" in line for line in lines)  # the logger is the one filtered
    for pattern in IGNORED_INFO:
        assert not any(re.search(pattern, line) for line in lines), pattern


@pytest.mark.parametrize(
    ("max_epochs", "shown"), [(-1, "Epoch 6"), (None, "Epoch 6"), (10, "Epoch 6/9")]
)
def test_the_progress_bar_shows_an_epoch_count_only_when_epochs_limit_the_run(
    max_epochs, shown, tmp_path
):
    bar = ProgressBar()
    trainer = L.Trainer(
        default_root_dir=tmp_path, callbacks=[bar], max_epochs=max_epochs, max_steps=100,
        logger=False,
    )  # fmt: skip
    bar.setup(trainer, BoringModel(), "fit")
    assert bar._get_train_description(6).strip() == shown


def test_the_options_of_a_config_group_are_listed(tmp_path):
    from hydra import initialize_config_dir

    from rnnlab.config.compose import CONFIG_DIR
    from rnnlab.core.lightning_internals import config_group_options

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        options = config_group_options("data")
    on_disk = {path.stem for path in (CONFIG_DIR / "data").glob("*.yaml")}
    assert set(options) == on_disk and "wiki_char" in options
