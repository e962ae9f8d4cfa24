from pathlib import Path

import pytest
import torch

from rnnlab.data.pair_sources import chatterbot_pairs, file_pairs, number_word_pairs
from rnnlab.data.pairs import PairsDataModule
from rnnlab.errors import UserError


def test_chatterbot_dialogs_give_about_two_thousand_english_pairs():
    pairs = chatterbot_pairs("english")
    assert 1500 < len(pairs) < 5000
    assert ("Hello", "Hi") in pairs


def test_an_unknown_chatterbot_language_lists_the_shipped_ones():
    with pytest.raises(UserError, match="english"):
        chatterbot_pairs("klingon")


def test_number_words_are_deterministic_and_distinct():
    pairs = number_word_pairs(500, 0, 10_000, seed=3)
    assert pairs == number_word_pairs(500, 0, 10_000, seed=3)
    assert len({s for s, _ in pairs}) == 500
    assert ("4 0 9 6", "four thousand and ninety-six") in number_word_pairs(
        10_000, 0, 10_000, seed=0
    )


def test_tatoeba_style_files_read_as_pairs(tmp_path: Path):
    path = tmp_path / "fra.txt"
    path.write_text("Go.\tVa !\tCC-BY 2.0 (France)\nHi.\tSalut !\tCC-BY\n", encoding="utf-8")
    assert file_pairs(path) == [("Go.", "Va !"), ("Hi.", "Salut !")]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"hello\tworld\nno tab here\n", r"pairs\.tsv, line 2: has 1 column"),
        (b"hello\t \n", r"pairs\.tsv, line 1: the source or the target is empty"),
        (b"caf\xe9\tau lait\n", "not UTF-8"),
        (b"\n\n", "holds no pairs"),
    ],
)
def test_bad_pair_files_name_the_file_and_line(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        file_pairs(path)


def test_bad_lines_can_be_skipped_and_counted_instead(tmp_path: Path, caplog):
    path = tmp_path / "pairs.tsv"
    path.write_text("hello\tworld\nno tab here\nhi\t \nbye\tnow\n")
    assert file_pairs(path, skip_bad_lines=True) == [("hello", "world"), ("bye", "now")]
    assert "skipped 2 malformed lines" in caplog.text


def test_a_missing_pair_file_is_named(tmp_path: Path):
    with pytest.raises(UserError, match="does not exist"):
        PairsDataModule(path=str(tmp_path / "nope.tsv")).setup()


def test_split_is_by_unique_source_and_seeded():
    dm = PairsDataModule(corpus="chatterbot", seed=1)
    dm.setup()
    sources = {
        name: {
            tuple(row[: int(n)].tolist())
            for row, n in zip(split.source, split.source_lengths, strict=True)
        }
        for name, split in dm.splits.items()
    }
    assert not sources["train"] & sources["test"] and not sources["train"] & sources["val"]
    again = PairsDataModule(corpus="chatterbot", seed=1)
    again.setup()
    assert torch.equal(again.splits["test"].source, dm.splits["test"].source)


def test_fixed_padding_keeps_every_row_at_the_set_lengths_and_dynamic_trims_to_the_batch(
    tmp_path: Path,
):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{'a ' * (i % 5 + 1)}x{i}\tb{i} c\n" for i in range(60)))
    fixed = PairsDataModule(
        path=str(path), padding="fixed", encoder_length=9, decoder_length=6, batch_size=4
    )
    fixed.setup()
    batch = next(iter(fixed.train_dataloader()))
    assert batch["source"].shape == (4, 9) and batch["decoder_input"].shape == (4, 6)
    dynamic = PairsDataModule(
        path=str(path), padding="dynamic", encoder_length=9, decoder_length=6, batch_size=4
    )
    dynamic.setup()
    batch = next(iter(dynamic.train_dataloader()))
    assert batch["source"].size(1) == batch["source_lengths"].max()
    assert batch["target"].size(1) == 3  # b_i c <EOS>: the longest target of the batch
    assert (batch["target"][:, -1] == fixed.target_vocab.eos).all()


def test_truncation_is_set_by_the_length_percentile(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{'w ' * (1 + (i == 0) * 30)}s{i}\tt{i}\n" for i in range(50)))
    dm = PairsDataModule(path=str(path), length_percentile=90)
    dm.setup()
    assert dm.encoder_length == 3  # one long outlier does not set the length


@pytest.mark.parametrize(
    "option, message",
    [
        ({"padding": "sometimes"}, "data.padding='sometimes'"),
        ({"corpus": "books"}, "data.corpus='books'"),
        ({"length_percentile": 0}, "data.length_percentile=0"),
        ({"batch_size": 0}, "data.batch_size=0"),
    ],
)
def test_bad_pair_options_are_refused(option: dict, message: str):
    with pytest.raises(UserError, match=message):
        PairsDataModule(**option)


def test_a_hub_pair_dataset_is_fetched_by_prepare_data_which_names_the_offline_default():
    dm = PairsDataModule(hub="no-such-owner/no-such-pairs")
    with pytest.raises(UserError, match=r"drop data\.hub to use the offline chatterbot-corpus"):
        dm.prepare_data()
    assert dm.splits == {}
