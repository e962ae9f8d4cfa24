"""Where text comes from: a MediaWiki dump, a plain text file, or a Hugging Face dataset."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rnnlab.data.wikipedia import clean_wikitext, iter_articles
from rnnlab.errors import UserError

_EXCERPT = "test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_CHUNK = 1 << 20


def default_dump() -> Path:
    """The English Wikipedia excerpt shipped inside the gensim wheel: offline and real."""
    import gensim

    return Path(gensim.__file__).parent / _EXCERPT


def article_text(wikitext: str) -> str:
    """One article's clean prose followed by a blank line, or "" when no prose is left."""
    cleaned = clean_wikitext(wikitext)
    return cleaned + "\n\n" if cleaned else ""


@dataclass(frozen=True)
class FileSource:
    """A local MediaWiki dump (.xml or .xml.bz2, streamed) or a UTF-8 text file."""

    path: Path

    @property
    def is_dump(self) -> bool:
        return self.path.name.endswith((".xml", ".xml.bz2", ".bz2"))

    @property
    def cleaner(self) -> Callable[[str], str] | None:
        """What turns one of `documents()` into corpus text; None when they are text already."""
        return article_text if self.is_dump else None

    def size(self) -> int | None:
        return self.path.stat().st_size

    def check_readable(self) -> None:
        if not self.path.is_file():
            raise UserError(
                f"The data path {self.path} does not exist; "
                "set data.path to an existing dump or text file."
            )
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

        `on_read(position)` is called after each piece with how many bytes of the file are read.
        """
        self.check_readable()
        if self.is_dump:
            yield from iter_articles(self.path, on_read)
            return
        with open(self.path, encoding="utf-8", errors="strict") as stream:
            try:
                while chunk := stream.read(_CHUNK):
                    yield chunk
                    if on_read is not None:
                        on_read(stream.buffer.tell())
            except UnicodeDecodeError:
                bad_byte = _first_bad_utf8_byte(self.path)
                raise UserError(
                    f"{self.path} is not UTF-8 text (byte {bad_byte} is not valid UTF-8); "
                    "convert it with iconv first."
                ) from None


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
        import datasets

        read = 0
        try:
            stream = datasets.load_dataset(self.name, self.config, split=self.split, streaming=True)
            for example in stream:
                text = example[self.text_field] + "\n\n"
                yield text
                if on_read is not None:
                    read += len(text)
                    on_read(read)
        except KeyError:
            raise UserError(
                f"The dataset {self.name} has no field {self.text_field!r}; set data.text_field."
            ) from None
        except (ConnectionError, OSError, ValueError) as err:
            raise UserError(
                f"The hub dataset {self.name} could not be loaded ({type(err).__name__}); "
                "check the name and your connection, or drop data.hub to use the offline "
                "Wikipedia excerpt."
            ) from None


def _first_bad_utf8_byte(path: Path) -> int:
    """Offset in the file of the first byte that is not valid UTF-8 (read again only once
    decoding failed)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as stream:
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
