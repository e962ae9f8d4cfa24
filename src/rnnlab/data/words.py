"""Word-level text for seq2seq: tokenization, vocabularies with special tokens, and fixed-length
padding."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from rnnlab.tokens import EOS, PAD, SEQ2SEQ_SPECIALS, START

_WORD = re.compile(r"\w+(?:['-]\w+)*")


def tokenize(text: str) -> list[str]:
    """Lowercased words, punctuation dropped:
    'Hello, how are you?' -> ['hello', 'how', 'are', 'you']."""
    return _WORD.findall(text.lower())


class WordVocab:
    """Maps words to ids; ids 0-3 are <PAD>, <START>, <EOS>, <UNK>."""

    def __init__(self, words: Sequence[str]):
        if tuple(words[: len(SEQ2SEQ_SPECIALS)]) != SEQ2SEQ_SPECIALS:
            raise ValueError(f"a WordVocab starts with {SEQ2SEQ_SPECIALS}")
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.pad, self.start, self.eos, self.unk = (self.index[s] for s in SEQ2SEQ_SPECIALS)

    @classmethod
    def build(cls, sentences: Iterable[list[str]], min_freq: int = 1) -> WordVocab:
        counts = Counter(word for sentence in sentences for word in sentence)
        kept = sorted(
            (w for w, n in counts.items() if n >= min_freq and w not in SEQ2SEQ_SPECIALS),
            key=lambda w: (-counts[w], w),
        )
        return cls([*SEQ2SEQ_SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(t, self.unk) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens up to the first <EOS>, without padding or <START>."""
        out = []
        for i in ids:
            if i == self.eos:
                break
            if i not in (self.pad, self.start):
                out.append(self.words[i])
        return out


def pad_to(tokens: list[str], length: int) -> list[str]:
    return tokens[:length] + [PAD] * (length - len(tokens))


def encoder_tokens(source: list[str], length: int | None = None) -> list[str]:
    """source + <EOS>, padded to `length` (the source is cut to fit)."""
    if length is None:
        return [*source, EOS]
    return pad_to([*source[: length - 1], EOS], length)


def decoder_tokens(target: list[str], length: int | None = None) -> tuple[list[str], list[str]]:
    """(decoder input, expected output) as on the lecture's slide, for decoder length `length`:
    input = <START> target <EOS> <PAD>..., output = target <EOS> <PAD>... (the input shifted by
    one)."""
    body = [START, *target[: None if length is None else length - 2], EOS]
    if length is None:
        return body[:-1], body[1:]
    return pad_to(body, length), pad_to(body[1:], length)
