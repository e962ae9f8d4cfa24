"""Prepare a character corpus once: clean text, vocabulary and a flat id array, cached on disk
and checked on load.

Preparation streams: the main process reads the source and writes, worker processes clean batches
of pages, and nothing grows with the size of the source but the files written.

The cache folder (`<data_dir>/corpora/`) holds:
    <key>/                  a prepared corpus (text.txt, corpus.npy, meta.json)
    .<key>.<pid>.tmp/       a corpus being prepared by process <pid>, renamed to <key>/ when done
    locks/<key>.lock        the lock that processes preparing or opening <key> take turns on
Lock files stay after use, empty, all in `locks/`: deleting one is unsafe, since a process waiting
on it keeps the old file open while one arriving later would lock a new file, and both would
prepare at once. A staging folder left by a killed process is removed by the next preparation,
once its process is gone and nobody holds its corpus' lock.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from rnnlab.core.errors import UserError
from rnnlab.core.threads import available_cores
from rnnlab.data.progress import read_progress
from rnnlab.data.splits import split_by_position
from rnnlab.data.text.sources import FileSource, HubSource, fingerprint_digest, text_source
from rnnlab.data.text.vocab import CharVocab

log = logging.getLogger(__name__)

# Bump when cleaning, encoding or the cache layout changes, so old caches are rebuilt.
FORMAT_VERSION = 2
CACHE_FILES = ("text.txt", "corpus.npy")  # each recorded in meta.json with its size and checksum
_ENCODE_CHUNK = 1 << 20  # characters encoded at once, so temporary arrays stay small
BATCH_CHARS = 1 << 20  # raw characters sent to a worker at once: large beside the transfer cost
FULL_HASH_BYTES = 1 << 25  # files up to 32 MiB are hashed whole ...
SAMPLED_BLOCKS, SAMPLED_BLOCK_BYTES = 64, 1 << 16  # ... larger ones by 64 blocks of 64 KiB
LOCKS_FOLDER = "locks"
_STAGING = re.compile(r"\.(?P<key>[0-9a-f]{16})\.(?P<pid>\d+)\.tmp")


@dataclass(frozen=True)
class PreparedCorpus:
    """A prepared corpus directory: `corpus.npy` (ids), `text.txt` (clean text), `meta.json`."""

    directory: Path

    @property
    def meta(self) -> dict:
        return json.loads((self.directory / "meta.json").read_text(encoding="utf-8"))

    @property
    def vocab(self) -> CharVocab:
        return CharVocab(self.meta["vocab"])

    def ids(self) -> np.ndarray:
        """The encoded corpus, memory-mapped read-only, shape (n_chars,)."""
        return np.load(self.directory / "corpus.npy", mmap_mode="r")

    def text_lines(self) -> Iterator[str]:
        """The clean text, streamed line by line. A line ends at any newline convention (LF, CRLF
        or CR) and comes back ending in LF, as Python reads text files."""
        with open(self.directory / "text.txt", encoding="utf-8") as stream:
            yield from stream


def corpus_cache_dir(data_dir: str | Path) -> Path:
    """Where the prepared corpora of `data_dir` live (the character and the cloze tasks share
    them)."""
    return Path(data_dir) / "corpora"


def source_of(options: Mapping[str, Any]) -> FileSource | HubSource:
    """The text source a text DataModule's options name (its hparams, or the `data` node of a
    run's saved config: the same keys)."""
    return text_source(
        options["path"],
        options["hub"],
        options["hub_config"],
        options["hub_split"],
        options["text_field"],
    )


def open_text_corpus(options: Mapping[str, Any]) -> PreparedCorpus:
    """The prepared corpus a text DataModule's options name; a RuntimeError when it was never
    prepared there."""
    return open_corpus(
        source_of(options),
        corpus_cache_dir(options["data_dir"]),
        options["min_char_count"],
        options["max_chars"],
    )


def corpus_splits(options: Mapping[str, Any]) -> tuple[PreparedCorpus, dict[str, np.ndarray]]:
    """The prepared corpus and its train/val/test splits by position, as the character
    DataModule reads them. The inspect page calls it with a run's saved options, so it reads the
    characters the model read."""
    corpus = open_text_corpus(options)
    splits = split_by_position(corpus.ids(), options["val_fraction"], options["test_fraction"])
    return corpus, splits


def corpus_key(source: FileSource | HubSource, min_char_count: int, max_chars: int | None) -> str:
    """The cache folder's name: source and options only, never the worker count, which does not
    change the output."""
    return fingerprint_digest(FORMAT_VERSION, source.fingerprint(), min_char_count, max_chars)


def _corpus_dir(
    source: FileSource | HubSource, cache_dir: Path, min_char_count: int, max_chars: int | None
) -> Path:
    return Path(cache_dir) / corpus_key(source, min_char_count, max_chars)


