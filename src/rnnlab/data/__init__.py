from rnnlab.data.pairs import PairsDataModule
from rnnlab.data.series import SeriesDataModule
from rnnlab.data.tokenizer import PairTokenizer
from rnnlab.data.vocab import CharVocab
from rnnlab.data.wiki_char import WikiCharDataModule
from rnnlab.data.wiki_cloze import WikiClozeDataModule

__all__ = [
    "CharVocab",
    "PairTokenizer",
    "PairsDataModule",
    "SeriesDataModule",
    "WikiCharDataModule",
    "WikiClozeDataModule",
]
