"""The text to inspect: given on the command line, read from a file, or a split of the corpus the
checkpoint's run trained on (read through the run's saved config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import OmegaConf

from rnnlab.core.errors import UserError
from rnnlab.data.files import open_text, require_file
from rnnlab.data.text.corpus import corpus_splits

SPLITS = ("train", "val", "test")


@dataclass
class Text:
    """A text cut to the characters to read, what it is, and what the reader should know."""

    text: str
    source: str  # "the text given", "input.txt", "the val split of <run>"
    notes: list[str] = field(default_factory=list)


def run_directory(ckpt_path: Path) -> Path | None:
    """The run a checkpoint belongs to (`<run>/checkpoints/<name>.ckpt`), if it sits in one."""
    folder = ckpt_path.resolve().parent
    return folder.parent if folder.name == "checkpoints" else None


def cut(text: str, chars: int, what: str) -> Text:
    """`text` cut to its first `chars` characters, with a note when it was longer."""
    if not text:
        raise UserError(f"{what} is empty; give a text of two characters or more.")
    if len(text) < 2:
        raise UserError(
            f"{what} has a single character; give two or more: one to read, one to predict."
        )
    notes = []
    if len(text) > chars:
        notes.append(
            f"{what} has {len(text):,} characters; the first {chars:,} are read "
            "(set chars= to read more)."
        )
    return Text(text[:chars], what, notes)


def read_input_file(input_file: str, chars: int) -> Text:
    """The first `chars` characters of a UTF-8 text file (compressed or not)."""
    path = Path(input_file).expanduser()
    require_file(path, "The input file", "give a UTF-8 text file")
    with open_text(path) as stream:
        text = stream.read(chars + 1)  # one more tells whether the file is longer
        longer = len(text) > chars
    found = cut(text, chars, f"The input file {path}")
    if longer:  # the count of the whole file was not read: say so without one
        found.notes = [
            f"The input file {path} has more than {chars:,} characters; the first {chars:,} are "
            "read (set chars= to read more)."
        ]
    found.source = str(path)
    return found


def split_text(ckpt_path: Path, split: str, chars: int) -> Text:
    """The first `chars` characters of a split of the corpus the checkpoint's run trained on.

    The corpus is rebuilt from the run's saved config (`<run>/.hydra/config.yaml`), as its
    DataModule cut it: the characters the model read, rare ones as its unknown symbol.
    """
    run = run_directory(ckpt_path)
    config_file = run / ".hydra" / "config.yaml" if run is not None else None
    if config_file is None or not config_file.is_file():
        where = config_file or ckpt_path.resolve().parent / ".." / ".hydra" / "config.yaml"
        raise UserError(
            f"split={split} rebuilds the run's corpus from its saved config {where}, which is "
            "missing (the checkpoint is not in a run's checkpoints/ folder, or the run's .hydra/ "
            'was removed); give text="..." or input_file=<path> instead.'
        )
    data = OmegaConf.load(config_file).data
    try:  # the DataModule's own function: the characters the model read
        corpus, splits = corpus_splits(data)
    except RuntimeError:  # open_corpus: the corpus was never prepared where the config points
        raise UserError(
            f"split={split} needs the corpus the run trained on, prepared in {data.data_dir}, and "
            "it is not there; run from the directory the run was trained in (paths are relative "
            'to it), or give text="..." or input_file=<path> instead.'
        ) from None
    ids = splits[split]
    if len(ids) < 2:
        raise UserError(f"The {split} split of {run} is empty; pick another split.")
    text = corpus.vocab.decode(ids[:chars].tolist())
    source = f"the {split} split of {run}"
    notes = []
    if len(ids) > chars:
        notes.append(
            f"The {split} split has {len(ids):,} characters; its first {chars:,} are read "
            "(set chars= to read more)."
        )
    return Text(text, source, notes)


def choose_text(
    ckpt_path: Path, text: str | None, input_file: str | None, split: str | None, chars: int
) -> Text:
    """The text the settings name: at most one of `text`, `input_file`, `split`; none means the
    val split."""
    given = [
        name
        for name, value in (("text", text), ("input_file", input_file), ("split", split))
        if value is not None
    ]
    if len(given) > 1:
        raise UserError(
            f"Give one of text=..., input_file=... or split=..., not {' and '.join(given)}."
        )
    if text is not None:
        return cut(str(text), chars, "The text given")
    if input_file is not None:
        return read_input_file(input_file, chars)
    return split_text(ckpt_path, split or "val", chars)
