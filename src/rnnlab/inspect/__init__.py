"""See what a character model learned: the bits it spends on each character of a text, the cells
of its state that track simple properties of the text, and how saturated its gates are.

`inspect_checkpoint` is what `python scripts/inspect.py` (`rnnlab-inspect`) runs; the parts are
`activations` (the forward pass that keeps every state and gate), `properties` (text properties
and the cells that track them), `analysis` (one text through one model), `figures` and `page`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnlab.data.text.vocab import CharVocab
from rnnlab.inspect.analysis import Inspection, inspect_text, strongest_cell
from rnnlab.inspect.properties import MIN_CORRELATION
from rnnlab.inspect.report import require_writable, summary, write_inspection
from rnnlab.inspect.texts import Text, choose_text, run_directory
from rnnlab.nets.char_lm import char_network
from rnnlab.nets.checkpoints import load_network

__all__ = [
    "InspectedCheckpoint",
    "Inspection",
    "default_output_dir",
    "inspect_checkpoint",
    "inspect_text",
    "strongest_cell",
    "summary",
]


@dataclass
class InspectedCheckpoint:
    inspection: Inspection
    text: Text
    notes: list[str]
    written: dict[str, Path]


def default_output_dir(ckpt_path: Path) -> Path:
    """`<run>/inspect/` for a checkpoint in a run's checkpoints/ folder, else `inspect/` beside
    it."""
    run = run_directory(ckpt_path)
    return (run if run is not None else ckpt_path.resolve().parent) / "inspect"


def _model_words(hparams: dict) -> str:
    layers = f"{hparams['num_layers']}-layer " if hparams["num_layers"] > 1 else ""
    return f"{layers}{hparams['cell'].upper()}, {hparams['hidden_size']} units per layer"


def inspect_checkpoint(
    ckpt_path: str | Path,
    text: str | None = None,
    input_file: str | None = None,
    split: str | None = None,
    chars: int = 2000,
    output_dir: str | Path | None = None,
    min_correlation: float = MIN_CORRELATION,
    device: str = "cpu",
) -> InspectedCheckpoint:
    """Inspect a character-model checkpoint on a text and write the page and figures.

    Every user mistake (another task's checkpoint, an empty text, an unwritable output) raises a
    UserError before anything is written.
    """
    ckpt_path = Path(ckpt_path)
    network, hparams = load_network(ckpt_path, "char_lm", char_network, device)
    chosen = choose_text(ckpt_path, text, input_file, split, chars)
    directory = Path(output_dir) if output_dir is not None else default_output_dir(ckpt_path)
    require_writable(directory)
    inspection = inspect_text(network, CharVocab(hparams["vocab"]), chosen.text, min_correlation)
    notes = list(chosen.notes)
    if inspection.unknown:
        shown = " ".join(repr(c) for c in inspection.unknown[:12])
        more = f" and {len(inspection.unknown) - 12} more" if len(inspection.unknown) > 12 else ""
        notes.append(
            f"{len(inspection.unknown)} distinct characters the model never saw ({shown}{more}) "
            "are read as its unknown symbol and marked with a dashed outline."
        )
    description = [
        f"model: {_model_words(hparams)}; checkpoint {ckpt_path}",
        f"text: {len(chosen.text):,} characters of {chosen.source}, read once from a zero state",
    ]
    written = write_inspection(
        inspection, directory, f"What {ckpt_path.name} learned", description, notes
    )
    return InspectedCheckpoint(inspection, chosen, notes, written)
