"""Seq2seq on real sentences: tokenizers that keep case and punctuation, detokenized replies and
scores, real files and hub datasets, and the number-translation benchmark's data."""

import json
from pathlib import Path

import pytest
import torch
from conftest import FEW_STEPS, built_once, compose_train, run_command, trained
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError
from rnnlab.data.pairs.datamodule import PairsDataModule
from rnnlab.data.pairs.sources import number_word_pairs
from rnnlab.data.pairs.tokenizer import (
    DEFAULT_BPE_VOCAB,
    KINDS,
    BpeTokenizer,
    CharTokenizer,
    PairTokenizer,
    clean,
    train_tokenizer,
)
from rnnlab.data.tokens import EOS, PAD, SEQ2SEQ_SPECIALS, START
from rnnlab.tasks.seq2seq import chrf, sacrebleu

FRENCH = [
    "Où est l'homme ?",
    "« Cours ! » dit-il.",
    "C'est déjà l'été, n'est-ce pas ?",
    "Tom n'a pas vu Marie.",
    "Il fait très chaud aujourd'hui.",
]

# A Tatoeba/Anki-style file: English<TAB>French<TAB>attribution, accents and apostrophes,
# written with a byte-order mark and CRLF line ends.
TATOEBA = [
    ("Go.", "Va !"),
    ("Hi.", "Salut !"),
    ("Run!", "Cours !"),
    ("Who?", "Qui ?"),
    ("Wow!", "Ça alors !"),
    ("I'm OK.", "Ça va."),
    ("Help me.", "Aidez-moi."),
    ("I'm home.", "Je suis à la maison."),
    ("Tom left.", "Tom est parti."),
    ("It's late.", "Il est tard."),
    ("I'm sorry.", "Je suis désolé."),
    ("We're late.", "Nous sommes en retard."),
    ("Where's Tom?", "Où est Tom ?"),
    ("Is it true?", "Est-ce vrai ?"),
    ("I love you.", "Je t'aime."),
    ("Be careful.", "Fais attention."),
    ("It's summer.", "C'est l'été."),
    ("I'm hungry.", "J'ai faim."),
    ("Let's go!", "Allons-y !"),
    ("Thank you.", "Merci."),
]


def write_tatoeba(path: Path) -> Path:
    lines = [f"{en}\t{fr}\tCC-BY 2.0 (France) Attribution: tatoeba.org" for en, fr in TATOEBA]
    path.write_bytes("\ufeff".encode() + "\r\n".join(lines).encode() + b"\r\n")
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_every_tokenizer_keeps_ids_0_to_3_for_the_special_tokens(kind: str):
    tokenizer = train_tokenizer(kind, [clean(s) for s in FRENCH], None, 1, "target")
    assert tuple(tokenizer.vocab[:4]) == SEQ2SEQ_SPECIALS
    assert (tokenizer.pad, tokenizer.start, tokenizer.eos, tokenizer.unk) == (0, 1, 2, 3)


@pytest.mark.parametrize("kind", ["bpe", "char"])
def test_subwords_and_characters_give_back_the_sentence_with_case_and_punctuation(kind: str):
    texts = [clean(s) for s in FRENCH]
    tokenizer = train_tokenizer(kind, texts, None, 1, "target")
    for text in texts:
        ids = tokenizer.encode(text)
        assert tokenizer.unk not in ids
        assert tokenizer.decode([tokenizer.start, *ids, tokenizer.eos, 0, 0]) == text


BPE_FRENCH = BpeTokenizer.train([clean(s) for s in FRENCH], 60, 1)
alphabet = st.sampled_from(sorted(set("".join(FRENCH))))


@settings(max_examples=60, deadline=None)
@given(text=st.lists(alphabet, min_size=1, max_size=40).map("".join))
def test_bpe_gives_back_any_text_written_in_its_alphabet(text: str):
    tokenizer = BPE_FRENCH
    assert tokenizer.decode(tokenizer.encode(text)) == clean(text)


def test_spaces_and_unicode_spellings_are_cleaned_the_same_for_every_tokenizer():
    composed, decomposed = "déjà vu", "de\u0301ja\u0300 vu"
    assert clean(f"  {decomposed}\t\r\n") == composed
    assert BPE_FRENCH.encode(decomposed) == BPE_FRENCH.encode(composed)


def test_unseen_characters_are_unknown_and_named():
    tokenizer = BPE_FRENCH
    assert tokenizer.unk in tokenizer.encode("Où est Жук ?")
    assert tokenizer.unknown("Où est Жук ?") == ["Ж", "к", "у"]
    chars = CharTokenizer.train(["abc"], None, 1)
    assert chars.unknown("abz") == ["z"] and chars.encode("abz")[-1] == chars.unk


