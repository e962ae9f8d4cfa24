"""Input files are read as editors and spreadsheets write them (compressed, with a byte-order mark,
with CRLF line ends), their problems are named truly, and a hub dataset fails fast offline."""

import bz2
import gzip
import json
import logging
import lzma
import os
import socket
import time
from pathlib import Path

import pytest

from rnnlab.commands.chat import read_inputs
from rnnlab.core.errors import UserError
from rnnlab.data import hub
from rnnlab.data.hub import load_hub_dataset
from rnnlab.data.pairs.datamodule import PairsDataModule
from rnnlab.data.pairs.sources import file_pairs, hub_pairs
from rnnlab.data.series import csv_column
from rnnlab.data.text.sources import FileSource
from rnnlab.data.text.wiki_char import WikiCharDataModule

TEXT = "Première ligne, l'homme.\nSecond line\n\nlast line\n"

# How a file of `TEXT` may come: name, and bytes from the UTF-8 text.
VARIANTS = {
    "byte-order mark": ("bom.txt", lambda data: b"\xef\xbb\xbf" + data),
    "CRLF": ("crlf.txt", lambda data: data.replace(b"\n", b"\r\n")),
    "gzip": ("text.txt.gz", gzip.compress),
    "bzip2": ("text.txt.bz2", bz2.compress),
    "xz": ("text.txt.xz", lzma.compress),
    "gzip without its suffix": ("text.txt", gzip.compress),
    "gzip of BOM and CRLF": (
        "all.gz",
        lambda data: gzip.compress(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")),
    ),
}


def write_variant(folder: Path, variant: str, text: str) -> Path:
    name, encode = VARIANTS[variant]
    path = folder / name
    path.write_bytes(encode(text.encode("utf-8")))
    return path


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_text_corpus_reads_the_same_in_every_variant(tmp_path: Path, variant: str):
    source = FileSource(write_variant(tmp_path, variant, TEXT))
    assert source.cleaner is None  # text, not a dump
    assert "".join(source.documents()) == TEXT


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_pair_file_reads_the_same_in_every_variant(tmp_path: Path, variant: str):
    text = "Go.\tVa !\tCC-BY 2.0 (France)\nThe man.\tL'homme.\tCC-BY\n"
    assert file_pairs(write_variant(tmp_path, variant, text)) == [
        ("Go.", "Va !"),
        ("The man.", "L'homme."),
    ]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_series_csv_reads_the_same_in_every_variant(tmp_path: Path, variant: str):
    path = write_variant(tmp_path, variant, "value,month\n1.5,1\n-2,2\n")
    assert csv_column(path, "value").tolist() == [1.5, -2.0]


@pytest.mark.parametrize("variant", VARIANTS)
def test_chat_input_files_read_the_same_in_every_variant(tmp_path: Path, variant: str):
    lines = read_inputs(None, str(write_variant(tmp_path, variant, TEXT)))
    assert lines == ["Première ligne, l'homme.", "Second line", "last line"]


@pytest.mark.parametrize(
    "read, message",
    [
        (
            lambda path: list(FileSource(path).documents()),
            "The data path {} is a directory, not a file; "
            "set data.path to an existing dump or text file.",
        ),
        (
            file_pairs,
            "The pairs file {} is a directory, not a file; "
            "set data.path to a file of source'\\t'target lines.",
        ),
        (
            lambda path: csv_column(path, "value"),
            "The series file {} is a directory, not a file; set data.path to a CSV file.",
        ),
        (
            lambda path: read_inputs(None, str(path)),
            "The input file {} is a directory, not a file; "
            "give a text file with one sentence per line.",
        ),
    ],
    ids=["text source", "pairs", "series", "chat input"],
)
def test_a_directory_is_called_a_directory(tmp_path: Path, read, message: str):
    with pytest.raises(UserError) as raised:
        read(tmp_path)
    assert str(raised.value) == message.format(tmp_path)


LATIN1 = "Ein schönes Café.\n".encode("latin-1")


@pytest.mark.parametrize(
    "name, data, where",
    [
        ("latin1.txt", LATIN1, "byte 7 is not valid UTF-8"),
        ("latin1.txt.gz", gzip.compress(LATIN1), "byte 7 of its decompressed content"),
    ],
    ids=["plain", "gzip"],
)
@pytest.mark.parametrize(
    "read",
    [
        lambda path: list(FileSource(path).documents()),
        file_pairs,
        lambda path: csv_column(path, "value"),
        lambda path: read_inputs(None, str(path)),
    ],
    ids=["text source", "pairs", "series", "chat input"],
)
def test_text_that_is_not_utf8_is_named_with_how_to_resave_it(
    tmp_path: Path, name: str, data: bytes, where: str, read
):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UserError) as raised:
        read(path)
    assert str(raised.value).startswith(f"{path} is not UTF-8 text ({where}")
    assert str(raised.value).endswith(
        "; re-save it as UTF-8, e.g. with iconv -f latin1 -t utf-8 if it is Latin-1."
    )


def test_a_truncated_compressed_text_file_is_named_as_damaged(tmp_path: Path):
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(gzip.compress(TEXT.encode() * 50)[:-20])
    with pytest.raises(UserError, match=r"corpus\.txt\.gz is a damaged or truncated gzip file"):
        list(FileSource(path).documents())


# --- Hugging Face Hub: fail within seconds without a network, read the cache offline ----------


