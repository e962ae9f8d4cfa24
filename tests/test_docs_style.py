"""The user documents read as documentation, not as a log: no engineering-log phrases, a README
short enough to read in minutes, and no relative link to a file that does not exist."""

import re

import pytest
from conftest import REPO

DOCUMENTS = sorted(
    {"README.md", "CONTRIBUTING.md", "benchmarks/README.md"}
    | {str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md")}
)
# History belongs in commit messages; a reader's machine is not "this machine".
LOG_PHRASES = re.compile(r"this machine|not met|before the fix|tried and not kept", re.I)
README_MAX_LINES = 220


def read(document: str) -> str:
    path = REPO / document
    if not path.is_file():
        pytest.fail(f"{document} is missing")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_engineering_log_phrases(document: str):
    found = [
        f"{document}:{number}: {match.group()!r} in {line.strip()[:120]!r}"
        for number, line in enumerate(read(document).splitlines(), start=1)
        for match in LOG_PHRASES.finditer(line)
    ]
    assert not found, "\n".join(found)


def test_the_readme_is_short():
    lines = len(read("README.md").splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES})"


def relative_links(text: str) -> list[str]:
    """The targets of the Markdown links and images, reference definitions and HTML src/href
    attributes, outside code, that are not web addresses or anchors in the same page."""
    prose = re.sub(r"(```|~~~).*?\1", "", text, flags=re.S)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    targets = re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)", prose)
    targets += re.findall(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", prose, flags=re.M)
    targets += re.findall(r"\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", prose)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#|//", t, flags=re.I)]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_points_to_a_file(document: str):
    folder = (REPO / document).parent
    broken = []
    for target in relative_links(read(document)):
        path = target.split("#")[0].split("?")[0]
        if path and not (folder / path).exists():
            broken.append(f"{document}: {target}")
    assert not broken, "no such file:\n" + "\n".join(dict.fromkeys(broken))


def test_the_link_finder_finds_links():
    text = (
        "![a figure](docs/rnn_vs_lstm.png) and [results](benchmarks/README.md#gpu)\n"
        "[web](https://example.com) [anchor](#quick-start) `[not](in/code.md)`\n"
        '[ref]: docs/gpus.md\n<img src="docs/inspect.png" width="400">\n'
    )
    assert relative_links(text) == [
        "docs/rnn_vs_lstm.png",
        "benchmarks/README.md#gpu",
        "docs/gpus.md",
        "docs/inspect.png",
    ]
