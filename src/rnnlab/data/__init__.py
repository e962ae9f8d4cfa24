from rnnlab.data.pairs import PairsDataModule
from rnnlab.data.vocab import CharVocab
from rnnlab.data.wiki_char import WikiCharDataModule
from rnnlab.data.words import WordVocab

__all__ = ["CharVocab", "PairsDataModule", "WikiCharDataModule", "WordVocab"]
