import gzip
import itertools
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import compose_train
from hydra.utils import instantiate

from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError, user_error_in
from rnnlab.data.progress import read_progress
from rnnlab.data.splits import split_sizes
from rnnlab.data.text import corpus as corpus_module
from rnnlab.data.text.corpus import LOCKS_FOLDER, corpus_key, open_corpus, prepare_corpus
from rnnlab.data.text.sources import FileSource, article_text, default_dump
from rnnlab.data.text.vocab import UNKNOWN, CharVocab
from rnnlab.data.text.wiki_char import WikiCharDataModule
from rnnlab.data.text.wiki_cloze import WikiClozeDataModule


def cache_entries(cache: Path) -> list[Path]:
    """What a cache folder holds besides the lock files that let processes take turns preparing."""
    return [p for p in cache.iterdir() if p.name != LOCKS_FOLDER] if cache.exists() else []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_prepared_ids_decode_back_to_the_text_with_rare_characters_folded(tmp_path: Path):
    text = "abracadabra " * 50 + "é"
    source = FileSource(write(tmp_path, text))
    corpus = prepare_corpus(source, tmp_path / "cache", min_char_count=2, max_chars=None)
    vocab = corpus.vocab
    assert vocab.chars[0] == UNKNOWN and "é" not in vocab.index
    assert vocab.decode(corpus.ids()) == text[:-1] + UNKNOWN
    assert corpus.meta["unknown_chars"] == 1
    assert (corpus.directory / "text.txt").read_text(encoding="utf-8") == text


def test_max_chars_keeps_the_start_of_the_source(tmp_path: Path):
    source = FileSource(write(tmp_path, "0123456789" * 10))
    corpus = prepare_corpus(source, tmp_path / "c", 1, max_chars=25)
    assert corpus.vocab.decode(corpus.ids()) == ("0123456789" * 3)[:25]


def test_a_second_prepare_reuses_the_cache_and_a_changed_option_rebuilds(
    tmp_path: Path, monkeypatch
):
    source = FileSource(write(tmp_path, "hello world " * 100))
    first = prepare_corpus(source, tmp_path / "cache", 1, None)
    written = {p.name: p.stat().st_mtime_ns for p in first.directory.iterdir()}
    again = prepare_corpus(source, tmp_path / "cache", 1, None)
    assert again.directory == first.directory
    assert {p.name: p.stat().st_mtime_ns for p in again.directory.iterdir()} == written
    rebuilt = prepare_corpus(source, tmp_path / "cache", 1, 500)
    assert (
        rebuilt.directory != first.directory and rebuilt.directory.parent == first.directory.parent
    )


def test_opening_reads_only_a_prepared_and_intact_corpus(tmp_path: Path):
    source = FileSource(write(tmp_path, "hello world " * 100))
    with pytest.raises(RuntimeError, match="call prepare_corpus first"):
        open_corpus(source, tmp_path / "cache", 1, None)
    prepared = prepare_corpus(source, tmp_path / "cache", 1, None)
    assert open_corpus(source, tmp_path / "cache", 1, None) == prepared
    with pytest.raises(RuntimeError, match="call prepare_corpus first"):
        open_corpus(source, tmp_path / "cache", 2, None)  # other options: another corpus
    flip_a_byte_of_ids(prepared.directory)
    with pytest.raises(UserError, match=r"is damaged \(corpus.npy does not match its checksum\)"):
        open_corpus(source, tmp_path / "cache", 1, None)


def test_the_clean_text_streams_line_by_line_with_any_line_end(tmp_path: Path):
    text = "First line.\nSecond line\r\nthird\rfourth\n\nlast"
    corpus = prepare_corpus(FileSource(write(tmp_path, text)), tmp_path / "cache", 1, None)
    lines = ["First line.\n", "Second line\n", "third\n", "fourth\n", "\n", "last"]
    assert list(corpus.text_lines()) == lines


