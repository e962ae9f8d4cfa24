"""One module per task, each holding its network (an nn.Module that works without Lightning) and
its task (a TaskModule): char_lm, seq2seq, cloze, forecast. The recurrent backbone they share is in
backbone.py, the task contract in task.py."""

from rnnlab.models.char_lm import CharLanguageModel, RecurrentLM
from rnnlab.models.cloze import ClozeModel, ClozeNet
from rnnlab.models.forecast import ForecastModel, RecurrentRegressor
from rnnlab.models.seq2seq import Seq2SeqModel, Seq2SeqNet
from rnnlab.models.task import TaskModule

__all__ = [
    "CharLanguageModel",
    "ClozeModel",
    "ClozeNet",
    "ForecastModel",
    "RecurrentLM",
    "RecurrentRegressor",
    "Seq2SeqModel",
    "Seq2SeqNet",
    "TaskModule",
]
