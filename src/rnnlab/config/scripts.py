"""The settings of the scripts (generate, chat, inspect, fill_blank), each declared once: its
type, its default and what it means, here. `register_script_settings` hands the defaults to
Hydra as `<script>_settings`, which conf/<script>.yaml lists in its defaults; `check_node` holds
the values to the types. The module imports neither torch nor Lightning, so a script checks its
command line before loading either."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Literal

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from rnnlab.core.schema import (
    Count,
    NonNegative,
    NonNegativeInt,
    Range,
    SampleCount,
    SampleLength,
    Seed,
)


@dataclass
class GenerateSettings:
    """`python scripts/generate.py ckpt_path=<.ckpt>`: continue a prompt with a trained character
    model."""

    ckpt_path: str = MISSING  # a .ckpt written by `python train.py` (checkpoints/last.ckpt...)
    prompt: str = "The quick br"
    length: SampleLength = 400  # characters in all, the prompt included (the lecture's 12 + 388)
    temperature: NonNegative = 0.8  # 0 = greedy; higher = more surprising
    top_k: NonNegativeInt = 0  # sample among the k likeliest characters; 0 = all
    num_samples: SampleCount = 1
    seed: Seed | None = None  # set for a repeatable sample
    device: str = "cpu"  # or cuda


@dataclass
class ChatSettings:
    """`python scripts/chat.py ckpt_path=<.ckpt>`: replies from a seq2seq checkpoint to each
    sentence typed on standard input (or piped in), one reply per line."""

    ckpt_path: str = MISSING  # a .ckpt written by `python train.py model=seq2seq...`
    text: str | None = None  # one sentence given here ...
    input_file: str | None = None  # ... or a file with one sentence per line
    beam_size: Count | None = None  # null: the model's own setting (5); 1 = greedy
    device: str = "cpu"  # or cuda


@dataclass
class InspectSettings:
    """`python scripts/inspect.py ckpt_path=<.ckpt>`: what a character model learned, on one
    page (docs/inspect.md)."""

    ckpt_path: str = MISSING  # a .ckpt of a character model, written by `python train.py`
    text: str | None = None  # the text to read ...
    input_file: str | None = None  # ... or a UTF-8 text file ...
    # ... or a split of the run's corpus (none of the three given: val).
    split: Literal["train", "val", "test"] | None = None
    # Read at most this many characters (a longer text is cut, with a note). At most 20,000: the
    # page holds several views of every character, and the forward pass keeps every layer's
    # states and gates at each (about 20 kB a character for 2 x 256 LSTM).
    chars: Annotated[int, Range(ge=2, le=20_000)] = 2000
    output_dir: str | None = None  # null: <run>/inspect/ for a checkpoint in <run>/checkpoints/
    # A cell is reported for a property from this |r| (and beyond chance: 5/sqrt(chars)).
    min_correlation: Annotated[float, Range(gt=0, le=1)] = 0.3
    device: str = "cpu"  # or cuda


@dataclass
class FillBlankSettings:
    """`python scripts/fill_blank.py ckpt_path=<.ckpt> text="I am ___ hungry at all."`: the
    likeliest words for the blank."""

    ckpt_path: str = MISSING  # a .ckpt written by `python train.py model=birnn_cloze`
    text: str = MISSING  # a sentence with exactly one blank, written ___
    top: Count = 5  # how many candidates to print
    device: str = "cpu"  # or cuda


SCRIPT_SETTINGS = {
    "generate": GenerateSettings,
    "chat": ChatSettings,
    "inspect": InspectSettings,
    "fill_blank": FillBlankSettings,
}


def register_script_settings() -> None:
    """Store each script's defaults in Hydra's ConfigStore as `<script>_settings`, as plain
    values: the types stay here, for `check_node`, because OmegaConf's structured configs take
    neither `Literal` nor ranges."""
    store = ConfigStore.instance()
    for script, settings in SCRIPT_SETTINGS.items():
        defaults = {field.name: field.default for field in dataclasses.fields(settings)}
        store.store(name=f"{script}_settings", node=defaults)
