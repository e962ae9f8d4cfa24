"""LightningDataModule for filling in the blank: Wikipedia sentences with one word hidden."""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import torch
from torch.utils.data import Dataset, TensorDataset

from rnnlab.core.errors import UserError, require_split_fractions
from rnnlab.core.schema import Count, Fraction, NonNegativeInt
from rnnlab.data.base import TextCorpusDataModule
from rnnlab.data.splits import split_by_position
from rnnlab.data.tokens import BLANK, CLOZE_SPECIALS, UNK
from rnnlab.data.words import tokenize

log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`: cut after ".", "!" or "?" and white space, and at every line end."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def sentences_of(lines: Iterable[str], min_words: int, max_words: int) -> list[list[str]]:
    """The tokenized sentences of `min_words` to `max_words` words, in order. Sentences never
    cross a line end, so the text can be read one line at a time."""
    sentences = (tokenize(s) for line in lines for s in split_sentences(line))
    return [s for s in sentences if min_words <= len(s) <= max_words]


def build_vocab(sentences: list[list[str]], size: int) -> list[str]:
    """The `size` most frequent words (ties by spelling) after the special tokens."""
    counts = Counter(w for sentence in sentences for w in sentence)
    return [*CLOZE_SPECIALS, *sorted(counts, key=lambda w: (-counts[w], w))[:size]]


def make_examples(
    sentences: list[list[str]], index: dict[str, int], seed: int, skip_oov_answers: bool
) -> tuple[list[list[int]], list[int], list[int], int]:
    """Hide one seeded random word per sentence
    -> (token ids with <BLANK>, blank positions, answers, number skipped).

    An answer outside the vocabulary is skipped (`skip_oov_answers`) or kept with the <UNK> class.
    """
    rng = random.Random(seed)
    unk, blank = index[UNK], index[BLANK]
    tokens, positions, answers, skipped = [], [], [], 0
    for sentence in sentences:
        position = rng.randrange(len(sentence))
        answer = index.get(sentence[position], unk)
        if answer == unk and skip_oov_answers:
            skipped += 1
            continue
        ids = [index.get(w, unk) for w in sentence]
        ids[position] = blank
        tokens.append(ids)
        positions.append(position)
        answers.append(answer)
    return tokens, positions, answers, skipped


class RandomBlanks(Dataset):
    """Training sentences that get a fresh blank at every visit, so each epoch asks about other
    words.

    `__getitem__` takes a batch of indices and returns (tokens, lengths, blank positions, answers).
    """

    def __init__(
        self, tokens: torch.Tensor, lengths: torch.Tensor, answerable: torch.Tensor, blank_id: int
    ):
        keep = answerable.any(dim=1)
        self.tokens, self.lengths, self.answerable, self.blank_id = (
            tokens[keep],
            lengths[keep],
            answerable[keep],
            blank_id,
        )

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, indices: list[int]) -> tuple[torch.Tensor, ...]:
        index = torch.as_tensor(indices)
        tokens = self.tokens[index].clone()
        blank = torch.multinomial(self.answerable[index].float(), 1).squeeze(1)
        rows = torch.arange(len(index))
        answer = tokens[rows, blank].clone()
        tokens[rows, blank] = self.blank_id
        return tokens, self.lengths[index], blank, answer


class WikiClozeDataModule(TextCorpusDataModule):
    """Sentences of the prepared Wikipedia corpus (same sources and cache as `wiki_char`), one word
    blanked: a fresh random word at each visit in training, a seeded fixed word in val and test.

    Batches: (tokens (batch, max_words) with <PAD>=0, lengths (batch,), blank positions (batch,),
    answers (batch,)).
    `source`: the text-source options of `TextCorpusDataModule` (data_dir, path, hub, max_chars...).
    """

    task = "cloze"

    def __init__(
        self,
        vocab_size: Count = 10000,
        min_words: Count = 5,
        max_words: Count = 40,
        skip_oov_answers: bool = True,
        val_fraction: Fraction = 0.05,
        test_fraction: Fraction = 0.05,
        seed: int = 0,
        batch_size: Count = 64,
        num_workers: NonNegativeInt = 0,
        **source: Any,
    ):
        super().__init__(batch_size, num_workers, **source)
        require_split_fractions(val_fraction, test_fraction)
        if min_words > max_words:
            raise UserError(
                f"data.min_words={min_words} must not exceed data.max_words={max_words}."
            )

    def load_splits(self) -> dict[str, Dataset]:
        hp = self.hparams
        lines = self.open_prepared().text_lines()
        sentences = sentences_of(lines, hp.min_words, hp.max_words)
        parts = split_by_position(sentences, hp.val_fraction, hp.test_fraction)
        if not all(parts.values()):
            raise UserError(
                f"The corpus has {len(sentences)} sentences of {hp.min_words}-{hp.max_words} "
                "words, too few to split; use more text or widen data.min_words/data.max_words."
            )
        self.words = build_vocab(parts["train"], hp.vocab_size)
        index = {w: i for i, w in enumerate(self.words)}
        splits: dict[str, Dataset] = {"train": self._random_blanks(parts.pop("train"), index)}
        for offset, (name, part) in enumerate(parts.items(), 1):
            seed = hp.seed + offset
            tokens, positions, answers, skipped = make_examples(
                part, index, seed, hp.skip_oov_answers
            )
            if skipped:
                log.info(
                    "%s: skipped %d of %d sentences whose blanked word is out of the vocabulary",
                    name,
                    skipped,
                    len(part),
                )
            if not tokens:
                raise UserError(f"The {name} split has no examples; use more text.")
            padded = torch.zeros(len(tokens), hp.max_words, dtype=torch.long)
            for row, ids in enumerate(tokens):
                padded[row, : len(ids)] = torch.tensor(ids)
            lengths = torch.tensor([len(t) for t in tokens])
            splits[name] = TensorDataset(
                padded, lengths, torch.tensor(positions), torch.tensor(answers)
            )
        return splits

    def _random_blanks(self, sentences: list[list[str]], index: dict[str, int]) -> RandomBlanks:
        hp = self.hparams
        unk = index[UNK]
        tokens = torch.zeros(len(sentences), hp.max_words, dtype=torch.long)
        for row, sentence in enumerate(sentences):
            tokens[row, : len(sentence)] = torch.tensor([index.get(w, unk) for w in sentence])
        lengths = torch.tensor([len(s) for s in sentences])
        answerable = torch.arange(hp.max_words)[None, :] < lengths[:, None]
        if hp.skip_oov_answers:
            answerable &= tokens != unk
        data = RandomBlanks(tokens, lengths, answerable, index[BLANK])
        if len(data) < hp.batch_size:
            raise UserError(
                f"The train split has {len(data)} examples, fewer than one batch; use more text."
            )
        return data

    def model_hparams(self) -> dict[str, list[str]]:
        """The word vocabulary: special tokens, then the most frequent training words."""
        self.require_setup()
        return {"vocab": self.words}
