"""Character vocabulary: index <-> character, with rare characters folded into one unknown
symbol."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from rnnlab.core.errors import UserError

UNKNOWN = "\ufffd"  # the replacement character: what a reader expects for "some other symbol"


class CharVocab:
    """Maps characters to ids; id 0 is `UNKNOWN`, which stands for every character left out."""

    def __init__(self, chars: Sequence[str]):
        if not chars or chars[0] != UNKNOWN:
            raise ValueError("a CharVocab's first symbol must be the unknown symbol")
        self.chars = list(chars)
        self.index = {c: i for i, c in enumerate(self.chars)}
        # Lookup table from code point to id, so encoding is one vectorised gather; its last entry
        # (0, unknown) stands for every code point above the highest known one.
        self._table = np.zeros(max(ord(c) for c in self.chars) + 2, dtype=np.int64)
        for i, c in enumerate(self.chars):
            self._table[ord(c)] = i

    @classmethod
    def from_counts(cls, counts: Counter, min_count: int) -> CharVocab:
        """Keep characters seen at least `min_count` times, most frequent first (ties by code
        point, so the order never depends on how the text was split up while counting)."""
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = [c for c, n in ranked if n >= min_count and c != UNKNOWN]
        return cls([UNKNOWN, *kept])

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Return the ids of `text`, shape (len(text),); unknown characters map to id 0."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        return self._table[np.minimum(points, len(self._table) - 1)]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def check_known(self, text: str, what: str = "text") -> None:
        """Raise a UserError naming the characters of `text` this vocabulary does not hold."""
        unknown = sorted({c for c in text if c not in self.index or c == UNKNOWN})
        if unknown:
            shown = ", ".join(repr(c) for c in unknown)
            raise UserError(
                f"The {what} holds characters the model never saw in training ({shown}); "
                "remove or replace them."
            )
