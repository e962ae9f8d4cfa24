"""Sampled continuations of a prompt while a model trains: in TensorBoard's text tab, and in the
terminal at the steps the lecture compares."""

from __future__ import annotations

from collections.abc import Sequence

import lightning as L
from rich import get_console
from rich.panel import Panel

from rnnlab.core.schema import NonNegative, NonNegativeInt, SampleLength, Seed
from rnnlab.dashboards.loggers import takes_text, write_text
from rnnlab.dashboards.tensorboard import code_block
from rnnlab.tasks.char_lm import CharLanguageModel
from rnnlab.tasks.task import require_task


class TextSamples(L.Callback):
    """Continue `prompt` to `length` characters at the given global steps and after each validation.

    The defaults give the lecture's "100 iterations" vs "2000 iterations" comparison: the samples
    at `at_steps` are also printed in the terminal, above the progress bar, so the model is seen
    learning to spell while it trains.
    """

    def __init__(
        self,
        prompt: str = "The quick br",
        length: SampleLength = 400,
        temperature: NonNegative = 0.8,
        top_k: NonNegativeInt = 0,
        at_steps: Sequence[NonNegativeInt] = (100, 2000),
        every_validation: bool = True,
        seed: Seed = 0,
    ):
        self.prompt, self.length, self.temperature, self.top_k = prompt, length, temperature, top_k
        self.at_steps = set(at_steps)
        self.every_validation = every_validation
        self.seed = seed
        self._last_step = -1

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        require_task(module, CharLanguageModel, "callbacks.text_samples")

    def _write(self, trainer: L.Trainer, module: L.LightningModule, show: bool = False) -> None:
        """Sample once per step, on rank 0: to every logger with a place for text, and to the
        terminal when `show`."""
        logged = takes_text(trainer)
        step = trainer.global_step
        if not trainer.is_global_zero or step == self._last_step or not (logged or show):
            return
        self._last_step = step
        (text,) = module.sample(
            self.prompt, self.length, self.temperature, self.top_k, seed=self.seed
        )
        if logged:
            write_text(trainer, f"samples/{self.prompt}", f"step {step}:\n\n{code_block(text)}")
        if show:  # Rich's console: Lightning's progress bar draws on it and stays below
            get_console().print(Panel(text, title=f"Sample at step {step}", title_align="left"))

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.global_step in self.at_steps:
            self._write(trainer, module, show=True)

    def on_validation_end(self, trainer, module) -> None:
        if self.every_validation and not trainer.sanity_checking:
            self._write(trainer, module)
