"""Where text comes from: a MediaWiki dump, a plain text file, or a Hugging Face dataset; and
how every input file of the project is opened and every hub dataset reached.

Input files are read as editors and spreadsheets write them: gzip, bzip2 or xz compression is
recognised by its magic bytes and undone, a UTF-8 byte-order mark is dropped, and CRLF ends lines
as LF does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rnnlab.core.errors import UserError
from rnnlab.data.files import (
    _DECOMPRESSION_ERRORS,
    CHUNK_BYTES,
    _open_text_and_file,
    open_binary,
    require_file,
)
from rnnlab.data.hub import (
    _hub_errors,
    load_hub_dataset,
)
from rnnlab.data.text.wikipedia import clean_wikitext, iter_articles

if TYPE_CHECKING:
    pass


_EXCERPT = "test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
# Wikipedia names dumps `*.xml.bz2` and its partial ones `*.xml-p1p41242.bz2`.
_DUMP_NAME = re.compile(r"\.xml(?:-|$)", re.I)


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
            while chunk := text.read(CHUNK_BYTES):
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
