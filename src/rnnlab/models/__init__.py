"""One module per task, each holding its network (an nn.Module that works without Lightning) and
its task (a TaskModule): char_lm, seq2seq, cloze, forecast. The recurrent backbone they share is in
backbone.py, the task contract in task.py; the character model's network is in recurrent_lm.py.

The names below are imported on first use (PEP 562), so a tool that needs only a network
(`rnnlab.models.recurrent_lm`) starts without importing Lightning and torchmetrics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlab.lazy import lazy_names

_MODULE_OF = {
    "CharLanguageModel": "char_lm",
    "RecurrentLM": "recurrent_lm",
    "ClozeModel": "cloze",
    "ClozeNet": "cloze",
    "ForecastModel": "forecast",
    "RecurrentRegressor": "forecast",
    "Seq2SeqModel": "seq2seq",
    "Seq2SeqNet": "seq2seq",
    "TaskModule": "task",
}

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

if TYPE_CHECKING:
    from rnnlab.models.char_lm import CharLanguageModel
    from rnnlab.models.cloze import ClozeModel, ClozeNet
    from rnnlab.models.forecast import ForecastModel, RecurrentRegressor
    from rnnlab.models.recurrent_lm import RecurrentLM
    from rnnlab.models.seq2seq import Seq2SeqModel, Seq2SeqNet
    from rnnlab.models.task import TaskModule


__getattr__, __dir__ = lazy_names(__name__, _MODULE_OF)
