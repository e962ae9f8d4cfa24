from pathlib import Path

import pytest
import torch
from conftest import FEW_STEPS, built_once, compose_train, run_cli, run_command, trained

from rnnlab.commands.train import train
from rnnlab.config.settings import check_train_config
from rnnlab.core.errors import UserError
from rnnlab.nets.decoding import beam_search, greedy_decode
from rnnlab.nets.seq2seq import Seq2SeqNet

# Tiny sizes: a run of a few steps on the number-words pairs takes seconds.
TINY = [
    "data.count=400",
    "data.batch_size=16",
    "model.embedding_dim=16",
    "model.hidden_size=24",
    "model.max_decode_length=12",
    *FEW_STEPS,
]


def make_net(attention: str, cell: str = "gru", bidirectional: bool = True) -> Seq2SeqNet:
    torch.manual_seed(0)
    return Seq2SeqNet(20, 15, cell, 8, 12, 2, 0.0, bidirectional, attention).eval()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_padding_never_reaches_the_encoder_state_or_outputs(cell: str):
    net = make_net("luong", cell)
    sentences = [torch.tensor([5, 6, 7, 2]), torch.tensor([8, 2])]
    padded = torch.zeros(2, 4, dtype=torch.long)
    for i, s in enumerate(sentences):
        padded[i, : len(s)] = s
    batch = net.encode(padded, torch.tensor([4, 2]))
    for i, s in enumerate(sentences):
        alone = net.encode(s[None], torch.tensor([len(s)]))
        torch.testing.assert_close(batch.memory[i, : len(s)], alone.memory[0])
        states = (
            zip(batch.hidden, alone.hidden, strict=True)
            if cell == "lstm"
            else [(batch.hidden, alone.hidden)]
        )
        for together, single in states:
            torch.testing.assert_close(together[:, i], single[:, 0])
    assert batch.mask.tolist() == [[True] * 4, [True, True, False, False]]


@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
def test_attention_puts_no_weight_on_padding(attention: str):
    net = make_net(attention)
    source = torch.tensor([[5, 6, 2, 0, 0], [7, 8, 9, 10, 2]])
    logits, weights = net(source, torch.tensor([3, 5]), torch.tensor([[1, 4, 5], [1, 6, 7]]))
    assert logits.shape == (2, 3, 15) and weights.shape == (2, 3, 5)
    assert torch.all(weights[0, :, 3:] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))


@pytest.mark.parametrize("attention", ["none", "bahdanau", "luong"])
def test_beam_search_with_one_beam_is_greedy(attention: str):
    net = make_net(attention, "lstm")
    source = torch.randint(3, 20, (4, 6))
    lengths = torch.tensor([6, 4, 3, 1])
    greedy, _ = greedy_decode(net, source, lengths, start=1, eos=2, max_len=10)
    beam = beam_search(net, source, lengths, start=1, eos=2, max_len=10, beam_size=1)
    for row, found in zip(greedy.tolist(), beam, strict=True):
        assert found == (row[: row.index(2)] if 2 in row else row)


def test_a_wider_beam_finds_a_sequence_at_least_as_likely_as_greedy():
    net = make_net("bahdanau")
    source, lengths = torch.randint(3, 20, (3, 5)), torch.tensor([5, 5, 2])

    def log_prob(row, ids):
        state = net.encode(source[row : row + 1], lengths[row : row + 1])
        total, token = 0.0, torch.tensor([1])
        for t in [*ids, 2]:
            logits, state, _ = net.decode_step(token, state)
            total += torch.log_softmax(logits, -1)[0, t].item()
            token = torch.tensor([t])
        return total

    greedy = beam_search(net, source, lengths, 1, 2, 8, beam_size=1, length_penalty=0.0)
    wide = beam_search(net, source, lengths, 1, 2, 8, beam_size=6, length_penalty=0.0)
    for row in range(3):
        if len(wide[row]) < 8 and len(greedy[row]) < 8:  # both finished with <EOS>
            assert log_prob(row, wide[row]) >= log_prob(row, greedy[row]) - 1e-5


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides",
    [
        ["model=seq2seq"],
        ["model=seq2seq_attn"],
        ["model=seq2seq_attn", "model.attention=luong", "model.cell=lstm"],
        [
            "model=seq2seq",
            "model.bidirectional=false",
            "model.teacher_forcing=0.5",
            "data.padding=fixed",
        ],
    ],
)
def test_each_seq2seq_config_trains(tmp_path: Path, overrides: list[str]):
    cfg = compose_train(tmp_path, *overrides, "data=number_words", *TINY)
    metrics = train(cfg)
    assert {"val/loss", "val/bleu", "val/exact_match", "test/token_acc", "test/bleu"} <= set(
        metrics
    )
    assert 0 <= metrics["test/exact_match"] <= 1 and metrics["val/loss"] > 0


