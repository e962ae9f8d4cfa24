"""Optimisers and schedulers from plain Hydra configs (kept as data so checkpoints load with weights_only)."""

from __future__ import annotations

from typing import Any

import hydra
import lightning as L

DEFAULT_OPTIMIZER = {"_target_": "torch.optim.AdamW", "_partial_": True}


def configure_optimizers(module: L.LightningModule, optimizer: dict[str, Any] | None, scheduler: dict[str, Any] | None):
    """What `LightningModule.configure_optimizers` returns; the scheduler steps every training step."""
    built = hydra.utils.instantiate(optimizer or DEFAULT_OPTIMIZER)(module.parameters())
    if not scheduler:
        return built
    return {
        "optimizer": built,
        "lr_scheduler": {"scheduler": hydra.utils.instantiate(scheduler)(built), "interval": "step"},
    }
