"""Reply to (or translate) sentences with a trained seq2seq checkpoint.

python scripts/chat.py ckpt_path=<.ckpt> text="'hello, how are you'"
python scripts/chat.py ckpt_path=<.ckpt> input_file=questions.txt beam_size=5
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from rnnlab.checkpoints import load_task_model
from rnnlab.cli import CONFIG_DIR, report_user_errors
from rnnlab.data.sources import open_text, require_file
from rnnlab.data.words import tokenize
from rnnlab.errors import UserError
from rnnlab.models.seq2seq import Seq2SeqModel
from rnnlab.schema import check_node
from rnnlab.settings import ChatSettings


def read_inputs(text: str | None, input_file: str | None) -> list[str]:
    if (text is None) == (input_file is None):
        raise UserError(
            'Give exactly one of text="..." or input_file=<path with one sentence per line>.'
        )
    if text is not None:
        return [str(text)]
    # Read as every input file is: compressed or not, BOM dropped, any line ends.
    path = Path(input_file).expanduser()
    require_file(path, "The input file", "give a text file with one sentence per line")
    with open_text(path) as stream:
        lines = [line.strip() for line in stream if line.strip()]
    if not lines:
        raise UserError(f"The input file {path} has no sentences; give one per line.")
    return lines


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="chat")
@report_user_errors
def main(cfg: DictConfig) -> None:
    check_node("", cfg, ChatSettings)
    model: Seq2SeqModel = load_task_model(cfg.ckpt_path, Seq2SeqModel, cfg.device)
    inputs = read_inputs(cfg.text, cfg.input_file)
    for sentence in inputs:
        words = tokenize(sentence)
        if words and all(w not in model.source_vocab.index for w in words):
            print(
                f"warning: no word of {sentence!r} is in the model's vocabulary; "
                "the reply is a guess.",
                file=sys.stderr,
            )
    for reply in model.reply(inputs, beam_size=cfg.beam_size):
        print(reply)


if __name__ == "__main__":
    main()
