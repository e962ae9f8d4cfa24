import pytest
import torch

from rnnlab.core.errors import UserError
from rnnlab.nets.backbone import detach_hidden
from rnnlab.nets.char_lm import RecurrentLM


def test_vanilla_rnn_follows_the_lecture_equations():
    """h_t = tanh(W_xh x_t + W_hh h_{t-1}) (+ torch's two biases), y_t = W_hy h_t (+ bias)."""
    torch.manual_seed(0)
    net = RecurrentLM(vocab_size=7, cell="rnn", embedding_dim=5, hidden_size=4, num_layers=1)
    tokens = torch.tensor([[3, 1, 6, 2]])
    logits, hidden = net(tokens)

    rnn = net.rnn
    h = torch.zeros(4)
    expected = []
    for x_t in net.embedding(tokens)[0]:
        h = torch.tanh(
            rnn.weight_ih_l0 @ x_t + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h + rnn.bias_hh_l0
        )
        expected.append(net.head.weight @ h + net.head.bias)
    torch.testing.assert_close(logits[0], torch.stack(expected))
    torch.testing.assert_close(hidden[0, 0], h)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_cell_maps_ids_to_next_token_logits_and_a_state(cell: str):
    net = RecurrentLM(
        vocab_size=11, cell=cell, embedding_dim=8, hidden_size=16, num_layers=3, dropout=0.1
    )
    logits, hidden = net(torch.randint(0, 11, (2, 9)))
    assert logits.shape == (2, 9, 11)
    states = hidden if isinstance(hidden, tuple) else (hidden,)
    assert all(s.shape == (3, 2, 16) for s in states)
    assert all(
        not s.requires_grad
        for s in (detach_hidden(hidden) if cell == "lstm" else (detach_hidden(hidden),))
    )


def test_carrying_the_state_equals_reading_the_whole_sequence():
    torch.manual_seed(1)
    net = RecurrentLM(vocab_size=9, cell="lstm", embedding_dim=4, hidden_size=8).eval()
    tokens = torch.randint(0, 9, (3, 12))
    whole, _ = net(tokens)
    first, state = net(tokens[:, :5])
    second, _ = net(tokens[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cell": "transformer"}, "model.cell='transformer'"),
        ({"hidden_size": 0}, "model.hidden_size=0"),
        ({"num_layers": -1}, "model.num_layers=-1"),
        ({"dropout": 1.0}, "model.dropout=1.0"),
    ],
)
def test_bad_sizes_are_refused_with_the_option_named(kwargs: dict, message: str):
    with pytest.raises(UserError, match=message.replace("[", r"\[")):
        RecurrentLM(vocab_size=5, **kwargs)
