"""What runs write to TensorBoard beyond scalars: readable text, example tables
and the embedding projector."""

from __future__ import annotations

from collections.abc import Sequence

import lightning as L
import torch
from lightning.pytorch.loggers import TensorBoardLogger

# How the projector labels characters that would be invisible or break
# its tab-separated metadata file.
_VISIBLE = {" ": "␣", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def tensorboard_writer(trainer: L.Trainer | None):
    """The SummaryWriter of the run's TensorBoard logger, or None when there is none
    (or not on rank 0)."""
    if trainer is None or not trainer.is_global_zero:
        return None
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            return logger.experiment
    return None


def code_block(text: str) -> str:
    """Text as a fenced Markdown code block, so TensorBoard keeps its line breaks and spacing."""
    return f"```\n{text}\n```"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *(line(row) for row in rows)])


def projector_label(token: str) -> str:
    return "".join(_VISIBLE.get(c, c) for c in token) or "(empty)"


def write_embeddings(
    trainer: L.Trainer, embeddings: dict[str, tuple[torch.Tensor, Sequence[str]]]
) -> None:
    """Embedding tables (tag -> (weight, the token of each row)), labelled by their tokens, for
    the Projector tab."""
    writer = tensorboard_writer(trainer)
    if writer is None:
        return
    for tag, (weight, tokens) in embeddings.items():
        labels = [projector_label(t) for t in tokens]
        writer.add_embedding(
            weight.detach().float().cpu(), metadata=labels, tag=tag, global_step=trainer.global_step
        )
    writer.flush()


def parameter_count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
