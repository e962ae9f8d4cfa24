"""Where text comes from: a MediaWiki dump, a plain text file, or a Hugging Face dataset; and
how every input file of the project is opened and every hub dataset reached.

Input files are read as editors and spreadsheets write them: gzip, bzip2 or xz compression is
recognised by its magic bytes and undone, a UTF-8 byte-order mark is dropped, and CRLF ends lines
as LF does.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import hashlib
import importlib.util
import io
import logging
import lzma
import os
import re
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO
from urllib.parse import urlsplit

from rnnlab.core.errors import UserError
from rnnlab.data.text.wikipedia import clean_wikitext, iter_articles

if TYPE_CHECKING:
    from datasets import Dataset, IterableDataset

log = logging.getLogger(__name__)

_EXCERPT = "test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_CHUNK = 1 << 20
# Magic bytes -> (opener, name in messages).
_COMPRESSIONS = {
    b"\x1f\x8b": (gzip.open, "gzip"),
    b"BZh": (bz2.open, "bzip2"),
    b"\xfd7zXZ\x00": (lzma.open, "xz"),
}
_DECOMPRESSION_ERRORS = (EOFError, OSError, lzma.LZMAError)
# Wikipedia names dumps `*.xml.bz2` and its partial ones `*.xml-p1p41242.bz2`.
_DUMP_NAME = re.compile(r"\.xml(?:-|$)", re.I)
_HUB_PROBE_SECONDS = 3.0


def default_dump() -> Path:
    """The English Wikipedia excerpt shipped inside the gensim wheel: offline and real."""
    # Found without importing gensim, which would take seconds (it imports scipy).
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "The default text is the Wikipedia excerpt shipped with gensim, which is not "
            "installed; run make install, or give data.path=<your text or dump>."
        )
    return Path(spec.submodule_search_locations[0]) / _EXCERPT


def article_text(wikitext: str) -> str:
    """One article's clean prose followed by a blank line, or "" when no prose is left."""
    cleaned = clean_wikitext(wikitext)
    return cleaned + "\n\n" if cleaned else ""


def require_file(path: Path, name: str, fix: str) -> None:
    """Raise a UserError unless `path` is a file: "<name> <path> is a directory, not a file; <fix>."
    (or "does not exist", or "is not a regular file")."""
    if path.is_file():
        return
    if path.is_dir():
        problem = "is a directory, not a file"
    elif path.exists():
        problem = "is not a regular file"
    else:
        problem = "does not exist"
    raise UserError(f"{name} {path} {problem}; {fix}.")


def _compression(head: bytes) -> tuple[Callable, str] | None:
    return next((found for magic, found in _COMPRESSIONS.items() if head.startswith(magic)), None)


@contextmanager
def open_binary(path: Path) -> Iterator[tuple[BinaryIO, BinaryIO, str | None]]:
    """(the file on disk, its content, the compression's name or None): the content is
    decompressed when gzip, bzip2 or xz magic bytes start the file. The file on disk tells how far
    it is read."""
    with open(path, "rb") as raw:
        found = _compression(raw.read(6))
        raw.seek(0)
        if found is None:
            yield raw, raw, None
            return
        opener, kind = found
        with opener(raw) as stream:
            yield raw, stream, kind


@contextmanager
def _open_text_and_file(path: Path, newline: str | None) -> Iterator[tuple[TextIO, BinaryIO]]:
    with (
        open_binary(path) as (raw, stream, kind),
        io.TextIOWrapper(stream, encoding="utf-8-sig", newline=newline) as text,
    ):
        try:
            yield text, raw
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except _DECOMPRESSION_ERRORS as err:
            if kind is None:
                raise
            raise _damaged(path, kind, err) from None


@contextmanager
def open_text(path: Path, newline: str | None = None) -> Iterator[TextIO]:
    """`path` read as UTF-8 text: decompressed (gzip, bzip2, xz), without a byte-order mark, line
    ends as `open(newline=...)` treats them. Bytes that are not UTF-8 and a damaged compressed
    stream end as a UserError naming the file."""
    with _open_text_and_file(path, newline) as (text, _):
        yield text


def _damaged(path: Path, kind: str, err: BaseException) -> UserError:
    return UserError(
        f"{path} is a damaged or truncated {kind} file ({err}); download or compress it again."
    )