@pytest.mark.parametrize("kind", KINDS)
def test_a_tokenizer_is_saved_as_plain_json_and_read_back_the_same(kind: str, tmp_path: Path):
    tokenizer = train_tokenizer(kind, [clean(s) for s in FRENCH], None, 1, "target")
    saved = tokenizer.to_json()
    assert json.loads(saved)["kind"] == kind
    # As a checkpoint keeps it: a string, loadable without running any code.
    torch.save({"hyper_parameters": {"target_tokenizer": saved}}, tmp_path / "x.ckpt")
    loaded = torch.load(tmp_path / "x.ckpt", weights_only=True)
    again = PairTokenizer.from_json(loaded["hyper_parameters"]["target_tokenizer"])
    assert again.vocab == tokenizer.vocab
    assert all(again.encode(s) == tokenizer.encode(s) for s in FRENCH)


def test_a_damaged_saved_tokenizer_is_one_clear_error():
    with pytest.raises(UserError, match="A saved tokenizer cannot be read"):
        PairTokenizer.from_json('{"kind": "sentencepiece"}')


def test_bpe_learns_the_same_pieces_from_the_same_text():
    texts = [clean(t) for _, t in number_word_pairs(500, 0, 10**6, 0, "en", "de")]
    first, second = (BpeTokenizer.train(texts, 120, 1) for _ in range(2))
    assert first.to_json() == second.to_json()


def test_a_vocab_size_too_small_or_too_large_names_the_size_that_fits():
    texts = [clean(s) for s in FRENCH]
    with pytest.raises(UserError) as small:
        train_tokenizer("bpe", texts, 10, 1, "target")
    assert str(small.value).startswith("data.vocab_size=10 cannot hold the 4 special tokens")
    assert "set it to at least" in str(small.value)
    most = len(train_tokenizer("bpe", texts, None, 1, "target"))
    assert most < DEFAULT_BPE_VOCAB  # null: as many as the text yields
    with pytest.raises(UserError) as large:
        train_tokenizer("bpe", texts, most + 1, 1, "target")
    assert f"is more than the {most} pieces the target training text yields" in str(large.value)
    assert len(train_tokenizer("bpe", texts, most, 1, "target")) == most


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("data.tokenizer=sentencepiece", "data.tokenizer='sentencepiece' must be one of bpe, "),
        ("data.vocab_size=3", "data.vocab_size=3 must be a whole number at least 5"),
    ],
)
def test_bad_tokenizer_settings_are_refused_before_anything_runs(
    tmp_path: Path, override: str, message: str
):
    cfg = compose_train(tmp_path, "model=seq2seq", override)
    with pytest.raises(UserError, match=message):
        check_train_config(cfg)


def test_the_word_tokenizer_lays_out_the_lecture_slide(tmp_path: Path):
    path = tmp_path / "slide.tsv"
    path.write_text("Hello, how are you?\tI am fine.\n" * 3 + "a\tb\nc\td\ne\tf\ng\th\n")
    dm = PairsDataModule(
        path=str(path),
        tokenizer="word",
        padding="fixed",
        encoder_length=7,
        decoder_length=6,
        val_fraction=0.2,
        test_fraction=0.2,
    )
    dm.setup()
    source, target = dm.source_tokenizer, dm.target_tokenizer
    rows = [(split, i) for split in dm.splits.values() for i in range(len(split.source))]
    split, i = next(
        (split, i)
        for split, i in rows
        if source.decode(split.source[i].tolist()) == "hello how are you"
    )
    pieces = lambda vocab, ids: [vocab.vocab[j] for j in ids.tolist()]  # noqa: E731
    assert pieces(source, split.source[i]) == ["hello", "how", "are", "you", EOS, PAD, PAD]
    assert pieces(target, split.decoder_input[i]) == [START, "i", "am", "fine", EOS, PAD]
    assert pieces(target, split.target[i]) == ["i", "am", "fine", EOS, PAD, PAD]


def test_a_tatoeba_file_keeps_accents_apostrophes_and_case(tmp_path: Path):
    path = write_tatoeba(tmp_path / "fra.txt")
    dm = PairsDataModule(path=str(path), tokenizer="bpe", length_percentile=100)
    dm.setup()
    texts = {dm.target_tokenizer.decode(row) for row in dm.splits["train"].target.tolist()}
    assert texts <= {fr for _, fr in TATOEBA} and "\ufeff" not in "".join(texts)
    assert any("'" in t or "Ç" in t or "à" in t for t in texts)


