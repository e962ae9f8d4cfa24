"""Reply to (or translate) sentences with a trained seq2seq checkpoint.

python scripts/chat.py ckpt_path=<.ckpt>                       # sentences from standard input
python scripts/chat.py ckpt_path=<.ckpt> text="'hello, how are you'"
python scripts/chat.py ckpt_path=<.ckpt> input_file=questions.txt beam_size=5
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import hydra
from omegaconf import DictConfig

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.scripts import ChatSettings, register_script_settings
from rnnlab.core.errors import UserError, report_user_errors
from rnnlab.core.schema import check_node
from rnnlab.data.files import open_text, require_file
from rnnlab.nets.checkpoints import load_task_model
from rnnlab.tasks.seq2seq import Seq2SeqModel

PROMPT = "> "
EMPTY_REPLY = "(empty reply)"  # what a reply of no tokens is shown as, rather than a blank line


def read_inputs(text: str | None, input_file: str | None) -> list[str]:
    """The sentences of `text=` or `input_file=` (not both); [] when neither is given."""
    if text is not None and input_file is not None:
        raise UserError(
            'Give one of text="..." or input_file=<path with one sentence per line>, not both '
            "(or neither, to type sentences on standard input)."
        )
    if text is not None:
        return [str(text)]
    if input_file is None:
        return []
    # Read as every input file is: compressed or not, BOM dropped, any line ends.
    path = Path(input_file).expanduser()
    require_file(path, "The input file", "give a text file with one sentence per line")
    with open_text(path) as stream:
        lines = [line.strip() for line in stream if line.strip()]
    if not lines:
        raise UserError(f"The input file {path} has no sentences; give one per line.")
    return lines


def typed_sentences(stream: TextIO, interactive: bool) -> Iterator[str]:
    """Sentences from standard input, one per line, as they come; at a terminal each is asked
    for with a prompt. Ends at end of input (Ctrl-D) or Ctrl-C."""
    while True:
        if interactive:
            print(PROMPT, end="", flush=True, file=sys.stderr)
        try:
            line = stream.readline()
        except KeyboardInterrupt:
            return
        if not line:
            return
        if line.strip():
            yield line.strip()


def warn_unknown(model: Seq2SeqModel, sentence: str) -> None:
    """Say which parts of a sentence the model never saw: they reach it as <UNK>."""
    unknown = model.source_tokenizer.unknown(sentence)
    if unknown:
        shown = ", ".join(repr(part) for part in unknown)
        print(
            f"note: the model never saw {shown} in {sentence!r}; it reads them as <UNK>.",
            file=sys.stderr,
        )


def shown(reply: str) -> str:
    return reply if reply else EMPTY_REPLY


# At import, before Hydra composes conf/chat.yaml, which lists them.
register_script_settings()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="chat")
@report_user_errors
def main(cfg: DictConfig) -> None:
    check_node("", cfg, ChatSettings)
    inputs = read_inputs(cfg.text, cfg.input_file)
    model: Seq2SeqModel = load_task_model(cfg.ckpt_path, Seq2SeqModel, cfg.device)
    if inputs:  # one batch: every reply at once
        for sentence in inputs:
            warn_unknown(model, sentence)
        for reply in model.reply(inputs, beam_size=cfg.beam_size):
            print(shown(reply))
        return
    for sentence in typed_sentences(sys.stdin, sys.stdin.isatty()):
        warn_unknown(model, sentence)
        try:
            (reply,) = model.reply([sentence], beam_size=cfg.beam_size)
        except UserError as err:  # one unreadable line does not end the conversation
            print(f"error: {err}", file=sys.stderr)
            continue
        print(shown(reply), flush=True)


if __name__ == "__main__":
    main()