def test_seq2seq_picks_pair_data_by_itself(tmp_path: Path):
    cfg = compose_train(tmp_path, "model=seq2seq")
    assert (
        cfg.data._target_ == "rnnlab.data.pairs.datamodule.PairsDataModule"
        and cfg.task_name == "seq2seq"
    )
    assert (
        compose_train(tmp_path, "model=seq2seq", "data=number_words").data.corpus == "number_words"
    )


def test_experiment_number_words_composes_and_lets_the_model_be_swapped(tmp_path: Path):
    cfg = compose_train(tmp_path, "experiment=number_words")
    assert cfg.model.attention == "bahdanau" and cfg.data.corpus == "number_words"
    assert (
        compose_train(tmp_path, "experiment=number_words", "model=seq2seq").model.attention
        == "none"
    )


def test_a_model_on_another_tasks_data_is_refused_naming_the_data_that_fits(tmp_path: Path):
    # The options are read from conf/data: each DataModule declares the task it serves.
    with pytest.raises(UserError) as raised:
        check_train_config(compose_train(tmp_path, "model=lstm", "data=pairs"))
    assert str(raised.value) == (
        "The char_lm model cannot train on the seq2seq data; pick matching data (data=wiki_char)."
    )
    matching = r"\(data=number_translation or data=number_words or data=pairs\)\.$"
    with pytest.raises(UserError, match=matching):
        check_train_config(compose_train(tmp_path, "model=seq2seq", "data=wiki_char"))


@pytest.fixture(scope="session")
def chat_checkpoint(tmp_path_factory) -> Path:
    result, run_dir = built_once(
        tmp_path_factory,
        "chat",
        lambda root: trained(root, "model=seq2seq_attn", *TINY, task="seq2seq"),
    )
    assert "hello ->" in result.stdout
    return run_dir / "checkpoints" / "last.ckpt"


def test_chat_replies_to_a_text_and_to_each_line_of_a_file(chat_checkpoint: Path, tmp_path: Path):
    one = run_command(
        "scripts/chat.py", f"ckpt_path={chat_checkpoint}", "text='hello, how are you'"
    )
    assert one.returncode == 0, one.stderr
    assert len(one.stdout.strip().splitlines()) == 1
    questions = tmp_path / "questions.txt"
    questions.write_text("hello\n\nwhat is your name\nwho are you\n")
    many = run_command(
        "scripts/chat.py", f"ckpt_path={chat_checkpoint}", f"input_file={questions}", "beam_size=3"
    )
    assert many.returncode == 0, many.stderr
    assert len(many.stdout.splitlines()) == 3


def test_chat_notes_characters_the_model_never_saw_and_still_replies(chat_checkpoint: Path):
    result = run_command("scripts/chat.py", f"ckpt_path={chat_checkpoint}", stdin="Жук hello\n")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    assert "note: the model never saw 'Ж', 'к', 'у' in 'Жук hello'" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_and_generate_refuse_each_others_checkpoints(chat_checkpoint: Path, trained_run):
    _, char_run = trained_run
    chat = run_command(
        "scripts/chat.py", f"ckpt_path={char_run / 'checkpoints' / 'last.ckpt'}", "text=hello"
    )
    assert chat.returncode == 1 and "is not a seq2seq checkpoint" in chat.stderr
    generate = run_command("scripts/generate.py", f"ckpt_path={chat_checkpoint}")
    assert generate.returncode == 1 and "is not a char_lm checkpoint" in generate.stderr


def test_chat_takes_text_or_a_file_but_not_both(chat_checkpoint: Path, tmp_path: Path):
    questions = tmp_path / "q.txt"
    questions.write_text("hello\n")
    result = run_command(
        "scripts/chat.py", f"ckpt_path={chat_checkpoint}", "text=hi", f"input_file={questions}"
    )
    assert result.returncode == 1 and "not both" in result.stderr


@pytest.mark.slow
def test_chat_replies_to_each_line_of_standard_input_and_needs_no_quoting(
    chat_checkpoint: Path,
):
    typed = "Hello, how are you?\n\nwhat is your name\n"
    result = run_cli("scripts/chat.py", f"ckpt_path={chat_checkpoint}", stdin=typed)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2  # the blank line asks nothing
    assert ">" not in result.stderr  # no prompt when standard input is not a terminal


def test_validation_writes_examples_and_a_labelled_attention_figure(chat_checkpoint: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(chat_checkpoint.parent.parent / "tensorboard")).Reload()
    assert "val/attention" in events.Tags()["images"]
    assert "val/examples/text_summary" in events.Tags()["tensors"]
    assert {"val/bleu", "val/exact_match", "test/bleu"} <= set(events.Tags()["scalars"])