def _lock(cache_dir: Path, key: str) -> FileLock:
    """The lock that processes asking for the corpus `key` take turns on."""
    locks = cache_dir / LOCKS_FOLDER
    locks.mkdir(parents=True, exist_ok=True)
    return FileLock(locks / f"{key}.lock")


def _staging_dir(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill there ends the process: keep every folder
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another account's process
        return True
    return True


def _remove_stale_staging(cache_dir: Path, held_key: str) -> None:
    """Remove the staging folders of preparations that were killed: their process is gone and
    nobody holds their corpus' lock (this process holds `held_key`'s). The lock is what keeps a
    folder of a process on another machine sharing this disk, where its process id means nothing."""
    for path in cache_dir.iterdir():
        found = _STAGING.fullmatch(path.name)
        if found is None or not path.is_dir() or _process_alive(int(found["pid"])):
            continue
        if found["key"] == held_key:
            shutil.rmtree(path, ignore_errors=True)
            continue
        lock = _lock(cache_dir, found["key"])
        try:
            lock.acquire(blocking=False)
        except Timeout:  # being prepared: by a process of another machine
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            lock.release()


def resolve_workers(workers: int | None) -> int:
    """`None` means every core this process may run on."""
    if workers is not None:
        return workers
    return available_cores()


def prepare_corpus(
    source: FileSource | HubSource,
    cache_dir: Path,
    min_char_count: int,
    max_chars: int | None,
    workers: int | None = None,
    batch_chars: int = BATCH_CHARS,
) -> PreparedCorpus:
    """Return the cached corpus for these options, building it first if it is missing or damaged.
    `batch_chars`: raw characters handed to a cleaning worker at once (the result is the same
    for any value).

    Processes asking for the same corpus at once (the ranks of a distributed run, parallel sweep
    jobs) take turns on a file lock: one prepares it, the others then find it ready.
    """
    target = _corpus_dir(source, cache_dir, min_char_count, max_chars)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent, target.name):
        _remove_stale_staging(target.parent, target.name)
        return _prepare_locked(source, target, min_char_count, max_chars, workers, batch_chars)


def open_corpus(
    source: FileSource | HubSource, cache_dir: Path, min_char_count: int, max_chars: int | None
) -> PreparedCorpus:
    """The corpus `prepare_corpus` wrote for the same source and options, checked against the
    sizes and checksums in its meta.json; it never prepares anything.

    Raises a RuntimeError when the corpus was never prepared, and a UserError when it is damaged.
    """
    target = _corpus_dir(source, cache_dir, min_char_count, max_chars)
    if not target.parent.is_dir():
        raise RuntimeError(f"No corpus is prepared in {cache_dir}; call prepare_corpus first.")
    # So a process that is preparing or repairing it finishes first.
    with _lock(target.parent, target.name):
        if not target.is_dir():
            raise RuntimeError(f"The corpus {target} is not prepared; call prepare_corpus first.")
        damage = cache_damage(target)
    if damage is not None:
        raise UserError(
            f"The prepared corpus in {target} is damaged ({damage}); run again to prepare it anew."
        )
    return PreparedCorpus(target)


def _prepare_locked(
    source: FileSource | HubSource,
    target: Path,
    min_char_count: int,
    max_chars: int | None,
    workers: int | None,
    batch_chars: int,
) -> PreparedCorpus:
    if target.exists():
        damage = cache_damage(target)
        if damage is None:
            return PreparedCorpus(target)
        log.warning(
            "The prepared corpus in %s is damaged (%s); removing it and preparing it again.",
            target,
            damage,
        )
        shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename at the end, so an interrupted run leaves no half cache.
    staging = _staging_dir(target)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _build(source, staging, min_char_count, max_chars, resolve_workers(workers), batch_chars)
        try:
            staging.rename(target)
        except OSError:  # another process finished the same corpus first
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PreparedCorpus(target)


