"""Where sentence pairs come from: chatterbot-corpus dialogs, a TSV/CSV file, a hub dataset, or
number words."""

from __future__ import annotations

import csv
import itertools
import logging
import random
from pathlib import Path

from rnnlab.errors import UserError

log = logging.getLogger(__name__)

Pair = tuple[str, str]


def chatterbot_pairs(language: str = "english") -> list[Pair]:
    """Each statement of each shipped conversation paired with the one that answers it."""
    import chatterbot_corpus
    import yaml

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
) -> list[Pair]:
    """Pairs from a delimited file such as Tatoeba/Anki's `eng<TAB>fra<TAB>attribution` lines.

    A line with a missing column or an empty side is an error naming it, or, with `skip_bad_lines`,
    is skipped and counted in the log.
    """
    if not path.is_file():
        raise UserError(
            f"The pairs file {path} does not exist; "
            f"set data.path to a file of source{delimiter!r}target lines."
        )
    pairs, skipped = [], 0
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            for line_no, row in enumerate(
                csv.reader(stream, delimiter=delimiter, quoting=csv.QUOTE_NONE), 1
            ):
                if not row or not "".join(row).strip():
                    continue
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
    except UnicodeDecodeError as err:
        raise UserError(
            f"{path} is not UTF-8 text (byte {err.start} of a chunk); convert it with iconv first."
        ) from None
    if skipped:
        log.warning("%s: skipped %d malformed lines", path, skipped)
    if not pairs:
        raise UserError(
            f"The pairs file {path} holds no pairs; give lines of source{delimiter!r}target."
        )
    return pairs


def load_hub_split(name: str, config: str | None, split: str):
    """A Hugging Face dataset split, downloaded into the Hugging Face cache the first time
    (needs internet) and read from there after."""
    import datasets

    try:
        return datasets.load_dataset(name, config, split=split)
    except (ConnectionError, OSError, ValueError) as err:
        raise UserError(
            f"The hub dataset {name} could not be loaded ({type(err).__name__}); check the name "
            "and your connection, or drop data.hub to use the offline chatterbot-corpus dialogs."
        ) from None


def hub_pairs(
    name: str, config: str | None, split: str, source_field: str, target_field: str
) -> list[Pair]:
    """Pairs from a Hugging Face dataset (needs internet); nested fields as `translation.en`."""

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


def number_word_pairs(count: int, low: int, high: int, seed: int, lang: str = "en") -> list[Pair]:
    """`count` distinct numbers from [low, high), digits spaced as words -> their words by
    num2words:
    ('4 0 9 6', 'four thousand and ninety-six')."""
    from num2words import num2words

    if not 0 < count <= high - low:
        raise UserError(
            f"data.count={count} must be positive and at most the range's {high - low} numbers."
        )
    numbers = random.Random(seed).sample(range(low, high), count)
    return [(" ".join(str(n)), num2words(n, lang=lang)) for n in numbers]
