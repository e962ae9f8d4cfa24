"""The lecture's words and its padding: lowercase words, and a sentence laid out for the encoder
and the decoder with <EOS>, <START> and <PAD> (the markers may be token strings or their ids)."""

from __future__ import annotations

import re
from typing import TypeVar

from rnnlab.data.tokens import EOS, PAD, START

T = TypeVar("T")  # a token string, or a token id

_WORD = re.compile(r"\w+(?:['-]\w+)*")


def tokenize(text: str) -> list[str]:
    """Lowercased words, punctuation dropped:
    'Hello, how are you?' -> ['hello', 'how', 'are', 'you']."""
    return _WORD.findall(text.lower())


def pad_to(tokens: list[T], length: int, pad: T = PAD) -> list[T]:
    return tokens[:length] + [pad] * (length - len(tokens))


def encoder_tokens(
    source: list[T], length: int | None = None, eos: T = EOS, pad: T = PAD
) -> list[T]:
    """source + <EOS>, padded to `length` (the source is cut to fit)."""
    if length is None:
        return [*source, eos]
    return pad_to([*source[: length - 1], eos], length, pad)


def decoder_tokens(
    target: list[T], length: int | None = None, start: T = START, eos: T = EOS, pad: T = PAD
) -> tuple[list[T], list[T]]:
    """(decoder input, expected output) as on the lecture's slide, for decoder length `length`:
    input = <START> target <EOS> <PAD>..., output = target <EOS> <PAD>... (the input shifted by
    one)."""
    body = [start, *target[: None if length is None else length - 2], eos]
    if length is None:
        return body[:-1], body[1:]
    return pad_to(body, length, pad), pad_to(body[1:], length, pad)