@pytest.fixture
def online(monkeypatch):
    """As if no offline mode were set, the Hub at its default address, and no proxy; the
    variables and library constants that a switch to offline mode changes are restored after."""
    import datasets
    from huggingface_hub import constants

    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", "https://huggingface.co")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", False)
    monkeypatch.setenv(hub.OFFLINE_REASON, "")  # none yet; what a switch sets is undone after
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def closed_port() -> int:
    """A loopback port nothing listens on: a connection there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable(online, monkeypatch) -> str:
    """The Hub's address set to a loopback port nothing listens on; yields `host:port`."""
    from huggingface_hub import constants

    port = closed_port()
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")
    return f"127.0.0.1:{port}"


@pytest.fixture
def listener():
    """A loopback server that takes connections: `(port, connected)`, where `connected()` says
    whether a connection came within a second."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(1)

        def connected() -> bool:
            try:
                server.accept()[0].close()
            except TimeoutError:
                return False
            return True

        yield server.getsockname()[1], connected


@pytest.mark.parametrize(
    "load, fallback",
    [
        (lambda: hub_pairs("no-owner/no-pairs", None, "train", "source", "target"), "chatterbot"),
        (
            lambda: WikiCharDataModule(data_dir="unused", hub="no-owner/no-text").prepare_data(),
            "Wikipedia excerpt",
        ),
    ],
    ids=["pairs", "text"],
)
def test_without_a_network_a_hub_dataset_fails_within_seconds_in_one_line(
    unreachable, tmp_path: Path, monkeypatch, capfd, caplog, load, fallback
):
    import datasets
    from huggingface_hub import constants

    monkeypatch.chdir(tmp_path)
    start = time.monotonic()
    with pytest.raises(UserError) as raised:
        load()
    assert time.monotonic() - start < 5
    message = str(raised.value)
    assert message.startswith("data.hub=no-owner/no-")
    assert "needs the network or a copy in the Hugging Face cache, and neither is there " in message
    assert f"({unreachable} cannot be reached); connect to the network, or " in message
    assert f"drop data.hub to use the offline {fallback}" in message and "\n" not in message
    # This process now reads the cache only, and its children would too.
    assert constants.HF_HUB_OFFLINE and datasets.config.HF_HUB_OFFLINE
    assert datasets.config.HF_DATASETS_OFFLINE
    assert os.environ["HF_HUB_OFFLINE"] == os.environ["HF_DATASETS_OFFLINE"] == "1"
    assert "Retrying" not in capfd.readouterr().err + caplog.text


def test_the_probe_goes_to_the_configured_endpoint_or_its_proxy(online, monkeypatch, listener):
    from huggingface_hub import constants

    port, connected = listener
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")  # a mirror
    assert hub.hub_reachable() and connected()
    # The Hub behind a proxy: the proxy is what must answer.
    monkeypatch.setattr(constants, "ENDPOINT", f"https://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    assert hub.hub_reachable() and connected()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port()}")
    assert not hub.hub_reachable()


def test_a_reachable_hub_is_used_online(online, monkeypatch, listener):
    import datasets
    from huggingface_hub import constants

    calls = []
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{listener[0]}")
    monkeypatch.setattr(datasets, "load_dataset", lambda *args, **kw: calls.append(args) or ["row"])
    assert load_hub_dataset("owner/name", None, "train", False, "the fallback") == ["row"]
    assert calls == [("owner/name", None)] and not datasets.config.HF_HUB_OFFLINE


def test_offline_mode_set_by_the_user_is_named_with_its_fix():
    # The tests run with HF_HUB_OFFLINE=1 (conftest), as a user who set it would.
    with pytest.raises(UserError) as raised:
        load_hub_dataset("no-owner/no-data", None, "train", False, "the fallback")
    assert str(raised.value) == (
        "data.hub=no-owner/no-data needs the network or a copy in the Hugging Face cache, and "
        "neither is there (HF_HUB_OFFLINE or HF_DATASETS_OFFLINE is set); unset them, or drop "
        "data.hub to use the fallback."
    )


@pytest.fixture
def cached_hub_dataset(tmp_path: Path, monkeypatch) -> str:
    """A dataset `me/pairs` in a Hugging Face cache of its own, as a first online load leaves it
    (built here from a local JSON file, offline)."""
    import datasets

    cache = tmp_path / "hf_cache"
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(cache))
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "".join(
            json.dumps({"source": f"hello {i}", "target": f"salut {i}"}) + "\n" for i in range(60)
        )
    )
    datasets.load_dataset("json", data_files=str(rows), split="train", cache_dir=str(cache / "b"))
    (built,) = [p for p in (cache / "b" / "json").glob("*/*/*") if p.is_dir()]
    copy = cache / "me___pairs" / "default" / built.parent.name / built.name
    copy.mkdir(parents=True)
    for file in built.iterdir():
        (copy / file.name.replace("json-", "pairs-")).write_bytes(file.read_bytes())
    return "me/pairs"


def test_without_a_network_a_cached_hub_dataset_still_loads(
    unreachable, cached_hub_dataset: str, caplog
):
    import datasets

    with caplog.at_level(logging.WARNING, logger="rnnlab.data.hub"):
        pairs = hub_pairs(cached_hub_dataset, None, "train", "source", "target")
        assert pairs[:2] == [("hello 0", "salut 0"), ("hello 1", "salut 1")]
        assert len(pairs) == 60
        said = (
            f"Read data.hub=me/pairs from the Hugging Face cache: {unreachable} cannot be reached."
        )
        assert caplog.text.count(said) == 1
        dm = PairsDataModule(hub=cached_hub_dataset)
        dm.prepare_data()
        dm.setup()
    assert sum(len(split) for split in dm.splits.values()) == 60
    # Probed once: after the switch the process reads the cache only, and says why each time.
    assert datasets.config.HF_HUB_OFFLINE and caplog.text.count(said) >= 2
