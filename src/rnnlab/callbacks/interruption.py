"""A checkpoint when training stops early: Ctrl-C, SIGTERM (e.g. a cluster's pre-emption)
or a crash."""

from __future__ import annotations

import lightning as L
from lightning.pytorch.callbacks import OnExceptionCheckpoint

from rnnlab.core.errors import NonFiniteLoss, user_error_in


class InterruptionCheckpoint(OnExceptionCheckpoint):
    """Lightning's OnExceptionCheckpoint writing `<dirpath>/interrupted.ckpt`,
    which `resume=auto` and `ckpt_path=last` continue from (Lightning removes it once a later run
    of the same directory ends well).

    Nothing is written before the first step, nor after a non-finite loss: those weights are
    not worth resuming.
    """

    def __init__(self, dirpath: str):
        super().__init__(dirpath=dirpath, filename="interrupted")

    def on_exception(
        self, trainer: L.Trainer, module: L.LightningModule, exception: BaseException
    ) -> None:
        if trainer.global_step == 0 or isinstance(user_error_in(exception), NonFiniteLoss):
            return
        super().on_exception(trainer, module, exception)
