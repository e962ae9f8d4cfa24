from pathlib import Path

import pytest
import torch
from conftest import FEW_STEPS, built_once, compose_train, run_command, trained

from rnnlab.commands.train import train
from rnnlab.core.errors import UserError
from rnnlab.data.text.wiki_cloze import (
    WikiClozeDataModule,
    build_vocab,
    make_examples,
    split_sentences,
)
from rnnlab.data.tokens import BLANK
from rnnlab.data.words import tokenize
from rnnlab.nets.cloze import ClozeNet

TINY = [
    "data.max_chars=150000",
    "data.vocab_size=500",
    "data.batch_size=16",
    "model.embedding_dim=16",
    "model.hidden_size=24",
    *FEW_STEPS,
]


def test_sentences_split_on_end_punctuation_and_lines():
    assert split_sentences("I am not hungry. Are you? Yes!\nNew line") == [
        "I am not hungry.",
        "Are you?",
        "Yes!",
        "New line",
    ]


def test_one_word_per_sentence_is_blanked_and_is_the_answer():
    sentences = [tokenize("the cat sat on the mat"), tokenize("a dog ran")]
    words = build_vocab(sentences, size=100)
    index = {w: i for i, w in enumerate(words)}
    tokens, positions, answers, skipped = make_examples(
        sentences, index, seed=0, skip_oov_answers=True
    )
    assert skipped == 0 and len(tokens) == 2
    for ids, position, answer, sentence in zip(tokens, positions, answers, sentences, strict=True):
        assert ids[position] == index[BLANK] and words[answer] == sentence[position]
        assert [words[i] for j, i in enumerate(ids) if j != position] == [
            w for j, w in enumerate(sentence) if j != position
        ]


def test_answers_outside_the_vocabulary_are_skipped_or_kept_as_unknown():
    sentences = [["rare"], ["rare"], ["common"], ["common"], ["common"]]
    words = build_vocab(sentences, size=1)
    assert words[3:] == ["common"]
    index = {w: i for i, w in enumerate(words)}
    kept = make_examples(sentences, index, 0, skip_oov_answers=True)
    assert len(kept[0]) == 3 and kept[3] == 2
    counted = make_examples(sentences, index, 0, skip_oov_answers=False)
    assert len(counted[0]) == 5 and counted[2].count(index["<UNK>"]) == 2 and counted[3] == 0


def test_the_datamodule_reads_the_wikipedia_text_cache(tmp_path: Path, data_dir: Path):
    dm = WikiClozeDataModule(data_dir=str(data_dir), max_chars=150000, vocab_size=300, batch_size=8)
    dm.prepare_data()
    dm.setup()
    tokens, lengths, blank, answer = next(iter(dm.train_dataloader()))
    assert tokens.shape == (8, 40)
    assert (tokens[torch.arange(8), blank] == dm.words.index(BLANK)).all()
    assert (blank < lengths).all() and (answer >= 3).all()
    assert (data_dir / "corpora").is_dir()


@pytest.mark.parametrize("bidirectional", [True, False])
def test_the_prediction_only_sees_the_sides_it_should(bidirectional: bool):
    torch.manual_seed(0)
    net = ClozeNet(30, "gru", 8, 12, 1, 0.0, bidirectional).eval()
    tokens = torch.tensor([[5, 6, 2, 7, 8]])
    changed_after = tokens.clone()
    changed_after[0, 4] = 9
    args = (torch.tensor([5]), torch.tensor([2]))
    same = torch.allclose(net(tokens, *args), net(changed_after, *args))
    # Words after the blank matter only to the bidirectional model.
    assert same is (not bidirectional)
    changed_blank = tokens.clone()
    changed_blank[0, 2] = 11
    # The blank's own token never reaches the prediction: states before and after it are used.
    torch.testing.assert_close(net(tokens, *args), net(changed_blank, *args))


@pytest.mark.slow
@pytest.mark.parametrize("bidirectional", ["true", "false"])
def test_cloze_trains_both_ways(tmp_path: Path, data_dir: Path, bidirectional: str):
    cfg = compose_train(
        tmp_path,
        "model=birnn_cloze",
        f"model.bidirectional={bidirectional}",
        f"paths.data_dir={data_dir}",
        *TINY,
    )
    assert cfg.task_name == "cloze" and cfg.data._target_.endswith("WikiClozeDataModule")
    metrics = train(cfg)
    assert 0 <= metrics["test/top1"] <= metrics["test/top5"] <= 1


@pytest.fixture(scope="session")
def cloze_checkpoint(tmp_path_factory, data_dir: Path) -> Path:
    result, run_dir = built_once(
        tmp_path_factory,
        "cloze",
        lambda root: trained(
            root, "model=birnn_cloze", f"paths.data_dir={data_dir}", *TINY, task="cloze"
        ),
    )
    assert "I am ___ hungry at all. ->" in result.stdout
    return run_dir / "checkpoints" / "last.ckpt"


def test_fill_blank_prints_candidates_with_probabilities(cloze_checkpoint: Path):
    result = run_command(
        "scripts/fill_blank.py",
        f"ckpt_path={cloze_checkpoint}",
        "text=I am ___ hungry at all.",
        "top=4",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4
    probabilities = [float(line.split("%")[0]) for line in lines]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 100.0001


@pytest.mark.parametrize("text, found", [("I am not hungry.", 0), ("I ___ not ___ hungry.", 2)])
def test_fill_blank_needs_exactly_one_blank(cloze_checkpoint: Path, text: str, found: int):
    result = run_command("scripts/fill_blank.py", f"ckpt_path={cloze_checkpoint}", f"text={text}")
    assert (
        result.returncode == 1 and f"exactly one blank written ___ (found {found})" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_cloze_options_are_checked(tmp_path: Path):
    with pytest.raises(UserError, match=r"data\.min_words=50 must not exceed"):
        WikiClozeDataModule(data_dir=str(tmp_path), min_words=50, max_words=40)


def test_training_sentences_get_a_fresh_blank_at_each_visit(data_dir: Path):
    dm = WikiClozeDataModule(data_dir=str(data_dir), max_chars=150000, vocab_size=300, batch_size=8)
    dm.prepare_data()
    dm.setup()
    train, blank_id = dm.splits["train"], dm.words.index(BLANK)
    picks = set()
    for _ in range(20):
        tokens, lengths, blank, answer = train[[0]]
        assert tokens[0, blank[0]] == blank_id and blank[0] < lengths[0]
        assert answer[0] == train.tokens[0, blank[0]]
        # skip_oov_answers: only known words are asked for
        assert answer[0] != dm.words.index("<UNK>")
        picks.add(int(blank[0]))
    assert len(picks) > 1
