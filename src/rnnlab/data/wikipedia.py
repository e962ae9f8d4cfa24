"""Stream article text out of a MediaWiki XML dump and strip its markup."""

from __future__ import annotations

import bz2
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import wikitextparser

from rnnlab.errors import UserError

# Links to these namespaces render as images or page metadata, not prose.
_NON_PROSE_LINKS = ("file:", "image:", "category:", "media:")
_DROPPED_TAGS = ("ref", "gallery", "math", "timeline", "imagemap", "score", "syntaxhighlight")
_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1\s*$")
_LIST_MARK = re.compile(r"^[*#:;]+\s*")
_BLANK_RUNS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0]+")


def open_dump(path: Path):
    """Open a `.xml` or `.xml.bz2` dump as a binary stream."""
    return bz2.open(path, "rb") if path.suffix == ".bz2" else open(path, "rb")


def iter_articles(path: Path) -> Iterator[str]:
    """Yield the raw wikitext of each article page (namespace 0, not a redirect), streaming."""
    pages = 0
    try:
        with open_dump(path) as stream:
            for _, elem in ET.iterparse(stream, events=("end",)):
                tag = elem.tag.rpartition("}")[2]
                if tag != "page":
                    continue
                pages += 1
                ns = elem.findtext("{*}ns")
                is_redirect = elem.find("{*}redirect") is not None
                text = elem.findtext("{*}revision/{*}text") or ""
                elem.clear()  # keep memory flat on multi-GB dumps
                if ns == "0" and not is_redirect and not text.lstrip().lower().startswith("#redirect"):
                    yield text
    except ET.ParseError as err:
        raise UserError(f"{path} is not a valid MediaWiki XML dump ({err}); give an .xml or .xml.bz2 export.") from None
    except (OSError, EOFError) as err:
        raise UserError(f"{path} could not be read as a dump ({err}); check that the file is complete.") from None
    if pages == 0:
        raise UserError(
            f"{path} holds no <page> elements, so it is not a MediaWiki dump; give a dump or a plain .txt file."
        )


def clean_wikitext(wikitext: str) -> str:
    """Return the prose of one article: no templates, tables, references, images or categories."""
    parsed = wikitextparser.parse(wikitext)
    for table in reversed(parsed.get_tables(recursive=True)):
        del table.string
    for tag in reversed(parsed.get_tags()):
        if tag.name.lower() in _DROPPED_TAGS:
            del tag.string
    for link in reversed(parsed.wikilinks):
        if link.title.strip().lower().startswith(_NON_PROSE_LINKS):
            del link.string
    text = parsed.plain_text(replace_tables=False)
    return _tidy(text)


def _tidy(text: str) -> str:
    lines = []
    for line in text.splitlines():
        line = _SPACES.sub(" ", line).strip()
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(2)
        line = _LIST_MARK.sub("", line)
        # Stray table/template punctuation left by malformed markup is not prose.
        if line.startswith(("{|", "|", "!", "{{", "}}")) or line in ("", "}"):
            lines.append("")
            continue
        lines.append(line)
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