def _not_utf8(path: Path) -> UserError:
    try:
        with open_binary(path) as (_, stream, kind):
            where = f"byte {_first_bad_utf8_byte(stream)}"
    except _DECOMPRESSION_ERRORS as err:
        return _damaged(path, kind or "compressed", err)
    if kind is not None:
        where += " of its decompressed content"
    return UserError(
        f"{path} is not UTF-8 text ({where} is not valid UTF-8); re-save it as UTF-8, "
        "e.g. with iconv -f latin1 -t utf-8 if it is Latin-1."
    )


def _first_bad_utf8_byte(stream: BinaryIO) -> int:
    """Offset in `stream` of the first byte that is not valid UTF-8 (read again only once
    decoding failed)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while True:
        block = stream.read(_CHUNK)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as err:
            # err.object: the decoder's held-back bytes of the previous block, then this block.
            return offset + err.start - (len(err.object) - len(block))
        if not block:
            return offset
        offset += len(block)


def _starts_as_xml(path: Path) -> bool:
    try:
        with open_binary(path) as (_, stream, _):
            head = stream.read(1024)
    except _DECOMPRESSION_ERRORS:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<mediawiki"))


@dataclass(frozen=True)
class FileSource:
    """A local MediaWiki dump (.xml or .xml.bz2, streamed) or a UTF-8 text file, either of them
    compressed or not."""

    path: Path

    @cached_property
    def is_dump(self) -> bool:
        """A dump by its name (`*.xml`, `*.xml.bz2`, Wikipedia's `*.xml-p1p41242.bz2`), a text
        file by `.txt`; any other name by whether the content starts as XML."""
        base = re.sub(r"\.(?:gz|bz2|xz)$", "", self.path.name, flags=re.I)
        if _DUMP_NAME.search(base):
            return True
        return not base.lower().endswith(".txt") and _starts_as_xml(self.path)

    @property
    def cleaner(self) -> Callable[[str], str] | None:
        """What turns one of `documents()` into corpus text; None when they are text already."""
        return article_text if self.is_dump else None

    def size(self) -> int | None:
        return self.path.stat().st_size

    def check_readable(self) -> None:
        require_file(self.path, "The data path", "set data.path to an existing dump or text file")
        if self.path.stat().st_size == 0:
            raise UserError(f"The data path {self.path} is empty; give a file with text in it.")

    def fingerprint(self) -> str:
        """Identity of the file's contents as far as cheap checks tell: path, size, mtime."""
        self.check_readable()
        stat = self.path.stat()
        return f"file:{self.path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"

    def describe(self) -> str:
        return str(self.path)

    def documents(self, on_read: Callable[[int], None] | None = None) -> Iterator[str]:
        """Raw pieces in order: each article's wikitext for a dump, chunks of a text file.

        `on_read(position)` is called after each piece with how many bytes of the file (on disk)
        are read.
        """
        self.check_readable()
        if self.is_dump:
            yield from iter_articles(self.path, on_read)
            return
        with _open_text_and_file(self.path, newline=None) as (text, raw):
            while chunk := text.read(_CHUNK):
                yield chunk
                if on_read is not None:
                    on_read(raw.tell())


@dataclass(frozen=True)
class HubSource:
    """A Hugging Face dataset read in streaming mode (needs internet), e.g. wikimedia/wikipedia.

    Streaming reads examples as they arrive, so `data.max_chars` bounds what is downloaded.
    """

    name: str
    config: str | None = None
    split: str = "train"
    text_field: str = "text"
    cleaner = None

    def fingerprint(self) -> str:
        return f"hub:{self.name}:{self.config}:{self.split}:{self.text_field}"

    def describe(self) -> str:
        return f"{self.name} ({self.config or 'default'}, {self.split})"

    def size(self) -> int | None:
        return None

    def documents(self, on_read: Callable[[int], None] | None = None) -> Iterator[str]:
        """Each example's text followed by a blank line; `on_read` gets the characters read so
        far."""
        fallback = "the offline Wikipedia excerpt"
        stream = load_hub_dataset(self.name, self.config, self.split, True, fallback)
        read = 0
        with _hub_errors(self.name, fallback):  # a stream can fail at any example
            try:
                for example in stream:
                    text = example[self.text_field] + "\n\n"
                    yield text
                    if on_read is not None:
                        read += len(text)
                        on_read(read)
            except KeyError:
                raise UserError(
                    f"The dataset {self.name} has no field {self.text_field!r}; "
                    "set data.text_field."
                ) from None


# Why this process reads the Hugging Face cache only, once `load_hub_dataset` found no Hub.
_offline_because: str | None = None


def load_hub_dataset(
    name: str, config: str | None, split: str, streaming: bool, fallback: str
) -> Dataset | IterableDataset:
    """`datasets.load_dataset` for `data.hub=name`, failing within seconds without a network.

    Unless offline mode is set already, a short connection to the Hub (or its proxy) is tried
    first; when it fails, this process switches to offline mode, so a dataset in the local
    Hugging Face cache still loads and any other fails at once instead of retrying. A failure
    ends as one UserError naming `fallback`, the offline default that dropping data.hub gives.
    """
    global _offline_because
    import datasets

    if _offline_because is None and not datasets.config.HF_HUB_OFFLINE and not hub_reachable():
        host, port = _hub_address()
        _offline_because = f"{host}:{port} cannot be reached"
        _switch_hub_offline()
    with _hub_errors(name, fallback):
        loaded = datasets.load_dataset(name, config, split=split, streaming=streaming)
    if _offline_because:
        log.warning("Read data.hub=%s from the Hugging Face cache: %s.", name, _offline_because)
    return loaded


@contextmanager
def _hub_errors(name: str, fallback: str) -> Iterator[None]:
    """The Hub libraries' failures as one UserError, and their retry warnings silenced."""
    try:
        with _quiet_loggers("datasets", "huggingface_hub"):
            yield
    except ConnectionError as err:
        import datasets

        if not datasets.config.HF_HUB_OFFLINE:
            raise _hub_failure(name, fallback, err) from None
        why, fix = (
            (_offline_because, "connect to the network")
            if _offline_because
            else ("HF_HUB_OFFLINE or HF_DATASETS_OFFLINE is set", "unset them")
        )
        raise UserError(
            f"data.hub={name} needs the network or a copy in the Hugging Face cache, and neither "
            f"is there ({why}); {fix}, or drop data.hub to use {fallback}."
        ) from None
    except (OSError, ValueError) as err:
        raise _hub_failure(name, fallback, err) from None


def _hub_failure(name: str, fallback: str, err: Exception) -> UserError:
    return UserError(
        f"data.hub={name} could not be loaded ({type(err).__name__}); check the name and your "
        f"connection, or drop data.hub to use {fallback}."
    )


def _hub_address() -> tuple[str, int]:
    """Host and port a request to the Hub (`HF_ENDPOINT`) connects to first: its proxy, if one
    is set for it."""
    from huggingface_hub import constants

    url = urlsplit(constants.ENDPOINT)
    proxy = urllib.request.getproxies().get(url.scheme)
    if proxy and not urllib.request.proxy_bypass(url.hostname or ""):
        url = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)


