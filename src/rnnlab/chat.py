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
from rnnlab.data.words import tokenize
from rnnlab.errors import UserError
from rnnlab.models.seq2seq import Seq2SeqModel


def read_inputs(text: str | None, input_file: str | None) -> list[str]:
    if (text is None) == (input_file is None):
        raise UserError(
            'Give exactly one of text="..." or input_file=<path with one sentence per line>.'
        )
    if text is not None:
        return [str(text)]
    path = Path(input_file)
    if not path.is_file():
        raise UserError(
            f"The input file {path} does not exist; give a text file with one sentence per line."
        )
    try:
        lines = [
            line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text; convert it with iconv first.") from None
    if not lines:
        raise UserError(f"The input file {path} has no sentences; give one per line.")
    return lines


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="chat")
@report_user_errors
def main(cfg: DictConfig) -> None:
    if cfg.beam_size is not None and (not isinstance(cfg.beam_size, int) or cfg.beam_size < 1):
        raise UserError(
            f"beam_size={cfg.beam_size!r} must be a positive whole number (1 = greedy), or null."
        )
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
