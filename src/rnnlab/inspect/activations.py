"""Run a text through a character model once, carrying the state, and keep what every layer
computes at every character: the hidden state h, the LSTM's cell state c, and the gates.

torch's nn.LSTM and nn.GRU return the top layer's h only and never their gates, so the gates are
recomputed here from each layer's weights (`weight_ih_l{k}`, `weight_hh_l{k}` and the biases), as
torch defines them:

    LSTM  i, f, g, o = split(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)   (i, f, o sigmoid; g tanh)
          c_t = f * c_(t-1) + i * g,   h_t = o * tanh(c_t)
    GRU   r, z = sigmoid(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_(t-1) + b_h{r,z})
          n = tanh(W_in x_t + b_in + r * (W_hn h_(t-1) + b_hn)),   h_t = (1 - z) * n + z * h_(t-1)

Each layer's h sequence comes from torch's own fused kernel (one layer at a time, so every layer's
sequence is kept): then both x_t and h_(t-1) are known for every t, and the gates of all steps are
two matrix products instead of one small product per step. Only the cell state's recurrence is
stepped, element-wise. `recomputed_h` rebuilds h from the recomputed gates; the tests hold it to
torch's output, which checks the gates.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

GATES = {"LSTM": ("input", "forget", "output"), "GRU": ("reset", "update")}


@dataclass
class Activations:
    """What a network computed over a text of T characters.

    `states[(layer, "h" | "c")]` and `gates[(layer, gate)]` are (T, hidden) float32 arrays: row t
    is the value once character t has been read. `logits` (T, vocab) at row t predict character
    t + 1. Layers count from 0, the one that reads the embeddings.
    """

    cell: str  # "rnn", "lstm" or "gru"
    states: dict[tuple[int, str], np.ndarray]
    gates: dict[tuple[int, str], np.ndarray]
    logits: torch.Tensor
    recomputed_h: dict[int, np.ndarray] = field(default_factory=dict)
    final: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)  # layer -> h, c at T-1

    @property
    def num_layers(self) -> int:
        return 1 + max(layer for layer, _ in self.states)


def cell_name(rnn: nn.RNNBase) -> str:
    return {"LSTM": "lstm", "GRU": "gru"}.get(rnn.mode, "rnn")


def layer_weights(rnn: nn.RNNBase, layer: int) -> dict[str, torch.Tensor]:
    """The weights of one layer, named as a one-layer module of the same kind names them."""
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return {
        f"{name}_l0": getattr(rnn, f"{name}_l{layer}")
        for name in names
        if hasattr(rnn, f"{name}_l{layer}")
    }


def _one_layer(rnn: nn.RNNBase, input_size: int) -> nn.RNNBase:
    """An empty one-layer module of `rnn`'s kind, to run one layer's weights through torch's
    kernel."""
    options = dict(bias=rnn.bias, batch_first=True, device="meta")
    if rnn.mode == "LSTM":
        return nn.LSTM(input_size, rnn.hidden_size, 1, **options)
    if rnn.mode == "GRU":
        return nn.GRU(input_size, rnn.hidden_size, 1, **options)
    nonlinearity = "relu" if rnn.mode == "RNN_RELU" else "tanh"
    return nn.RNN(input_size, rnn.hidden_size, 1, nonlinearity=nonlinearity, **options)


def _check_supported(rnn: nn.RNNBase) -> None:
    if rnn.bidirectional or getattr(rnn, "proj_size", 0):
        raise ValueError("only one-directional recurrent layers without projections are supported")


def _cell_states(
    input_gate: torch.Tensor, forget_gate: torch.Tensor, candidate: torch.Tensor
) -> np.ndarray:
    """c_t = f_t * c_(t-1) + i_t * g_t from c_(-1) = 0, stepped over the T rows (in place, in
    float32 as torch computes it: a few microseconds a step)."""
    forget = forget_gate.numpy()
    cells = (input_gate * candidate).numpy()  # i_t * g_t, then c_t written over it
    for t in range(1, len(cells)):
        cells[t] += forget[t] * cells[t - 1]
    return cells


@contextmanager
def one_thread() -> Iterator[None]:
    """torch on one CPU thread inside, its earlier thread count restored after.

    A recurrence over a text of batch 1 is thousands of small steps, each ending in a barrier
    between torch's threads: on a 2-core machine where another process holds a core, each barrier
    waits for that process's time slice, and 5000 characters took 30 s instead of 0.4 s. One thread
    costs at most twice as long on an idle machine.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@torch.no_grad()
