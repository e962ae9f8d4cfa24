"""How seq2seq sentences become ids and back: whole words (the lecture's), characters, or BPE
subwords (Hugging Face `tokenizers`).

Every tokenizer reserves ids 0-3 for <PAD>, <START>, <EOS> and <UNK>, and saves itself as one
JSON string, so a checkpoint holds it as plain data (`torch.load(weights_only=True)` loads it)
and a checkpoint alone is enough to chat.
"""

from __future__ import annotations

import json
import os
import re
import typing
import unicodedata
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import ClassVar, Literal

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from rnnlab.core.errors import UserError
from rnnlab.data.tokens import SEQ2SEQ_SPECIALS, UNK
from rnnlab.data.words import tokenize

Kind = Literal["bpe", "char", "word"]
KINDS: tuple[str, ...] = typing.get_args(Kind)

# Pieces per BPE vocabulary when data.vocab_size is null: fewer when the text cannot fill them.
DEFAULT_BPE_VOCAB = 8000

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One spelling for one text: Unicode NFC (an accent typed as one or as two code points
    reads the same), runs of spaces, tabs and line ends as one space, none at the ends."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def ranked(counts: Counter, min_freq: int) -> list[str]:
    """The pieces seen at least `min_freq` times, most frequent first (ties in code-point
    order, so the vocabulary never depends on the order of the text)."""
    kept = [p for p, n in counts.items() if n >= min_freq and p not in SEQ2SEQ_SPECIALS]
    return sorted(kept, key=lambda p: (-counts[p], p))


class PairTokenizer(ABC):
    """Splits a sentence into pieces and joins pieces back into the text a person reads.

    `vocab[i]` is the piece of id i; ids 0-3 are the special tokens.
    """

    kind: ClassVar[Kind]

    def __init__(self, vocab: Sequence[str]):
        if tuple(vocab[: len(SEQ2SEQ_SPECIALS)]) != SEQ2SEQ_SPECIALS:
            raise ValueError(f"a tokenizer's vocabulary starts with {SEQ2SEQ_SPECIALS}")
        self.vocab = list(vocab)
        self.index = {piece: i for i, piece in enumerate(self.vocab)}
        self.pad, self.start, self.eos, self.unk = range(len(SEQ2SEQ_SPECIALS))

    def __len__(self) -> int:
        return len(self.vocab)

    @staticmethod
    def spelling(text: str) -> str:
        """The form of a cleaned text that this kind of tokenizer reads: two texts of one
        spelling are one sentence to the model."""
        return text

    @abstractmethod
    def split(self, text: str) -> list[str]:
        """The pieces of a cleaned text, unknown ones included as they are."""

    @abstractmethod
    def join(self, pieces: list[str]) -> str:
        """The text of a list of pieces."""

    @abstractmethod
    def state(self) -> dict:
        """What rebuilds this tokenizer, as JSON-able data."""

    def encode(self, text: str) -> list[int]:
        """The ids of a sentence, no special tokens; unknown pieces become <UNK>."""
        return [self.index.get(piece, self.unk) for piece in self.split(clean(text))]

    def encode_all(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(text) for text in texts]

    def pieces(self, ids: Iterable[int]) -> list[str]:
        """The pieces of ids up to the first <EOS>, without padding or <START>."""
        out = []
        for i in ids:
            if i == self.eos:
                break
            if i not in (self.pad, self.start):
                out.append(self.vocab[i])
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ids up to the first <EOS> (what chat.py prints)."""
        return self.join(self.pieces(ids))

    def unknown(self, text: str) -> list[str]:
        """The parts of `text` this tokenizer has never seen, each once."""
        return sorted({p for p in self.split(clean(text)) if p not in self.index})

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, **self.state()}, ensure_ascii=False)

    @staticmethod
    def from_json(text: str) -> PairTokenizer:
        """Rebuild a tokenizer saved with `to_json` (a checkpoint's hyperparameter)."""
        try:
            saved = json.loads(text)
            tokenizer = TOKENIZERS[saved.pop("kind")].from_state(saved)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise UserError(
                f"A saved tokenizer cannot be read ({type(err).__name__}: {err}); "
                "give an unmodified checkpoint written by train.py."
            ) from None
        return tokenizer

    @classmethod
    @abstractmethod
    def from_state(cls, state: dict) -> PairTokenizer: ...

    @classmethod
    @abstractmethod
    def train(cls, texts: Sequence[str], vocab_size: int | None, min_freq: int) -> PairTokenizer:
        """Learn the vocabulary of cleaned texts (the training split only)."""


class CountedTokenizer(PairTokenizer):
    """A tokenizer whose vocabulary is every piece the training text splits into at least
    `min_freq` times, most frequent first; it splits without learning anything."""

    @staticmethod
    @abstractmethod
    def split(text: str) -> list[str]: ...

    def state(self) -> dict:
        return {"vocab": self.vocab}

    @classmethod
    def from_state(cls, state: dict) -> CountedTokenizer:
        return cls(state["vocab"])

    @classmethod
    def train(cls, texts: Sequence[str], vocab_size: int | None, min_freq: int) -> PairTokenizer:
        counts = Counter(piece for text in texts for piece in cls.split(text))
        return cls([*SEQ2SEQ_SPECIALS, *ranked(counts, min_freq)])


class WordTokenizer(CountedTokenizer):
    """The lecture's words: lowercased, punctuation dropped; replies are words joined by spaces."""

    kind = "word"

    @staticmethod
    def spelling(text: str) -> str:
        return " ".join(tokenize(text))

    @staticmethod
    def split(text: str) -> list[str]:
        return tokenize(text)

    def join(self, pieces: list[str]) -> str:
        return " ".join(pieces)


class CharTokenizer(CountedTokenizer):
    """Characters, case, accents and punctuation kept; a space is a piece like any other."""

    kind = "char"

    @staticmethod
    def split(text: str) -> list[str]:
        return list(text)

    def join(self, pieces: list[str]) -> str:
        return "".join(pieces)


class BpeTokenizer(PairTokenizer):
    """Byte-pair-encoding subwords over Unicode characters, learned with Hugging Face
    `tokenizers`: each word starts with "▁" (Metaspace), so joining the pieces gives back the
    text with its case, punctuation and spaces. A character the training text never held is
    <UNK>."""

    kind = "bpe"

    def __init__(self, hf_tokenizer):
        self.hf = hf_tokenizer
        by_id = sorted(hf_tokenizer.get_vocab(with_added_tokens=True).items(), key=lambda x: x[1])
        super().__init__([piece for piece, _ in by_id])

    def split(self, text: str) -> list[str]:
        return self.hf.encode(text, add_special_tokens=False).tokens

    def encode(self, text: str) -> list[int]:
        return self.hf.encode(clean(text), add_special_tokens=False).ids

    def encode_all(self, texts: Sequence[str]) -> list[list[int]]:
        cleaned = [clean(text) for text in texts]
        return [e.ids for e in self.hf.encode_batch(cleaned, add_special_tokens=False)]

    def join(self, pieces: list[str]) -> str:
        return self.hf.decoder.decode(pieces).strip()

    def unknown(self, text: str) -> list[str]:
        return sorted({c for c in clean(text) if c != " " and c not in self.index})

    def state(self) -> dict:
        return {"tokenizer": json.loads(self.hf.to_str())}

    @classmethod
    def from_state(cls, state: dict) -> BpeTokenizer:
        return cls(Tokenizer.from_str(json.dumps(state["tokenizer"])))

    @classmethod
    def train(cls, texts: Sequence[str], vocab_size: int | None, min_freq: int) -> BpeTokenizer:
        # Tokenizers warns in each process forked after its threads ran (DataLoader workers,
        # which never tokenize) unless told how to run: threads on, as it would choose.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

        hf = Tokenizer(models.BPE(unk_token=UNK))
        hf.pre_tokenizer = pre_tokenizers.Metaspace()
        hf.decoder = decoders.Metaspace()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size or DEFAULT_BPE_VOCAB,
            min_frequency=min_freq,
            special_tokens=list(SEQ2SEQ_SPECIALS),
            show_progress=False,
        )
        hf.train_from_iterator(texts, trainer, length=len(texts))
        return cls(hf)