def test_a_hub_translation_dataset_reads_nested_language_fields(tmp_path: Path, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "opus_tiny"
    folder.mkdir()
    rows = [{"translation": {"en": en, "fr": fr}} for en, fr in TATOEBA]
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    dm = PairsDataModule(
        hub=str(folder), source_field="translation.en", target_field="translation.fr"
    )
    assert dm.load_pairs() == TATOEBA
    dm.prepare_data()
    dm.setup()
    assert json.loads(dm.model_hparams()["target_tokenizer"])["kind"] == "bpe"


def test_scores_are_sacrebleu_and_chrf_on_the_text_as_written():
    import sacrebleu as reference

    replies = ["Das ist ein kleiner Test, nicht wahr?", "Er geht nach Hause.", "wo ist der Mann?"]
    truths = ["Das ist ein kleiner Test, oder?", "Er geht heute nach Hause.", "Wo ist der Mann?"]
    bleu, chrf_score = sacrebleu(), chrf()
    bleu.update(replies, [[t] for t in truths])
    chrf_score.update(replies, [[t] for t in truths])
    expected_bleu = reference.BLEU(smooth_method="none").corpus_score(replies, [truths]).score
    expected_chrf = reference.CHRF().corpus_score(replies, [truths]).score
    assert float(bleu.compute()) == pytest.approx(expected_bleu, abs=1e-3)
    assert float(chrf_score.compute()) == pytest.approx(expected_chrf, abs=1e-3)


def test_number_translation_reorders_units_and_tens():
    pairs = dict(number_word_pairs(100, 0, 100, 0, "en", "de"))
    assert pairs["ninety-six"] == "sechsundneunzig"
    assert dict(number_word_pairs(100, 0, 100, 0, "en", "fr"))["ninety-six"] == (
        "quatre-vingt-seize"
    )
    with pytest.raises(UserError, match=r"data.number_target='klingon' is not a way to write"):
        number_word_pairs(10, 0, 100, 0, "en", "klingon")


TINY = [
    "data.batch_size=8",
    "model.embedding_dim=16",
    "model.hidden_size=24",
    "model.max_decode_length=12",
    *FEW_STEPS,
]


@pytest.mark.slow
def test_experiment_number_translation_trains_and_replies_in_german(tmp_path: Path):
    result = run_command(
        "train.py", "experiment=number_translation", f"paths.root_dir={tmp_path}",
        "data.count=300", *TINY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ninety-six ->" in result.stdout and "test/chrf" in result.stdout


@pytest.fixture(scope="session")
def tatoeba_checkpoint(tmp_path_factory) -> Path:
    """A small attention model that has learned the Tatoeba-style pairs by heart."""
    result, run_dir = built_once(tmp_path_factory, "tatoeba", train_on_tatoeba)
    assert "I'm home. -> Je suis à la maison." in result.stdout  # the end-of-run demo
    return run_dir / "checkpoints" / "last.ckpt"


def train_on_tatoeba(root: Path):
    return trained(
        root,
        "model=seq2seq_attn",
        f"data.path={write_tatoeba(root / 'fra.txt')}",
        "data.tokenizer=bpe",
        "data.batch_size=8",
        "model.embedding_dim=32",
        "model.hidden_size=64",
        "model.dropout=0",
        "model.optimizer.lr=0.01",
        "trainer.max_steps=150",
        "trainer.val_check_interval=75",
        "trainer.num_sanity_val_steps=0",
        "~callbacks.progress_bar",
        'sample.seq2seq.texts=["I\'m home."]',
        task="seq2seq",
    )


def test_chat_on_a_tatoeba_checkpoint_prints_cased_punctuated_french(tatoeba_checkpoint: Path):
    typed = "I'm home.\nWhere's Tom?\n"
    result = run_command("scripts/chat.py", f"ckpt_path={tatoeba_checkpoint}", stdin=typed)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Je suis à la maison.", "Où est Tom ?"]


def test_continuing_a_checkpoint_with_another_tokenizer_is_refused(
    tatoeba_checkpoint: Path, tmp_path: Path
):
    runs = tatoeba_checkpoint.parents[2]
    before = sorted(runs.iterdir())
    result = run_command(
        "train.py",
        "model=seq2seq_attn",
        f"paths.root_dir={runs.parents[2]}",
        f"data.path={runs.parents[2] / 'fra.txt'}",
        "data.tokenizer=char",
        "data.batch_size=8",
        "model.embedding_dim=32",
        "model.hidden_size=64",
        "model.dropout=0",
        "model.optimizer.lr=0.01",
        f"ckpt_path={tatoeba_checkpoint}",
    )
    assert result.returncode == 1
    *_, line = result.stderr.strip().splitlines()
    assert "was trained with another source_tokenizer and target_tokenizer" in line
    assert "data.tokenizer='char' here, 'bpe' in the checkpoint" in line
    assert sorted(runs.iterdir()) == before  # no run directory left behind
