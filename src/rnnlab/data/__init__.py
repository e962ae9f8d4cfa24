"""The DataModules of each task and what they read. The names below are imported on first use
(PEP 562), so a tool that reads a prepared corpus (`rnnlab.data.corpus`) starts without importing
Lightning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlab.lazy import lazy_names

_MODULE_OF = {
    "CharVocab": "vocab",
    "PairTokenizer": "tokenizer",
    "PairsDataModule": "pairs",
    "SeriesDataModule": "series",
    "WikiCharDataModule": "wiki_char",
    "WikiClozeDataModule": "wiki_cloze",
}

__all__ = [
    "CharVocab",
    "PairTokenizer",
    "PairsDataModule",
    "SeriesDataModule",
    "WikiCharDataModule",
    "WikiClozeDataModule",
]

if TYPE_CHECKING:
    from rnnlab.data.pairs import PairsDataModule
    from rnnlab.data.series import SeriesDataModule
    from rnnlab.data.tokenizer import PairTokenizer
    from rnnlab.data.vocab import CharVocab
    from rnnlab.data.wiki_char import WikiCharDataModule
    from rnnlab.data.wiki_cloze import WikiClozeDataModule


__getattr__, __dir__ = lazy_names(__name__, _MODULE_OF)
