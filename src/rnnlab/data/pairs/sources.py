"""Where sentence pairs come from: chatterbot-corpus dialogs, a TSV/CSV file, a hub dataset, or
number words."""

from __future__ import annotations

import csv
import itertools
import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import chatterbot_corpus
import yaml
from num2words import CONVERTER_CLASSES, num2words

from rnnlab.core.errors import UserError
from rnnlab.data.files import open_text, require_file
from rnnlab.data.hub import load_hub_dataset

if TYPE_CHECKING:
    from datasets import Dataset

log = logging.getLogger(__name__)

Pair = tuple[str, str]


def chatterbot_pairs(language: str = "english") -> list[Pair]:
    """Each statement of each shipped conversation paired with the one that answers it."""
    folder = Path(chatterbot_corpus.__file__).parent / "data" / language
    if not folder.is_dir():
        languages = sorted(p.name for p in folder.parent.iterdir() if p.is_dir())
        raise UserError(
            f"data.language={language!r} is not in chatterbot-corpus; "
            f"choose one of {', '.join(languages)}."
        )
    pairs = []
    for path in sorted(folder.glob("*.yml")):
        for conversation in (
            yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []
        ):
            turns = [str(turn) for turn in conversation if turn is not None]
            pairs.extend(itertools.pairwise(turns))
    return pairs


def file_pairs(
    path: Path,
    source_column: int = 0,
    target_column: int = 1,
    delimiter: str = "\t",
    skip_bad_lines: bool = False,
    quoting: Literal["csv", "none"] = "csv",
) -> list[Pair]:
    """Pairs from a delimited file, one pair a line, such as Tatoeba/Anki's
    `eng<TAB>fra<TAB>attribution` lines. The file may be compressed and may start with a
    byte-order mark; CRLF ends lines as LF does.

    `quoting="csv"`: a field may be quoted as in CSV (`"a<TAB>b"` is one field, `""` a quote in
    it); a line whose quotes break that convention, as Tatoeba's `"Run!" "OK."`, is read with its
    quotes as text. `quoting="none"`: quotes are always text. Either way the lines read with
    quotes as text are counted in the log.

    A line with a missing column or an empty side is an error naming it, or, with `skip_bad_lines`,
    is skipped and counted in the log.
    """
    require_file(
        path, "The pairs file", f"set data.path to a file of source{delimiter!r}target lines"
    )
    pairs, skipped, quotes_as_text = [], 0, 0
    with open_text(path) as stream:
        for line_no, line in enumerate(stream, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            row, read_as_text = _fields(line, delimiter, quoting)
            quotes_as_text += read_as_text
            problem = None
            if max(source_column, target_column) >= len(row):
                problem = (
                    f"has {len(row)} column(s) split by {delimiter!r}, so column "
                    f"{max(source_column, target_column)} is missing; "
                    "fix the line or set data.delimiter"
                )
            elif not row[source_column].strip() or not row[target_column].strip():
                problem = "the source or the target is empty; fix or remove the line"
            if problem is None:
                pairs.append((row[source_column].strip(), row[target_column].strip()))
            elif skip_bad_lines:
                skipped += 1
            else:
                raise UserError(
                    f"{path}, line {line_no}: {problem} (or set data.skip_bad_lines=true)."
                )
    if quotes_as_text and quoting == "csv":
        log.info(
            "%s: the quotes of %d lines do not follow the CSV convention and were read as text",
            path,
            quotes_as_text,
        )
    elif quotes_as_text:
        log.info(
            "%s: the quotes of %d lines were read as text (data.quoting=none)", path, quotes_as_text
        )
    if skipped:
        log.warning("%s: skipped %d malformed lines", path, skipped)
    if not pairs:
        raise UserError(
            f"The pairs file {path} holds no pairs; give lines of source{delimiter!r}target."
        )
    return pairs


def _fields(line: str, delimiter: str, quoting: str) -> tuple[list[str], bool]:
    """The fields of one line, and whether it holds quotes that were read as text."""
    if quoting == "csv":
        try:
            return next(csv.reader([line], delimiter=delimiter, strict=True)), False
        except csv.Error:  # quotes that do not follow the CSV convention are text
            return line.split(delimiter), True
    return line.split(delimiter), '"' in line


def load_hub_split(name: str, config: str | None, split: str) -> Dataset:
    """A Hugging Face dataset split, downloaded into the Hugging Face cache the first time
    (needs internet) and read from there after, also offline."""
    return load_hub_dataset(name, config, split, False, "the offline chatterbot-corpus dialogs")


def hub_pairs(
    name: str, config: str | None, split: str, source_field: str, target_field: str
) -> list[Pair]:
    """Pairs from a Hugging Face dataset (needs internet, or a copy in the Hugging Face cache);
    nested fields as `translation.en`."""

    def field(example: dict, dotted: str) -> str:
        for key in dotted.split("."):
            example = example[key]
        return str(example)

    rows = load_hub_split(name, config, split)
    try:
        return [(field(row, source_field), field(row, target_field)) for row in rows]
    except KeyError as err:
        raise UserError(
            f"The dataset {name} has no field {err}; set data.source_field and data.target_field."
        ) from None


DIGITS = "digits"  # a number as its digits spaced like words: '4 0 9 6'


def number_languages() -> list[str]:
    """What a number can be written in: its digits, or words in a num2words language."""
    return [DIGITS, *sorted(CONVERTER_CLASSES)]


def number_word_pairs(
    count: int, low: int, high: int, seed: int, source: str = DIGITS, target: str = "en"
) -> list[Pair]:
    """`count` distinct numbers from [low, high), each written as `source` -> as `target`
    (digits, or the words of a num2words language):
    ('4 0 9 6', 'four thousand and ninety-six'), or with en -> de
    ('ninety-six', 'sechsundneunzig')."""
    if not 0 < count <= high - low:
        raise UserError(
            f"data.count={count} must be positive and at most the range's {high - low} numbers."
        )
    languages = number_languages()
    for setting, language in (("number_source", source), ("number_target", target)):
        if language not in languages:
            raise UserError(
                f"data.{setting}={language!r} is not a way to write numbers; choose "
                f"{DIGITS} or a num2words language ({', '.join(languages[1:])})."
            )

    def written(number: int, language: str) -> str:
        return " ".join(str(number)) if language == DIGITS else num2words(number, lang=language)

    numbers = random.Random(seed).sample(range(low, high), count)
    return [(written(n, source), written(n, target)) for n in numbers]
