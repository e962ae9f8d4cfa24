"""How far back a loss reaches: the size of d loss_T / d x_(T-k) against the distance k,
i.e. vanishing gradients.

Weight-gradient norms mix every time step together (and Adam rescales them); this view
separates them: the loss at the last character of a window is backpropagated to the recurrent
layer's input at every earlier position. A vanilla RNN's curve falls off exponentially with k;
an LSTM's stays up much longer.
"""

from __future__ import annotations

import lightning as L
import torch
import torch.nn.functional as F

from rnnlab.core.lightning_internals import is_logging_step
from rnnlab.core.schema import Count
from rnnlab.dashboards.figures import decay_figure
from rnnlab.dashboards.tensorboard import tensorboard_writer
from rnnlab.tasks.char_lm import CharLanguageModel
from rnnlab.tasks.task import require_task


def distances(window: int) -> list[int]:
    """0 and the powers of two below `window`: the distances logged as scalars."""
    return [0] + [2**i for i in range(window.bit_length()) if 2**i < window]


def gradient_by_distance(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(window,) mean over rows of |d loss_T / d x_(T-k)| for k = 0..window-1,
    from a zero initial state."""
    with torch.enable_grad():
        inputs = net.embedding(x).detach().requires_grad_(True)
        out, _ = net.rnn(inputs)
        # Summed over rows: each row's gradient is its own loss's, since rows do not interact.
        loss = F.cross_entropy(net.head(out[:, -1]).float(), y[:, -1], reduction="sum")
        (grad,) = torch.autograd.grad(loss, inputs)
    return grad.float().norm(dim=-1).mean(0).flip(0)


class GradientThroughTime(L.Callback):
    """At logging steps, on the first `rows` windows of the batch,
    log `grad_through_time/distance_<k>`; at each validation, plot the curves so far (log scale)
    to TensorBoard's Images tab. Character models only."""

    def __init__(self, rows: Count = 8):
        self.rows = rows
        self.curves: list[tuple[int, list[float]]] = []
        self._batch = None

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        require_task(module, CharLanguageModel, "callbacks.grad_through_time")

    def on_train_batch_start(
        self, trainer: L.Trainer, module: L.LightningModule, batch, batch_idx: int
    ) -> None:
        self._batch = batch if is_logging_step(trainer) else None

    def on_before_optimizer_step(
        self, trainer: L.Trainer, module: L.LightningModule, optimizer
    ) -> None:
        # After the backward pass and before the update: the weights that produced this step's
        # gradients. autograd.grad with the inputs alone leaves the parameters' .grad untouched.
        if self._batch is None:
            return
        x, y = (t[: self.rows] for t in self._batch)
        curve = gradient_by_distance(module.net, x, y)
        self.curves.append((trainer.global_step, curve.tolist()))
        scalars = {f"grad_through_time/distance_{k:03d}": curve[k] for k in distances(len(curve))}
        module.log_dict(scalars, on_step=True, on_epoch=False)

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        writer = tensorboard_writer(trainer)
        if writer is not None and self.curves and not trainer.sanity_checking:
            writer.add_figure(
                "grad_through_time", decay_figure(self.curves), global_step=trainer.global_step
            )