def _open_connection(address: tuple[str, int], timeout: float) -> None:
    socket.create_connection(address, timeout=timeout).close()


def hub_reachable(timeout: float | None = None) -> bool:
    """Whether a TCP connection to the Hub (or its proxy) opens within `timeout` seconds (3 by
    default). It is tried in a daemon thread, since name resolution does not obey socket
    timeouts."""
    timeout = _HUB_PROBE_SECONDS if timeout is None else timeout
    address = _hub_address()
    opened: list[bool] = []

    def attempt() -> None:
        try:
            _open_connection(address, timeout)
        except OSError:
            return
        opened.append(True)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(opened)


def _switch_hub_offline() -> None:
    """Offline mode for this process and those it starts. The libraries read the variables once,
    at import, into the module constants set here; datasets 5.2 and huggingface_hub 2.4 read those
    constants at each call."""
    import datasets
    from huggingface_hub import constants

    os.environ["HF_HUB_OFFLINE"] = os.environ["HF_DATASETS_OFFLINE"] = "1"
    constants.HF_HUB_OFFLINE = True
    datasets.config.HF_HUB_OFFLINE = datasets.config.HF_DATASETS_OFFLINE = True


@contextmanager
def _quiet_loggers(*names: str) -> Iterator[None]:
    """Only errors from these loggers while inside."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def text_source(
    path: str | None, hub: str | None, hub_config: str | None, hub_split: str, text_field: str
) -> FileSource | HubSource:
    """The source a text DataModule's options name: a hub dataset, a local file, or the shipped
    excerpt."""
    if path is not None and hub is not None:
        raise UserError("Set data.path or data.hub, not both.")
    if hub is not None:
        return HubSource(hub, hub_config, hub_split, text_field)
    return FileSource(Path(path).expanduser() if path else default_dump())


def fingerprint_digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
