"""Watch cells form while a character model trains: at each validation, the surprise view of a
fixed excerpt of the validation text and the cell that best tracks a property of it, in
TensorBoard's Images tab (the views of `python scripts/inspect.py`, docs/inspect.md)."""

from __future__ import annotations

from typing import Annotated

import lightning as L
import numpy as np

from rnnlab.core.schema import Range
from rnnlab.dashboards.tensorboard import tensorboard_writer
from rnnlab.inspect.analysis import Inspection, inspect_text
from rnnlab.inspect.figures import cell_image, surprise_image
from rnnlab.tasks.char_lm import CharLanguageModel
from rnnlab.tasks.task import require_task

# Long enough for quotes, brackets and a few sentences; short enough to cost a few tens of
# milliseconds a validation and to read at a glance.
ExcerptLength = Annotated[int, Range(ge=2, le=5000)]


def best_of_all(inspection: Inspection):
    """The cell with the largest |r| for any property, whether or not it reaches the threshold:
    how close the model is to tracking something."""
    cells = [found[0] for found in inspection.best.values() if found]
    return max(cells, key=lambda c: abs(c.correlation)) if cells else None


class InspectImages(L.Callback):
    """At each validation (not the sanity check), `inspect/surprise` and `inspect/best_cell`
    images of the first `chars` characters of the validation text.

    Listed in the character models' callbacks (conf/callbacks/char_lm.yaml); another task's
    model is refused in one sentence. Without a validation text or a TensorBoard logger there is
    nothing to draw, and it draws nothing.
    """

    def __init__(self, chars: ExcerptLength = 400):
        self.chars = chars

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        require_task(module, CharLanguageModel, "callbacks.inspect_images")

    def excerpt(self, trainer: L.Trainer, module: CharLanguageModel) -> str | None:
        """The first `chars` characters of the validation split, as the model reads them."""
        splits = getattr(trainer.datamodule, "splits", None) or {}
        ids = splits.get("val")
        if not isinstance(ids, np.ndarray) or len(ids) < 2:
            return None
        return module.vocab.decode(ids[: self.chars].tolist())

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        writer = tensorboard_writer(trainer)
        text = self.excerpt(trainer, module) if writer is not None else None
        if text is None:
            return
        inspection = inspect_text(module.net, module.vocab, text)
        step = trainer.global_step
        surprise = np.asarray(surprise_image(inspection))
        writer.add_image("inspect/surprise", surprise, global_step=step, dataformats="HWC")
        best = best_of_all(inspection)
        if best is None:  # every property is left out of the excerpt (constant...)
            return
        label = f"step {step}, {best.property}: {best.name}, r = {best.correlation:+.2f}"
        if abs(best.correlation) < inspection.needed_correlation:
            label += f" (below {inspection.needed_correlation:.2f}: not tracked yet)"
        image = cell_image(inspection, best.layer, best.state, best.cell, label, None)
        writer.add_image(
            "inspect/best_cell", np.asarray(image), global_step=step, dataformats="HWC"
        )
