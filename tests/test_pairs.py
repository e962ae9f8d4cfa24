import logging
from pathlib import Path

import pytest
import torch
from conftest import compose_train

from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError
from rnnlab.data.pairs.datamodule import PairsDataModule
from rnnlab.data.pairs.sources import chatterbot_pairs, file_pairs, number_word_pairs


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
    path.write_text(
        "Go.\tVa !\tCC-BY 2.0 (France)\nHi.\tSalut !\tCC-BY\n"
        "Where's the man?\tOù est l'homme ?\tCC-BY 2.0 (France) Attribution: tatoeba.org #1\n",
        encoding="utf-8",
    )
    assert file_pairs(path) == [
        ("Go.", "Va !"),
        ("Hi.", "Salut !"),
        ("Where's the man?", "Où est l'homme ?"),
    ]


def test_a_quoted_field_may_hold_the_delimiter_and_doubled_quotes(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    path.write_text('"a\tb"\t"say ""hi"""\nplain\ttext\n', encoding="utf-8")
    assert file_pairs(path) == [("a\tb", 'say "hi"'), ("plain", "text")]
    comma = tmp_path / "pairs.csv"
    comma.write_text('"Hello, you",Bonjour\n', encoding="utf-8")
    assert file_pairs(comma, delimiter=",") == [("Hello, you", "Bonjour")]


def test_quotes_that_break_the_csv_convention_are_text_and_counted(tmp_path: Path, caplog):
    path = tmp_path / "fra.txt"
    path.write_text(
        '"Run!" "OK."\t« Cours ! » « D\'accord. »\tCC-BY\n'
        "L'homme.\tThe man.\tCC-BY\n"
        '"Hello\tSalut\tCC-BY\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO, logger="rnnlab.data.pairs.sources"):
        pairs = file_pairs(path)
    assert pairs == [
        ('"Run!" "OK."', "« Cours ! » « D'accord. »"),
        ("L'homme.", "The man."),
        ('"Hello', "Salut"),
    ]
    assert "the quotes of 2 lines do not follow the CSV convention and were read as text" in (
        caplog.text
    )


def test_quoting_none_reads_every_quote_as_text_and_counts_the_lines(tmp_path: Path, caplog):
    path = tmp_path / "pairs.tsv"
    path.write_text('"a\tb"\nplain\ttext\n', encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="rnnlab.data.pairs.sources"):
        assert file_pairs(path, quoting="none") == [('"a', 'b"'), ("plain", "text")]
    assert "the quotes of 1 lines were read as text (data.quoting=none)" in caplog.text
    dm = PairsDataModule(path=str(path), quoting="none")
    assert dm.load_pairs() == [('"a', 'b"'), ("plain", "text")]


def test_a_delimiter_of_more_than_one_character_is_refused():
    with pytest.raises(UserError, match=r"data\.delimiter=' \| ' must be one character"):
        PairsDataModule(delimiter=" | ")


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


@pytest.mark.slow
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
    assert (batch["target"][:, -1] == fixed.target_tokenizer.eos).all()


def test_truncation_is_set_by_the_length_percentile(tmp_path: Path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{'w ' * (1 + (i == 0) * 30)}s{i}\tt{i}\n" for i in range(50)))
    dm = PairsDataModule(path=str(path), length_percentile=90)
    dm.setup()
    assert dm.encoder_length == 3  # one long outlier does not set the length


@pytest.mark.parametrize(
    "override, message",
    [
        ("data.padding=sometimes", "data.padding='sometimes' must be one of dynamic, fixed."),
        ("data.corpus=books", "data.corpus='books' must be one of chatterbot, number_words."),
        ("data.length_percentile=0", "data.length_percentile=0 must be a finite number more"),
        ("data.batch_size=0", "data.batch_size=0 must be a whole number at least 1."),
    ],
)
def test_bad_pair_options_are_refused(tmp_path: Path, override: str, message: str):
    # Checked against the DataModule's declared parameters when the config is checked.
    cfg = compose_train(tmp_path, "model=seq2seq", override)
    with pytest.raises(UserError) as raised:
        check_train_config(cfg)
    assert str(raised.value).startswith(message)


def test_a_hub_pair_dataset_is_fetched_by_prepare_data_which_names_the_offline_default():
    dm = PairsDataModule(hub="no-such-owner/no-such-pairs")
    with pytest.raises(UserError, match=r"drop data\.hub to use the offline chatterbot-corpus"):
        dm.prepare_data()
    assert dm.splits == {}
