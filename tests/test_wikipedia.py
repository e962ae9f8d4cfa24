import bz2
import gzip
import lzma
from pathlib import Path

import pytest
from conftest import TINY_DUMP_TEXT

from rnnlab.core.errors import UserError
from rnnlab.data.text.sources import FileSource, article_text, default_dump
from rnnlab.data.text.wikipedia import clean_wikitext, iter_articles


def test_tiny_dump_gives_clean_article_text_and_skips_redirects_and_talk_pages(tiny_dump: Path):
    source = FileSource(tiny_dump)
    assert source.cleaner is article_text
    assert [source.cleaner(document) for document in source.documents()] == [
        TINY_DUMP_TEXT + "\n\n"
    ]


@pytest.mark.parametrize(
    "name, compress",
    [
        ("tiny.xml.bz2", bz2.compress),
        ("tiny.xml.gz", gzip.compress),
        ("tiny.xml.xz", lzma.compress),
        ("enwiki-pages-articles1.xml-p1p41242.bz2", bz2.compress),  # Wikipedia's partial dumps
        ("export.bz2", bz2.compress),  # a name that says nothing: the content starts as XML
    ],
)
def test_compressed_dumps_stream_the_same_pages(tiny_dump: Path, tmp_path: Path, name, compress):
    packed = tmp_path / name
    packed.write_bytes(compress(tiny_dump.read_bytes()))
    assert FileSource(packed).cleaner is article_text
    assert list(FileSource(packed).documents()) == list(FileSource(tiny_dump).documents())


def test_a_compressed_text_file_is_text_not_a_dump(tmp_path: Path):
    path = tmp_path / "notes.txt.bz2"
    path.write_bytes(bz2.compress(b"<b>Bold</b> claims.\n"))
    assert FileSource(path).cleaner is None
    assert list(FileSource(path).documents()) == ["<b>Bold</b> claims.\n"]


@pytest.mark.parametrize(
    "wikitext, expected",
    [
        ("A {{convert|5|km}} walk.", "A walk."),
        ("See [[Paris|the capital]] and [[Lyon]].", "See the capital and Lyon."),
        ("Text.<ref name=a>Source</ref> More.", "Text. More."),
        ("[[Image:X.png|thumb|200px|caption]]Prose.", "Prose."),
        ("'''Bold''' and ''italic''.", "Bold and italic."),
        ("Five &amp; six&nbsp;apples.", "Five & six apples."),
    ],
)
def test_markup_is_stripped(wikitext: str, expected: str):
    assert clean_wikitext(wikitext) == expected


def test_the_shipped_excerpt_cleans_to_prose_without_markup_residue():
    articles = list(iter_articles(default_dump()))
    assert len(articles) > 90  # redirects and non-article pages of the excerpt are skipped
    text = "\n\n".join(clean_wikitext(a) for a in articles[:40])
    assert len(text) > 500_000
    for residue in (
        "thumb|",
        "upright|",
        "px|",
        "{|",
        "|}",
        "|-",
        "[[",
        "]]",
        "{{",
        "}}",
        "<ref",
        "&nbsp;",
        "File:",
        "Category:",
        "'''",
    ):
        assert residue not in text, residue


def test_a_file_that_is_not_a_dump_is_refused(tmp_path: Path):
    path = tmp_path / "notes.xml"
    path.write_text("<notes><note>hello</note></notes>")
    with pytest.raises(UserError, match="no <page> elements"):
        list(FileSource(path).documents())


def test_malformed_xml_is_refused(tmp_path: Path):
    path = tmp_path / "broken.xml"
    path.write_text("<mediawiki><page><title>x</title>")
    with pytest.raises(UserError, match="not a valid MediaWiki XML dump"):
        list(FileSource(path).documents())


def test_truncated_bz2_is_refused(tiny_dump: Path, tmp_path: Path):
    path = tmp_path / "cut.xml.bz2"
    path.write_bytes(bz2.compress(tiny_dump.read_bytes())[:200])
    with pytest.raises(UserError, match=r"cut\.xml\.bz2"):
        list(FileSource(path).documents())


@pytest.mark.parametrize(
    "content, message",
    [(None, "does not exist"), (b"", "is empty"), (b"caf\xe9 au lait", "not UTF-8")],
)
def test_unusable_text_files_are_refused(tmp_path: Path, content: bytes | None, message: str):
    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        list(FileSource(path).documents())
