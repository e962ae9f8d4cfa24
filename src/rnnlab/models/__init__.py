from rnnlab.models.char_lm import CharLanguageModel
from rnnlab.models.cloze import ClozeModel, ClozeNet
from rnnlab.models.forecast import ForecastModel, RecurrentRegressor
from rnnlab.models.recurrent import RecurrentLM
from rnnlab.models.seq2seq import Seq2SeqNet
from rnnlab.models.seq2seq_task import Seq2SeqModel

__all__ = [
    "CharLanguageModel",
    "ClozeModel",
    "ClozeNet",
    "ForecastModel",
    "RecurrentLM",
    "RecurrentRegressor",
    "Seq2SeqModel",
    "Seq2SeqNet",
]
