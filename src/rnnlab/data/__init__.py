from rnnlab.data.vocab import CharVocab
from rnnlab.data.wiki_char import WikiCharDataModule

__all__ = ["CharVocab", "WikiCharDataModule"]
