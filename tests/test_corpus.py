from pathlib import Path

import numpy as np
import pytest

from rnnlab.data import corpus as corpus_module
from rnnlab.data.corpus import prepare_corpus
from rnnlab.data.sources import FileSource
from rnnlab.data.vocab import UNKNOWN, CharVocab
from rnnlab.data.wiki_char import WikiCharDataModule
from rnnlab.errors import UserError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_prepared_ids_decode_back_to_the_text_with_rare_characters_folded(tmp_path: Path):
    text = "abracadabra " * 50 + "é"
    corpus = prepare_corpus(FileSource(write(tmp_path, text)), tmp_path / "cache", min_char_count=2, max_chars=None)
    vocab = corpus.vocab
    assert vocab.chars[0] == UNKNOWN and "é" not in vocab.index
    assert vocab.decode(corpus.ids()) == text[:-1] + UNKNOWN
    assert corpus.meta["unknown_chars"] == 1
    assert (corpus.directory / "text.txt").read_text(encoding="utf-8") == text


def test_max_chars_keeps_the_start_of_the_source(tmp_path: Path):
    corpus = prepare_corpus(FileSource(write(tmp_path, "0123456789" * 10)), tmp_path / "c", 1, max_chars=25)
    assert corpus.vocab.decode(corpus.ids()) == ("0123456789" * 3)[:25]


def test_a_second_prepare_reuses_the_cache_and_a_changed_option_rebuilds(tmp_path: Path, monkeypatch):
    source = FileSource(write(tmp_path, "hello world " * 100))
    first = prepare_corpus(source, tmp_path / "cache", 1, None)
    calls = []
    real_build = corpus_module._build
    monkeypatch.setattr(corpus_module, "_build", lambda *a: calls.append(a) or real_build(*a))
    assert prepare_corpus(source, tmp_path / "cache", 1, None).directory == first.directory
    assert calls == []
    rebuilt = prepare_corpus(source, tmp_path / "cache", 1, 500)
    assert rebuilt.directory != first.directory and len(calls) == 1


def test_a_failed_build_leaves_no_cache_behind(tmp_path: Path):
    path = tmp_path / "notes.xml"
    path.write_text("<notes>no pages here</notes>")
    with pytest.raises(UserError, match="not a MediaWiki dump"):
        prepare_corpus(FileSource(path), tmp_path / "cache", 1, None)
    assert list((tmp_path / "cache").iterdir()) == []


def test_vocab_encodes_unknown_and_out_of_table_code_points_as_zero():
    vocab = CharVocab([UNKNOWN, "a", "b"])
    assert vocab.encode("ab\u4e2dz").tolist() == [1, 2, 0, 0]
    with pytest.raises(UserError, match="'z'"):
        vocab.check_known("abz", "prompt")


def test_datamodule_refuses_a_corpus_smaller_than_one_batch(tmp_path: Path):
    dm = WikiCharDataModule(data_dir=str(tmp_path / "d"), path=str(write(tmp_path, "tiny text " * 30)), batch_size=8)
    with pytest.raises(UserError, match="fewer than one batch"):
        dm.setup("fit")


@pytest.mark.parametrize(
    "option, message",
    [
        ({"seq_len": 0}, "data.seq_len=0"),
        ({"batch_size": -4}, "data.batch_size=-4"),
        ({"val_fraction": 0.7, "test_fraction": 0.5}, "leave text for training"),
        ({"max_chars": 0}, "data.max_chars=0"),
    ],
)
def test_datamodule_refuses_bad_options(tmp_path: Path, option: dict, message: str):
    with pytest.raises(UserError, match=message):
        WikiCharDataModule(data_dir=str(tmp_path), **option)


def test_datamodule_splits_by_position(tmp_path: Path):
    text = "".join(chr(ord("a") + i % 26) for i in range(20_000))
    dm = WikiCharDataModule(data_dir=str(tmp_path / "d"), path=str(write(tmp_path, text)), seq_len=16, batch_size=4)
    dm.setup("fit")
    joined = np.concatenate([dm.splits[s] for s in ("train", "val", "test")])
    assert dm.vocab.decode(joined) == text
    assert len(dm.splits["val"]) == len(dm.splits["test"]) == 1000


def test_an_unreachable_hub_dataset_fails_fast_naming_the_offline_default(tmp_path: Path):
    dm = WikiCharDataModule(data_dir=str(tmp_path), hub="wikimedia/wikipedia", hub_config="20231101.en")
    with pytest.raises(UserError, match=r"drop data\.hub to use the offline Wikipedia excerpt"):
        dm.prepare_data()
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "wiki_char").iterdir())
