"""How every input file is opened: gzip, bzip2 or xz undone by their magic bytes, a UTF-8
byte-order mark dropped, CRLF read as LF, and a damaged or non-UTF-8 file named in one sentence."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from rnnlab.core.errors import UserError

CHUNK_BYTES = 1 << 20


# Magic bytes -> (opener, name in messages).
_COMPRESSIONS = {
    b"\x1f\x8b": (gzip.open, "gzip"),
    b"BZh": (bz2.open, "bzip2"),
    b"\xfd7zXZ\x00": (lzma.open, "xz"),
}


_DECOMPRESSION_ERRORS = (EOFError, OSError, lzma.LZMAError)


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
        block = stream.read(CHUNK_BYTES)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as err:
            # err.object: the decoder's held-back bytes of the previous block, then this block.
            return offset + err.start - (len(err.object) - len(block))
        if not block:
            return offset
        offset += len(block)