TOKENIZERS: dict[str, type[PairTokenizer]] = {
    cls.kind: cls for cls in (BpeTokenizer, CharTokenizer, WordTokenizer)
}


def train_tokenizer(
    kind: Kind, texts: Sequence[str], vocab_size: int | None, min_freq: int, side: str
) -> PairTokenizer:
    """A tokenizer of `kind` learned from cleaned training texts. A BPE vocabulary must hold the
    special tokens and every character of the text, and the text must fill it: a `vocab_size`
    that is too small or too large is a UserError naming the size that fits."""
    tokenizer = TOKENIZERS[kind].train(texts, vocab_size, min_freq)
    if kind != "bpe" or vocab_size is None:
        return tokenizer
    alphabet = set("".join(texts)) - {" "} | {"▁"}  # Metaspace writes each space as "▁"
    needed = len(SEQ2SEQ_SPECIALS) + len(alphabet)
    if vocab_size < needed:
        raise UserError(
            f"data.vocab_size={vocab_size} cannot hold the {len(SEQ2SEQ_SPECIALS)} special "
            f"tokens and the {len(alphabet)} characters of the {side} training text; set it to "
            f"at least {needed}, or use data.tokenizer=char."
        )
    if len(tokenizer) < vocab_size:
        raise UserError(
            f"data.vocab_size={vocab_size} is more than the {len(tokenizer)} pieces the {side} "
            f"training text yields (min_freq={min_freq}); set data.vocab_size to {len(tokenizer)} "
            "or less, or to null for as many as the text yields up to "
            f"{DEFAULT_BPE_VOCAB}."
        )
    return tokenizer