def test_a_failed_build_leaves_no_cache_behind(tmp_path: Path):
    path = tmp_path / "notes.xml"
    path.write_text("<notes>no pages here</notes>")
    with pytest.raises(UserError, match="not a MediaWiki dump"):
        prepare_corpus(FileSource(path), tmp_path / "cache", 1, None)
    assert cache_entries(tmp_path / "cache") == []


def test_vocab_encodes_unknown_and_out_of_table_code_points_as_zero():
    vocab = CharVocab([UNKNOWN, "a", "b"])
    assert vocab.encode("ab\u4e2dz").tolist() == [1, 2, 0, 0]
    with pytest.raises(UserError, match="'z'"):
        vocab.check_known("abz", "prompt")


def test_datamodule_refuses_a_corpus_smaller_than_one_batch(tmp_path: Path):
    path = write(tmp_path, "tiny text " * 30)
    dm = WikiCharDataModule(data_dir=str(tmp_path / "d"), path=str(path), batch_size=8)
    dm.prepare_data()
    with pytest.raises(UserError, match="fewer than one batch"):
        dm.setup("fit")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["data.seq_len=0"], "data.seq_len=0"),
        (["data.batch_size=-4"], "data.batch_size=-4"),
        (["data.val_fraction=0.7", "data.test_fraction=0.5"], "text for training"),
        (["data.max_chars=0"], "data.max_chars=0"),
    ],
)
def test_datamodule_refuses_bad_options(tmp_path: Path, overrides: list[str], message: str):
    # Wherever the check lives, the declared schema or the constructor, it runs before any data.
    cfg = compose_train(tmp_path, *overrides)
    with pytest.raises(Exception) as raised:  # Hydra's instantiate wraps what it raises
        check_train_config(cfg)
        instantiate(cfg.data)
    assert message in str(user_error_in(raised.value))
    assert not (tmp_path / "data").exists()


def test_datamodule_splits_by_position(tmp_path: Path):
    text = "".join(chr(ord("a") + i % 26) for i in range(20_000))
    path = write(tmp_path, text)
    dm = WikiCharDataModule(data_dir=str(tmp_path / "d"), path=str(path), seq_len=16, batch_size=4)
    dm.prepare_data()
    dm.setup("fit")
    joined = np.concatenate([dm.splits[s] for s in ("train", "val", "test")])
    assert dm.vocab.decode(joined) == text
    assert len(dm.splits["val"]) == len(dm.splits["test"]) == 1000


def test_split_sizes_round_val_and_test_down_and_give_train_the_rest():
    # The default corpus's split, which training metrics depend on.
    assert split_sizes(2_904_725, 0.05, 0.05) == (2_614_253, 145_236, 145_236)
    assert split_sizes(309, 0.15, 0.15) == (217, 46, 46)
    assert split_sizes(19, 0.05, 0.05) == (19, 0, 0)


def test_prepare_data_writes_setup_reads_once_and_model_hparams_waits_for_it(
    tmp_path: Path, monkeypatch
):
    text = "".join(chr(ord("a") + i % 26) for i in range(20_000))
    path = write(tmp_path, text)
    dm = WikiCharDataModule(data_dir=str(tmp_path / "d"), path=str(path), seq_len=16, batch_size=4)
    state = dict(vars(dm))
    dm.prepare_data()
    assert vars(dm) == state and cache_entries(tmp_path / "d" / "corpora")
    with pytest.raises(RuntimeError, match=r"call prepare_data\(\) and setup\(\) first"):
        dm.model_hparams()
    dm.setup("fit")
    splits = dm.splits
    dm.setup("fit")  # as Lightning does inside fit, validate and test
    dm.setup("test")
    assert dm.splits is splits
    vocab = [UNKNOWN, *"abcdefghijklmnopqrstuvwxyz"]
    assert dm.model_hparams() == {"vocab": vocab, "carry_hidden": True}  # streams: carried


