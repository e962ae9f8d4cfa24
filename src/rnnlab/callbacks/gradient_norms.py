"""Per-layer gradient norms before clipping: the dashboard view of vanishing
and exploding gradients."""

from __future__ import annotations

import re

import lightning as L
import torch

from rnnlab.core.lightning_internals import is_logging_step

# nn.RNN/LSTM/GRU name their parameters weight_ih_l0, bias_hh_l1_reverse, ...: group them by layer.
_RECURRENT = re.compile(
    r"^(?P<module>.+)\.(weight|bias)_(ih|hh)_l(?P<layer>\d+)(?P<reverse>_reverse)?$"
)


def layer_of(parameter_name: str) -> str:
    """`net.rnn.weight_hh_l1` -> `rnn.layer1`; `net.head.weight` -> `head`."""
    name = parameter_name.removeprefix("net.")
    match = _RECURRENT.match(name)
    if match:
        return f"{match['module']}.layer{match['layer']}{match['reverse'] or ''}"
    return name.rsplit(".", 1)[0] if "." in name else name


class GradientNorms(L.Callback):
    """Log `grad_norm/<layer>` (L2 over the layer's parameters) and `grad_norm/total`
    at logging steps.

    Measured before gradient clipping, so exploding gradients show their real size.
    """

    def on_before_optimizer_step(
        self, trainer: L.Trainer, module: L.LightningModule, optimizer
    ) -> None:
        if not is_logging_step(trainer):
            return
        squares: dict[str, torch.Tensor] = {}
        for name, parameter in module.named_parameters():
            if parameter.grad is not None:
                square = parameter.grad.detach().float().pow(2).sum()
                layer = layer_of(name)
                squares[layer] = squares[layer] + square if layer in squares else square
        if not squares:
            return
        norms = {f"grad_norm/{layer}": square.sqrt() for layer, square in squares.items()}
        norms["grad_norm/total"] = torch.stack(list(squares.values())).sum().sqrt()
        module.log_dict(norms, on_step=True, on_epoch=False)
