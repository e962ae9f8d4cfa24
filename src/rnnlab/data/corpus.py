"""Prepare a character corpus once: clean text, vocabulary and a flat id array, cached on disk."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlab.data.sources import FileSource, HubSource, fingerprint_digest
from rnnlab.data.vocab import CharVocab
from rnnlab.errors import UserError

FORMAT_VERSION = 1  # bump when cleaning or encoding changes, so old caches are rebuilt
_ENCODE_CHUNK = 1 << 22


@dataclass(frozen=True)
class PreparedCorpus:
    """A prepared corpus directory: `corpus.npy` (ids), `text.txt` (clean text), `meta.json`."""

    directory: Path

    @property
    def meta(self) -> dict:
        return json.loads((self.directory / "meta.json").read_text())

    @property
    def vocab(self) -> CharVocab:
        return CharVocab(self.meta["vocab"])

    def ids(self) -> np.ndarray:
        """The encoded corpus, memory-mapped read-only, shape (n_chars,)."""
        return np.load(self.directory / "corpus.npy", mmap_mode="r")


def corpus_key(source: FileSource | HubSource, min_char_count: int, max_chars: int | None) -> str:
    return fingerprint_digest(FORMAT_VERSION, source.fingerprint(), min_char_count, max_chars)


def prepare_corpus(
    source: FileSource | HubSource, cache_dir: Path, min_char_count: int, max_chars: int | None
) -> PreparedCorpus:
    """Return the cached corpus for these options, building it first if it is missing."""
    target = Path(cache_dir) / corpus_key(source, min_char_count, max_chars)
    if (target / "meta.json").is_file():
        return PreparedCorpus(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename at the end, so an interrupted run leaves no half cache.
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _build(source, staging, min_char_count, max_chars)
        try:
            staging.rename(target)
        except OSError:  # another process finished the same corpus first
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PreparedCorpus(target)


def _build(source: FileSource | HubSource, out: Path, min_char_count: int, max_chars: int | None) -> None:
    start = time.perf_counter()
    counts: Counter = Counter()
    n_chars = 0
    with open(out / "text.txt", "w", encoding="utf-8", newline="") as text_file:
        for piece in source.texts():
            if max_chars is not None:
                piece = piece[: max_chars - n_chars]
            text_file.write(piece)
            counts.update(piece)
            n_chars += len(piece)
            if max_chars is not None and n_chars >= max_chars:
                break
    if n_chars == 0:
        raise UserError(f"{source.describe()} yielded no text after cleaning; give a source with article text in it.")
    vocab = CharVocab.from_counts(counts, min_char_count)
    dtype = np.uint8 if len(vocab) <= 256 else np.uint16
    ids = np.lib.format.open_memmap(out / "corpus.npy", mode="w+", dtype=dtype, shape=(n_chars,))
    position = 0
    with open(out / "text.txt", encoding="utf-8", newline="") as text_file:
        while chunk := text_file.read(_ENCODE_CHUNK):
            ids[position : position + len(chunk)] = vocab.encode(chunk)
            position += len(chunk)
    ids.flush()
    del ids
    meta = {
        "source": source.describe(),
        "n_chars": n_chars,
        "vocab": vocab.chars,
        "unknown_chars": sum(n for c, n in counts.items() if c not in vocab.index),
        "min_char_count": min_char_count,
        "max_chars": max_chars,
        "seconds": round(time.perf_counter() - start, 2),
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
