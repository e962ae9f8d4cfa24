import pytest
import torch

from rnnlab.core.errors import UserError
from rnnlab.data.text.vocab import UNKNOWN, CharVocab
from rnnlab.nets.char_lm import RecurrentLM
from rnnlab.nets.decoding import _Stepper, pick_next, sample_continuation

VOCAB = CharVocab([UNKNOWN, *"The quickbrownfx"])


@pytest.fixture
def net() -> RecurrentLM:
    torch.manual_seed(0)
    return RecurrentLM(len(VOCAB), "gru", embedding_dim=8, hidden_size=16)


def test_a_seed_makes_sampling_repeatable(net):
    first = sample_continuation(net, VOCAB, "The quick br", 60, temperature=1.0, seed=7)
    assert first == sample_continuation(net, VOCAB, "The quick br", 60, temperature=1.0, seed=7)
    assert first != sample_continuation(net, VOCAB, "The quick br", 60, temperature=1.0, seed=8)
    assert len(first[0]) == 60 and first[0].startswith("The quick br")


def test_carried_state_sampling_matches_a_reference_that_rereads_the_prefix(net):
    """One step per new character gives the same text as recomputing the whole prefix each step."""
    (fast,) = sample_continuation(net, VOCAB, "The quick br", 40, temperature=0.9, top_k=5, seed=3)
    generator = torch.Generator().manual_seed(3)
    ids = torch.as_tensor(VOCAB.encode("The quick br")).unsqueeze(0)
    with torch.no_grad():
        while ids.size(1) < 40:
            logits, _ = net(ids)
            ids = torch.cat([ids, pick_next(logits[:, -1], 0.9, 5, generator)], dim=1)
    assert fast == VOCAB.decode(ids[0].tolist())


def step_by_step_reference(
    net, prompt: str, length: int, temperature: float, top_k: int, num_samples: int, seed: int
):
    """The plain algorithm: the whole network module called once per new character."""
    generator = torch.Generator(device=net.head.weight.device).manual_seed(seed)
    ids = torch.as_tensor(VOCAB.encode(prompt), device=net.head.weight.device).repeat(
        num_samples, 1
    )
    was_training = net.training
    net.eval()
    with torch.no_grad():
        logits, hidden = net(ids)
        while ids.size(1) < length:
            next_ids = pick_next(logits[:, -1], temperature, top_k, generator)
            ids = torch.cat([ids, next_ids], dim=1)
            logits, hidden = net(next_ids, hidden)
    net.train(was_training)
    return [VOCAB.decode(row) for row in ids.tolist()]


DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.gpu),
]


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("temperature, top_k", [(1.0, 0), (0.7, 4), (0.0, 0)])
def test_fast_sampling_gives_the_text_of_the_step_by_step_reference(
    cell, num_layers, temperature, top_k
):
    # On the CPU both paths run the same kernels, so a fixed seed must give the very same text.
    torch.manual_seed(1)
    net = RecurrentLM(len(VOCAB), cell, embedding_dim=8, hidden_size=24, num_layers=num_layers)
    with torch.no_grad():  # larger weights than the initialisation: peaked, varied predictions
        for parameter in net.parameters():
            parameter.mul_(3)
    expected = step_by_step_reference(net, "The q", 80, temperature, top_k, num_samples=3, seed=5)
    assert (
        sample_continuation(net, VOCAB, "The q", 80, temperature, top_k, num_samples=3, seed=5)
        == expected
    )
    assert len(set(expected)) > 1 or temperature == 0


@pytest.fixture
def full_fp32():
    """fp32 products in full precision, whatever an earlier training run in this process set
    (its matmul_precision=high is TF32 on a GPU)."""
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    yield
    torch.set_float32_matmul_precision(previous)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.usefixtures("full_fp32")
def test_the_sampling_step_gives_the_networks_next_character_logits(cell, num_layers, device):
    # On a GPU cuDNN's sequence kernels and the per-step products round differently,
    # and with weights this peaked sampled texts part ways after a rounding-level difference:
    # there the logits themselves are compared.
    torch.manual_seed(3)
    net = (
        RecurrentLM(len(VOCAB), cell, embedding_dim=8, hidden_size=24, num_layers=num_layers)
        .to(device)
        .eval()
    )
    ids = torch.randint(len(VOCAB), (3, 60), device=device)
    with torch.inference_mode(), torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        expected, _ = net(ids)
        _, hidden = net(ids[:, :5])
        step = _Stepper(net, hidden)
        stepped = torch.stack([step(ids[:, t]) for t in range(5, 60)], dim=1)
    torch.testing.assert_close(stepped, expected[:, 5:], rtol=1e-4, atol=1e-5)


def test_a_dropout_model_samples_in_eval_mode_and_stays_in_training_mode():
    torch.manual_seed(2)
    net = RecurrentLM(
        len(VOCAB), "lstm", embedding_dim=8, hidden_size=16, num_layers=2, dropout=0.5
    )
    net.train()
    expected = step_by_step_reference(net, "The", 50, 1.0, 0, num_samples=2, seed=4)
    assert sample_continuation(net, VOCAB, "The", 50, 1.0, num_samples=2, seed=4) == expected
    assert net.training


def test_temperature_zero_is_greedy(net):
    (text,) = sample_continuation(net, VOCAB, "Th", 20, temperature=0.0)
    ids = torch.as_tensor(VOCAB.encode(text)).unsqueeze(0)
    with torch.no_grad():
        logits, _ = net(ids[:, :-1])
    assert logits[0, 1:].argmax(-1).tolist() == ids[0, 2:].tolist()


def test_top_k_only_picks_among_the_k_likeliest():
    logits = torch.tensor([[0.0, 5.0, 4.0, -1.0, 3.0]])
    picks = {pick_next(logits, 2.0, 2, torch.Generator().manual_seed(s)).item() for s in range(50)}
    assert picks == {1, 2}


def test_many_samples_at_once(net):
    texts = sample_continuation(net, VOCAB, "The", 30, num_samples=4, seed=0)
    assert len(texts) == 4 and len(set(texts)) > 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prompt": "The quick bröwn"}, "'ö'"),
        ({"prompt": ""}, "prompt is empty"),
        ({"length": 0}, "length=0"),
        ({"length": 5}, "larger than the prompt"),
        ({"temperature": -1.0}, "temperature=-1.0"),
        ({"top_k": -2}, "top_k=-2"),
    ],
)
def test_bad_sampling_requests_are_refused(net, kwargs: dict, message: str):
    request = {"prompt": "The quick br", "length": 40, "temperature": 0.8, "top_k": 0} | kwargs
    with pytest.raises(UserError, match=message):
        sample_continuation(net, VOCAB, **request)