def run_text(net: nn.Module, ids: torch.Tensor) -> Activations:
    """Run `ids` (T,) through a `RecurrentLM` (embedding, rnn, head) from a zero state, once."""
    rnn: nn.RNNBase = net.rnn
    _check_supported(rnn)
    device = next(net.parameters()).device
    layer_input = net.embedding(ids.to(device)[None])  # (1, T, embedding)
    activations = Activations(cell_name(rnn), {}, {}, logits=torch.empty(0))
    for layer in range(rnn.num_layers):
        weights = layer_weights(rnn, layer)
        module = _one_layer(rnn, layer_input.size(-1))
        with one_thread(), warnings.catch_warnings():
            # cuDNN asks for the weights in one contiguous block, which one layer's are not: it
            # copies them, which costs nothing worth a warning at each call.
            warnings.filterwarnings("ignore", message="RNN module weights are not part")
            output, final = functional_call(module, weights, (layer_input,))
        hidden = output[0]  # (T, hidden)
        previous = torch.cat([hidden.new_zeros(1, hidden.size(1)), hidden[:-1]])
        activations.states[(layer, "h")] = hidden.float().cpu().numpy()
        final_h = final[0] if isinstance(final, tuple) else final
        activations.final[layer] = {"h": final_h[0, 0].float().cpu().numpy()}
        if isinstance(final, tuple):
            activations.final[layer]["c"] = final[1][0, 0].float().cpu().numpy()
        _gates_of_layer(rnn, layer, layer_input[0], previous, weights, activations)
        layer_input = output
    activations.logits = net.head(layer_input[0]).float().cpu()
    return activations


def _gates_of_layer(
    rnn: nn.RNNBase,
    layer: int,
    inputs: torch.Tensor,
    previous: torch.Tensor,
    weights: dict[str, torch.Tensor],
    activations: Activations,
) -> None:
    """Recompute one layer's gates at every step from its inputs (T, in) and its previous hidden
    states (T, hidden), and the h they give."""
    from_input = F.linear(inputs, weights["weight_ih_l0"], weights.get("bias_ih_l0"))
    from_state = F.linear(previous, weights["weight_hh_l0"], weights.get("bias_hh_l0"))
    from_input, from_state, previous = (t.float().cpu() for t in (from_input, from_state, previous))
    if rnn.mode == "LSTM":
        i, f, g, o = (from_input + from_state).chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        cells = _cell_states(i, f, g)
        activations.states[(layer, "c")] = cells
        activations.recomputed_h[layer] = (o * torch.tanh(torch.from_numpy(cells))).numpy()
        named = {"input": i, "forget": f, "output": o}
    elif rnn.mode == "GRU":
        input_r, input_z, input_n = from_input.chunk(3, dim=1)
        state_r, state_z, state_n = from_state.chunk(3, dim=1)
        r = torch.sigmoid(input_r + state_r)
        z = torch.sigmoid(input_z + state_z)
        n = torch.tanh(input_n + r * state_n)
        activations.recomputed_h[layer] = ((1 - z) * n + z * previous).numpy()
        named = {"reset": r, "update": z}
    else:
        squash = torch.relu if rnn.mode == "RNN_RELU" else torch.tanh
        activations.recomputed_h[layer] = squash(from_input + from_state).numpy()
        named = {}
    for gate, values in named.items():
        activations.gates[(layer, gate)] = values.numpy()


def next_char_bits(logits: torch.Tensor, ids: torch.Tensor) -> np.ndarray:
    """Bits the model spends on each character after the first: -log2 p(ids[t] | ids[:t]),
    shape (T - 1,)."""
    nats = F.cross_entropy(logits[:-1].double(), ids[1:].cpu(), reduction="none")
    return (nats / np.log(2)).numpy()


def top_predictions(logits: torch.Tensor, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The k likeliest next characters after each character: (ids (T, k), probabilities (T, k))."""
    probabilities = torch.softmax(logits.double(), dim=-1)
    top = probabilities.topk(min(k, probabilities.size(-1)), dim=-1)
    return top.indices.numpy(), top.values.numpy()