def file_digest(
    path: Path, whole_up_to: int = FULL_HASH_BYTES, block_bytes: int = SAMPLED_BLOCK_BYTES
) -> dict:
    """Size and blake2b checksum of a cache file. Files up to `whole_up_to` bytes (32 MiB) are
    hashed whole; a larger one by 64 blocks of `block_bytes` (64 KiB) from its first to its last
    byte, so checking a multi-GB corpus on every load reads 4 MiB. The size catches any
    truncation; the blocks catch damage where they fall."""
    size = path.stat().st_size
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as stream:
        if size <= whole_up_to:
            while block := stream.read(1 << 20):
                digest.update(block)
        else:
            for i in range(SAMPLED_BLOCKS):
                stream.seek((size - block_bytes) * i // (SAMPLED_BLOCKS - 1))
                digest.update(stream.read(block_bytes))
    return {"size": size, "blake2b": digest.hexdigest()}


def cache_damage(directory: Path) -> str | None:
    """What is wrong with a prepared corpus directory, or None when every file matches meta.json."""
    try:
        recorded = json.loads((directory / "meta.json").read_text(encoding="utf-8"))["files"]
        expected = {name: recorded[name] for name in CACHE_FILES}
    except FileNotFoundError:
        return "meta.json is missing"
    except (OSError, ValueError, KeyError, TypeError):
        return "meta.json is unreadable or incomplete"
    for name in CACHE_FILES:
        if not (directory / name).is_file():
            return f"{name} is missing"
        found = file_digest(directory / name)
        if found["size"] != expected[name]["size"]:
            return f"{name} has {found['size']} bytes, {expected[name]['size']} expected"
        if found != expected[name]:
            return f"{name} does not match its checksum"
    return None


def _build(
    source: FileSource | HubSource,
    out: Path,
    min_char_count: int,
    max_chars: int | None,
    workers: int,
    batch_chars: int,
) -> None:
    start = time.perf_counter()
    counts: Counter = Counter()
    n_chars = 0
    # Only cleaning is worth other processes; plain text would just be copied there and back.
    workers = workers if source.cleaner is not None else 1
    clean = partial(_clean_batch, source.cleaner)
    with (
        open(out / "text.txt", "w", encoding="utf-8", newline="") as text_file,
        read_progress(f"Preparing {source.describe()}", source.size()) as on_read,
        closing(
            _ordered_map(clean, _batches(source.documents(on_read), batch_chars), workers)
        ) as pieces,
    ):
        for text, text_counts in pieces:
            if max_chars is not None and n_chars + len(text) > max_chars:
                text = text[: max_chars - n_chars]
                text_counts = count_chars(text)
            text_file.write(text)
            counts.update(text_counts)
            n_chars += len(text)
            if max_chars is not None and n_chars >= max_chars:
                break
    if n_chars == 0:
        raise UserError(
            f"{source.describe()} yields no text once cleaned (only redirects, non-article pages "
            "or markup); give a source with article text in it."
        )
    vocab = CharVocab.from_counts(counts, min_char_count)
    dtype = np.dtype(np.uint8 if len(vocab) <= 256 else np.uint16)
    descr = np.lib.format.dtype_to_descr(dtype)
    header = {"descr": descr, "fortran_order": False, "shape": (n_chars,)}
    # Appended chunk by chunk rather than through a memory map, whose written pages count as this
    # process's memory up to the whole corpus.
    with (
        open(out / "text.txt", encoding="utf-8", newline="") as text_file,
        open(out / "corpus.npy", "wb") as ids_file,
    ):
        np.lib.format.write_array_header_1_0(ids_file, header)
        while chunk := text_file.read(_ENCODE_CHUNK):
            ids_file.write(vocab.encode(chunk).astype(dtype).tobytes())
    seconds = time.perf_counter() - start
    meta = {
        "source": source.describe(),
        "n_chars": n_chars,
        "vocab": vocab.chars,
        "unknown_chars": sum(n for c, n in counts.items() if c not in vocab.index),
        "min_char_count": min_char_count,
        "max_chars": max_chars,
        "seconds": round(seconds, 2),
        "files": {name: file_digest(out / name) for name in CACHE_FILES},
    }
    meta_text = json.dumps(meta, ensure_ascii=False, indent=1)
    (out / "meta.json").write_text(meta_text, encoding="utf-8")
    log.info("Prepared %s characters of %s in %.1f s", f"{n_chars:,}", source.describe(), seconds)


def _batches(documents: Iterable[str], batch_chars: int) -> Iterator[list[str]]:
    """Documents grouped into batches of about `batch_chars` characters."""
    batch: list[str] = []
    chars = 0
    for document in documents:
        batch.append(document)
        chars += len(document)
        if chars >= batch_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _clean_batch(cleaner: Callable[[str], str] | None, documents: list[str]) -> tuple[str, Counter]:
    """A batch's corpus text and its character counts (counted here, so workers share that work
    too)."""
    text = "".join(map(cleaner, documents) if cleaner is not None else documents)
    return text, count_chars(text)


def count_chars(text: str) -> Counter:
    """Counter(text), by one bincount over the code points instead of a loop over characters."""
    counts = np.bincount(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    return Counter({chr(point): int(counts[point]) for point in np.flatnonzero(counts)})


def _ordered_map(function: Callable, items: Iterable, workers: int) -> Iterator:
    """`map(function, items)` in order across `workers` processes, with at most two items per
    worker in flight: Pool.imap and Executor.map read their whole input ahead, which for a whole
    Wikipedia dump means all of it in memory."""
    if workers == 1:
        yield from map(function, items)
        return
    # Forked workers start at once without importing torch again; they run only the pure-Python
    # cleaner.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
