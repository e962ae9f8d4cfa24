"""The lecture's types of RNN as tensor shapes through this project's networks
(batch_first=True)."""

import pytest
import torch

from rnnlab.nets.char_lm import RecurrentLM
from rnnlab.nets.cloze import ClozeNet
from rnnlab.nets.forecast import RecurrentRegressor
from rnnlab.nets.seq2seq import Seq2SeqNet

BATCH, TIME = 3, 7


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_many_to_many_equal_lengths_char_lm(cell: str):
    net = RecurrentLM(vocab_size=11, cell=cell, embedding_dim=4, hidden_size=8, num_layers=2)
    logits, _ = net(torch.randint(0, 11, (BATCH, TIME)))
    assert logits.shape == (BATCH, TIME, 11)  # T_x = T_y: one prediction per input character


def test_one_to_many_generation_from_a_single_character():
    net = RecurrentLM(vocab_size=11, embedding_dim=4, hidden_size=8).eval()
    logits, hidden = net(torch.randint(0, 11, (BATCH, 1)))  # T_x = 1 ...
    steps = [logits]
    for _ in range(5):  # ... T_y > 1: each output is fed back in
        logits, hidden = net(steps[-1][:, -1:].argmax(-1), hidden)
        steps.append(logits)
    assert torch.cat(steps, 1).shape == (BATCH, 6, 11)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_many_to_one_cloze_and_bidirectional_output_sizes(bidirectional: bool):
    net = ClozeNet(20, "lstm", 4, 8, 2, 0.0, bidirectional)
    outputs, (h, _) = net.rnn(net.embedding(torch.randint(1, 20, (BATCH, TIME))))
    directions = 2 if bidirectional else 1
    assert outputs.shape == (BATCH, TIME, 8 * directions) and h.shape == (2 * directions, BATCH, 8)
    logits = net(
        torch.randint(3, 20, (BATCH, TIME)),
        torch.full((BATCH,), TIME),
        torch.tensor([0, 3, TIME - 1]),
    )
    assert logits.shape == (BATCH, 20)  # T_y = 1


def test_many_to_one_forecast():
    assert RecurrentRegressor("gru", 8, 1, 0.0)(torch.randn(BATCH, TIME, 1)).shape == (BATCH,)


def test_many_to_many_unequal_lengths_seq2seq():
    net = Seq2SeqNet(15, 12, "gru", 4, 8, 1, 0.0, True, "luong")
    logits, attention = net(
        torch.randint(3, 15, (BATCH, TIME)),
        torch.full((BATCH,), TIME),
        torch.randint(3, 12, (BATCH, 4)),
    )
    # T_x = 7, T_y = 4
    assert logits.shape == (BATCH, 4, 12) and attention.shape == (BATCH, 4, TIME)
