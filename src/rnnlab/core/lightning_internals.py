"""Every read of a Lightning or Hydra internal, in one place.

Each function wraps one private attribute that no public API exposes. Each names the release
it was checked against; `tests/test_lightning_internals.py` fails loudly when a release moves
or renames one. No other module of the project touches a private attribute of Lightning or Hydra.
"""

from __future__ import annotations

import lightning as L
from hydra.core.global_hydra import GlobalHydra
from hydra.core.utils import JobReturn
from lightning.pytorch.callbacks import RichProgressBar


def is_logging_step(trainer: L.Trainer) -> bool:
    """Whether the loggers write what is logged during the current training step.

    Lightning's own rule (every `log_every_n_steps` steps, and the last step);
    unlike a test on `global_step`, it reads the same in every hook of one step.
    Checked against Lightning 2.5 and 2.6.
    """
    return trainer._logger_connector.should_update_logs


def batches_done_this_epoch(trainer: L.Trainer) -> int:
    """Batches of the current epoch that the fit loop has already fetched.

    After a restore mid-epoch this is where the loader must continue.
    Checked against Lightning 2.5 and 2.6.
    """
    return trainer.fit_loop.epoch_loop.batch_progress.current.ready


def failed_job_error(job_return: JobReturn) -> BaseException | None:
    """The exception a failed Hydra job raised.

    The public `return_value` re-raises it instead of returning it.
    Checked against hydra-core 1.3.2.
    """
    return job_return._return_value


def config_group_options(group: str) -> list[str]:
    """The options of a config group (`data`: wiki_char, pairs...) on Hydra's search path, as
    `--help` lists them; Hydra must be initialised (a running app, or the compose API).

    Read from GlobalHydra's config loader: no public API lists a group's options.
    Checked against hydra-core 1.3.2.
    """
    return GlobalHydra.instance().config_loader().get_group_options(group)


class ProgressBar(RichProgressBar):
    """Lightning's Rich progress bar, whose training bar reads "Epoch <n>/<max_epochs - 1>":
    "Epoch 6/-2" in a run limited by steps (max_epochs=-1). Here such a run shows "Epoch <n>"
    alone; a run limited by epochs shows the count as Lightning does.

    Overrides `_get_train_description`, the one place the bar builds that text: no public
    setting changes it. Checked against Lightning 2.5 and 2.6.
    """

    def _get_train_description(self, current_epoch: int) -> str:
        description = f"Epoch {current_epoch}"
        max_epochs = self.trainer.max_epochs
        if max_epochs is not None and max_epochs > 0:
            description += f"/{max_epochs - 1}"
        # As Lightning pads it: the bars below it do not shift when the description changes.
        return f"{description:{len(self.validation_description)}}"
