from rnnlab.models.char_lm import CharLanguageModel
from rnnlab.models.recurrent import RecurrentLM

__all__ = ["CharLanguageModel", "RecurrentLM"]