def test_char_and_cloze_data_of_one_source_share_one_prepared_corpus(tmp_path: Path):
    options = {"data_dir": str(tmp_path / "d"), "path": str(write(tmp_path, "The fox ran. " * 99))}
    chars = WikiCharDataModule(**options)
    chars.prepare_data()
    assert WikiClozeDataModule(**options).open_prepared() == chars.open_prepared()


def test_an_unreachable_hub_dataset_fails_fast_naming_the_offline_default(tmp_path: Path):
    dm = WikiCharDataModule(
        data_dir=str(tmp_path), hub="wikimedia/wikipedia", hub_config="20231101.en"
    )
    with pytest.raises(UserError, match=r"drop data\.hub to use the offline Wikipedia excerpt"):
        dm.prepare_data()
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "corpora").iterdir())


def cache_files(corpus) -> tuple[bytes, bytes, list[str]]:
    return (
        (corpus.directory / "text.txt").read_bytes(),
        (corpus.directory / "corpus.npy").read_bytes(),
        corpus.vocab.chars,
    )


def truncate_ids(directory: Path) -> None:
    path = directory / "corpus.npy"
    path.write_bytes(path.read_bytes()[:-100])


def flip_a_byte_of_ids(directory: Path) -> None:
    path = directory / "corpus.npy"
    data = bytearray(path.read_bytes())
    data[-7] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        truncate_ids,
        flip_a_byte_of_ids,
        lambda d: (d / "meta.json").unlink(),
        lambda d: (d / "text.txt").unlink(),
        lambda d: (d / "meta.json").write_text('{"n_chars": 12, "vocab": ['),
    ],
    ids=["truncated ids", "flipped byte", "no meta.json", "no text.txt", "broken meta.json"],
)
def test_a_damaged_cache_is_named_removed_and_rebuilt_as_new(tmp_path: Path, caplog, damage):
    source = FileSource(write(tmp_path, "The quick brown fox. " * 300))
    corpus = prepare_corpus(source, tmp_path / "cache", 2, None)
    fresh = cache_files(corpus)
    damage(corpus.directory)
    with caplog.at_level(logging.WARNING, logger="rnnlab.data.text.corpus"):
        rebuilt = prepare_corpus(source, tmp_path / "cache", 2, None)
    assert rebuilt.directory == corpus.directory
    assert cache_files(rebuilt) == fresh
    assert f"{corpus.directory} is damaged" in caplog.text


def test_large_cache_files_are_checked_by_size_and_sampled_blocks(tmp_path: Path):
    def sampled(path: Path) -> dict:  # as a file beyond the whole-file limit is read
        return corpus_module.file_digest(path, whole_up_to=0, block_bytes=64)

    path = tmp_path / "big.bin"
    path.write_bytes(bytes(range(256)) * 100)
    recorded = sampled(path)
    assert recorded != corpus_module.file_digest(path)  # not the whole-file checksum
    data = bytearray(path.read_bytes())
    data[0] ^= 1  # the first block is always sampled
    path.write_bytes(bytes(data))
    assert sampled(path)["blake2b"] != recorded["blake2b"]
    path.write_bytes(path.read_bytes()[:-1])
    assert sampled(path)["size"] == recorded["size"] - 1


@pytest.mark.slow
def test_the_corpus_is_the_same_for_any_worker_count_and_shares_one_cache_key(
    tmp_path: Path, monkeypatch
):
    pools = []
    real_pool = corpus_module.ProcessPoolExecutor

    def recording_pool(*args, **kwargs):
        pools.append(args)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(corpus_module, "ProcessPoolExecutor", recording_pool)
    source = FileSource(default_dump())
    # Several batches, so the order matters.
    serial = prepare_corpus(source, tmp_path / "one", 10, 700_000, workers=1, batch_chars=100_000)
    parallel = prepare_corpus(source, tmp_path / "two", 10, 700_000, workers=2, batch_chars=100_000)
    assert pools == [(2,)]
    assert serial.directory.name == parallel.directory.name
    assert cache_files(serial) == cache_files(parallel)
    clean = "".join(article_text(document) for document in source.documents())
    assert (serial.directory / "text.txt").read_text(encoding="utf-8") == clean[:700_000]


