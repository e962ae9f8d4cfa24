from rnnlab.data.pairs import PairsDataModule
from rnnlab.data.series import SeriesDataModule
from rnnlab.data.vocab import CharVocab
from rnnlab.data.wiki_char import WikiCharDataModule
from rnnlab.data.wiki_cloze import WikiClozeDataModule
from rnnlab.data.words import WordVocab

__all__ = [
    "CharVocab",
    "PairsDataModule",
    "SeriesDataModule",
    "WikiCharDataModule",
    "WikiClozeDataModule",
    "WordVocab",
]
