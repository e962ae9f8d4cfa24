"""Write sampled continuations of a prompt to TensorBoard's text tab while a model trains."""

from __future__ import annotations

from collections.abc import Sequence

import lightning as L

from rnnlab.dashboard import code_block, tensorboard_writer
from rnnlab.models.char_lm import CharLanguageModel
from rnnlab.models.task import require_task
from rnnlab.schema import NonNegative, NonNegativeInt, SampleLength


class TextSamples(L.Callback):
    """Continue `prompt` to `length` characters at the given global steps and after each validation.

    The defaults give the lecture's "100 iterations" vs "2000 iterations" comparison.
    """

    def __init__(
        self,
        prompt: str = "The quick br",
        length: SampleLength = 400,
        temperature: NonNegative = 0.8,
        top_k: NonNegativeInt = 0,
        at_steps: Sequence[NonNegativeInt] = (100, 2000),
        every_validation: bool = True,
        seed: int = 0,
    ):
        self.prompt, self.length, self.temperature, self.top_k = prompt, length, temperature, top_k
        self.at_steps = set(at_steps)
        self.every_validation = every_validation
        self.seed = seed
        self._last_step = -1

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        require_task(module, CharLanguageModel, "callbacks.text_samples")

    def _write(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        writer = tensorboard_writer(trainer)
        step = trainer.global_step
        if writer is None or step == self._last_step:  # no writer on ranks other than 0
            return
        self._last_step = step
        (text,) = module.sample(
            self.prompt, self.length, self.temperature, self.top_k, seed=self.seed
        )
        writer.add_text(
            f"samples/{self.prompt}", f"step {step}:\n\n{code_block(text)}", global_step=step
        )

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.global_step in self.at_steps:
            self._write(trainer, module)

    def on_validation_end(self, trainer, module) -> None:
        if self.every_validation and not trainer.sanity_checking:
            self._write(trainer, module)