def test_a_hub_dataset_is_streamed_and_read_only_up_to_max_chars(tmp_path: Path, monkeypatch):
    import datasets

    requested, read = {}, []

    def endless_stream(name, config=None, split=None, streaming=False):
        requested.update(name=name, config=config, split=split, streaming=streaming)
        for i in itertools.count():
            read.append(i)
            yield {"text": f"Article {i} is about foxes."}

    monkeypatch.setattr(datasets, "load_dataset", endless_stream)
    dm = WikiCharDataModule(
        data_dir=str(tmp_path), hub="wikimedia/wikipedia", hub_config="20231101.en", max_chars=5000
    )
    dm.prepare_data()
    assert requested == {
        "name": "wikimedia/wikipedia",
        "config": "20231101.en",
        "split": "train",
        "streaming": True,
    }
    expected = "".join(f"Article {i} is about foxes.\n\n" for i in range(500))[:5000]
    assert "".join(dm.open_prepared().text_lines()) == expected
    assert len(read) < 100_000  # it stopped reading the endless stream


def not_a_dump(tmp_path: Path) -> Path:
    path = tmp_path / "notes.xml"
    path.write_text("<notes><note>hello</note></notes>")
    return path


def half_a_dump(tmp_path: Path) -> Path:
    path = tmp_path / "cut.xml.bz2"
    whole = default_dump().read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def latin1_text(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.txt"
    path.write_bytes("naïve café ".encode() * 500 + b"caf\xe9")
    return path


def redirects_only(tmp_path: Path) -> Path:
    path = tmp_path / "redirects.xml"
    page = (
        "<page><title>{0}</title><ns>{1}</ns>"
        '<revision><text xml:space="preserve">{2}</text></revision></page>'
    )
    pages = page.format("Vulpes", 0, "#REDIRECT [[Fox]]")
    pages += page.format("Talk:Fox", 1, "Is the fox quick?")
    path.write_text(f"<mediawiki>{pages}{page.format('Empty', 0, '{{stub}}')}</mediawiki>")
    return path


@pytest.mark.parametrize(
    "make_path, message",
    [
        (
            lambda tmp: tmp / "missing.xml.bz2",
            "does not exist; set data.path to an existing dump or text file",
        ),
        (
            lambda tmp: tmp,
            "is a directory, not a file; set data.path to an existing dump or text file",
        ),
        (lambda tmp: write(tmp, ""), "is empty; give a file with text in it"),
        (not_a_dump, "so it is not a MediaWiki dump; give a dump or a plain .txt file"),
        (half_a_dump, r"is truncated \(its compressed stream ends early\); download it again"),
        (
            latin1_text,
            r"is not UTF-8 text \(byte 6503 is not valid UTF-8\); re-save it as UTF-8, "
            r"e\.g\. with iconv -f latin1 -t utf-8 if it is Latin-1\.$",
        ),
        (redirects_only, "yields no text once cleaned"),
    ],
    ids=[
        "missing",
        "directory",
        "empty",
        "not a dump",
        "truncated bz2",
        "not UTF-8",
        "no article text",
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_bad_data_is_one_sentence_naming_the_file_and_leaves_no_cache(
    tmp_path: Path, make_path, message, workers
):
    path = make_path(tmp_path)
    dm = WikiCharDataModule(data_dir=str(tmp_path / "data"), path=str(path), prep_workers=workers)
    with pytest.raises(UserError, match=message) as raised:
        dm.prepare_data()
    assert str(path) in str(raised.value)
    cache = tmp_path / "data" / "corpora"
    assert cache_entries(cache) == []


def test_a_window_longer_than_the_corpus_is_refused_naming_the_options(tmp_path: Path):
    path = write(tmp_path, "short text " * 500)
    dm = WikiCharDataModule(data_dir=str(tmp_path / "d"), path=str(path), seq_len=4096)
    dm.prepare_data()
    refusal = r"fewer than one batch .*lower data\.batch_size or data\.seq_len"
    with pytest.raises(UserError, match=refusal):
        dm.setup("fit")


def test_progress_shows_on_a_terminal_only(tmp_path: Path, capfd, monkeypatch):
    source = FileSource(default_dump())
    prepare_corpus(source, tmp_path / "quiet", 10, 50_000, workers=1)
    assert capfd.readouterr().err == ""  # logs and captured output get no progress lines
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    positions = []
    with read_progress("Preparing", source.size()) as on_read:
        assert on_read is not None
        for _ in source.documents(lambda position: positions.append(position) or on_read(position)):
            pass
    assert positions == sorted(positions) and 0.9 * source.size() <= positions[-1] <= source.size()


def test_a_gzip_text_corpus_prepares_and_trains_as_the_plain_one(tmp_path: Path):
    text = "".join(chr(ord("a") + i % 26) for i in range(20_000))
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    dm = WikiCharDataModule(
        data_dir=str(tmp_path / "d"), path=str(packed), seq_len=16, batch_size=4
    )
    dm.prepare_data()
    dm.setup("fit")
    joined = np.concatenate([dm.splits[s] for s in ("train", "val", "test")])
    assert dm.vocab.decode(joined) == text
    assert next(iter(dm.train_dataloader()))[0].shape == (4, 16)


def dead_pid() -> int:
    """The id of a process that has ended, as one killed with `kill -9` has."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def half_prepared(folder: Path) -> Path:
    folder.mkdir()
    (folder / "text.txt").write_text("half a corpus")
    return folder


def test_a_killed_preparation_is_cleared_by_the_next_while_live_ones_stay(tmp_path: Path):
    source = FileSource(write(tmp_path, "hello world " * 100))
    cache = tmp_path / "cache"
    cache.mkdir()
    key, other, dead, live = (
        corpus_key(source, 1, None),
        "0123456789abcdef",
        dead_pid(),
        os.getppid(),
    )
    killed = [half_prepared(cache / f".{k}.{dead}.tmp") for k in (key, other)]
    running = [half_prepared(cache / f".{k}.{live}.tmp") for k in (key, other)]
    corpus = prepare_corpus(source, cache, 1, None)
    assert not any(folder.exists() for folder in killed)
    assert sorted(cache_entries(cache)) == sorted([corpus.directory, *running])


LOCK_HOLDER = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_staging_folder_stays_while_its_corpus_lock_is_held(tmp_path: Path):
    # As for a process of another machine sharing this disk, whose id means nothing here.
    source = FileSource(write(tmp_path, "hello world " * 100))
    cache = tmp_path / "cache"
    cache.mkdir()
    other = "0123456789abcdef"
    folder = half_prepared(cache / f".{other}.{dead_pid()}.tmp")
    (cache / LOCKS_FOLDER).mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(cache / LOCKS_FOLDER / f"{other}.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        prepare_corpus(source, cache, 1, None)
        assert folder.exists()
    finally:
        holder.stdin.close()
        holder.wait()
    prepare_corpus(source, cache, 1, None)
    assert not folder.exists()


def test_lock_files_live_in_one_folder_and_a_failed_preparation_leaves_no_cache(tmp_path: Path):
    good = FileSource(write(tmp_path, "hello world " * 100))
    bad = FileSource(not_a_dump(tmp_path))
    cache = tmp_path / "cache"
    corpus = prepare_corpus(good, cache, 1, None)
    with pytest.raises(UserError, match="not a MediaWiki dump"):
        prepare_corpus(bad, cache, 1, None)
    assert sorted(cache.iterdir()) == sorted([cache / LOCKS_FOLDER, corpus.directory])
    locks = sorted((cache / LOCKS_FOLDER).iterdir())
    assert [p.name for p in locks] == sorted(f"{corpus_key(s, 1, None)}.lock" for s in (good, bad))
    assert all(p.stat().st_size == 0 for p in locks)
