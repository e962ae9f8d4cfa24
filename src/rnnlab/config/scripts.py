"""The settings of the scripts (generate, chat, inspect, fill_blank), declared in a module that
imports neither torch nor Lightning, so a script checks its command line before loading either."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

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
    """conf/generate.yaml: `python scripts/generate.py`."""

    ckpt_path: str
    prompt: str
    length: SampleLength
    temperature: NonNegative
    top_k: NonNegativeInt
    num_samples: SampleCount
    seed: Seed | None
    device: str


@dataclass
class ChatSettings:
    """conf/chat.yaml: `python scripts/chat.py`."""

    ckpt_path: str
    text: str | None
    input_file: str | None
    beam_size: Count | None
    device: str


@dataclass
class InspectSettings:
    """conf/inspect.yaml: `python scripts/inspect.py`."""

    ckpt_path: str
    text: str | None
    input_file: str | None
    split: Literal["train", "val", "test"] | None
    # At most 20,000: the page holds several views of every character, and the forward pass
    # keeps every layer's states and gates at each (about 20 kB a character for 2 x 256 LSTM).
    chars: Annotated[int, Range(ge=2, le=20_000)]
    output_dir: str | None
    min_correlation: Annotated[float, Range(gt=0, le=1)]
    device: str


@dataclass
class FillBlankSettings:
    """conf/fill_blank.yaml: `python scripts/fill_blank.py`."""

    ckpt_path: str
    text: str
    top: Count
    device: str
