"""Sampling text from a next-token network, one step per new token, carrying the hidden state."""

from __future__ import annotations

import torch

from rnnlab.core.errors import UserError
from rnnlab.core.schema import NonNegative, NonNegativeInt, SampleCount, SampleLength, checked
from rnnlab.data.text.vocab import CharVocab
from rnnlab.nets.eval_mode import evaluating


def pick_next(
    logits: torch.Tensor, temperature: float, top_k: int, generator: torch.Generator | None
) -> torch.Tensor:
    """Choose the next ids from logits (batch, vocab) -> (batch, 1).

    temperature 0 is greedy; top_k 0 keeps every candidate.
    """
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = logits.float() / temperature
    if 0 < top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    # Inverse-CDF sampling: one uniform number per row, where torch.multinomial draws one per
    # candidate and checks its input, work that grows with the batch.
    # Masked candidates add nothing to the CDF.
    cdf = torch.softmax(logits, dim=-1).cumsum_(dim=-1)
    draw = torch.rand(cdf.size(0), 1, generator=generator, device=cdf.device, dtype=cdf.dtype).mul_(
        cdf[:, -1:]
    )
    return torch.searchsorted(cdf, draw, right=True).clamp_max_(cdf.size(-1) - 1)


def check_prompt(prompt: str, length: int) -> None:
    """The prompt and the length together (each setting alone is checked by its declaration)."""
    if not prompt:
        raise UserError(
            "The prompt is empty; give at least one character, e.g. prompt='The quick br'."
        )
    if length <= len(prompt):
        raise UserError(
            f"length={length!r} must be larger than the prompt's {len(prompt)} characters "
            "(it counts the prompt too, as in the lecture's 12 + 388 = 400)."
        )


class _Stepper:
    """One recurrent step of a `RecurrentLM` for a batch of single characters,
    with preallocated state.

    The equations of torch's RNN/LSTM/GRU in eval mode (dropout off) without the modules' per-call
    cost, which dominates at one character per call: the first layer's input projection is folded
    with the embedding into a table with one row per symbol, every gate of a layer comes
    from one `addmm` on pre-transposed weights, and the state is updated in place.
    """

    def __init__(self, net: torch.nn.Module, hidden):
        rnn = net.rnn
        if rnn.bidirectional or getattr(rnn, "proj_size", 0):
            raise ValueError(
                "Sampling needs a unidirectional recurrent network without projections."
            )
        self.mode, size = rnn.mode, rnn.hidden_size
        self.layers = []
        for layer in range(rnn.num_layers):
            w_ih, w_hh = getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}")
            b_ih, b_hh = getattr(rnn, f"bias_ih_l{layer}"), getattr(rnn, f"bias_hh_l{layer}")
            if self.mode == "LSTM":
                # Gates i, f, g, o -> i, f, o, g: one sigmoid and one tanh per step.
                order = (
                    torch.arange(4 * size, device=w_ih.device).view(4, size)[[0, 1, 3, 2]].flatten()
                )
                w_ih, w_hh, b_ih, b_hh = w_ih[order], w_hh[order], b_ih[order], b_hh[order]
            # Contiguous transposed copies: MKL's addmm is slower on a transposed view.
            w_ih, w_hh = w_ih.t().contiguous(), w_hh.t().contiguous()
            if self.mode == "GRU":  # the candidate gate needs the input and hidden parts apart
                self.layers.append((w_ih, b_ih, w_hh, b_hh))
            else:
                self.layers.append((w_ih, b_ih + b_hh, w_hh, None))
        # Layer 1's input projection of each symbol's embedding, biases included: a lookup per step.
        w_ih_t, bias = self.layers[0][:2]
        self.table = torch.addmm(bias, net.embedding.weight, w_ih_t)
        self.head_w, self.head_b = net.head.weight.t().contiguous(), net.head.bias
        self.h = [h.clone() for h in (hidden[0] if self.mode == "LSTM" else hidden)]
        self.c = [c.clone() for c in hidden[1]] if self.mode == "LSTM" else None

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (batch,) -> next-character logits (batch, vocab); advances the state."""
        x = None
        for layer, (w_ih_t, b_ih, w_hh_t, b_hh) in enumerate(self.layers):
            h = self.h[layer]
            projected = (
                self.table.index_select(0, ids) if layer == 0 else torch.addmm(b_ih, x, w_ih_t)
            )
            if self.mode == "GRU":
                self._gru(projected, h, torch.addmm(b_hh, h, w_hh_t))
            else:
                gates = projected.addmm_(h, w_hh_t)
                if self.mode == "LSTM":
                    self._lstm(gates, h, self.c[layer])
                else:
                    torch.tanh(gates, out=h) if self.mode == "RNN_TANH" else torch.clamp(
                        gates, min=0, out=h
                    )
            x = h
        return torch.addmm(self.head_b, x, self.head_w)

    @staticmethod
    def _lstm(gates: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> None:
        size = h.size(1)
        sigmoid = gates[:, : 3 * size].sigmoid_()
        c.mul_(sigmoid[:, size : 2 * size]).addcmul_(
            sigmoid[:, :size], gates[:, 3 * size :].tanh_()
        )
        torch.mul(sigmoid[:, 2 * size :], c.tanh(), out=h)

    @staticmethod
    def _gru(gi: torch.Tensor, h: torch.Tensor, gh: torch.Tensor) -> None:
        size = h.size(1)
        reset_update = gi[:, : 2 * size].add_(gh[:, : 2 * size]).sigmoid_()
        candidate = gi[:, 2 * size :].addcmul_(reset_update[:, :size], gh[:, 2 * size :]).tanh_()
        h.sub_(candidate).mul_(reset_update[:, size:]).add_(candidate)  # h' = (1 - z) n + z h


@checked
@torch.inference_mode()
def sample_continuation(
    net: torch.nn.Module,
    vocab: CharVocab,
    prompt: str,
    length: SampleLength = 400,
    temperature: NonNegative = 0.8,
    top_k: NonNegativeInt = 0,
    num_samples: SampleCount = 1,
    seed: int | None = None,
) -> list[str]:
    """Continue `prompt` until each text is `length` characters long (prompt included).

    The network reads the prompt in one call; each new character is then one recurrent step from the
    carried hidden state, computed by `_Stepper` from the same weights.
    """
    check_prompt(prompt, length)
    vocab.check_known(prompt, "prompt")
    device = next(net.parameters()).device
    generator = torch.Generator(device=device)
    if seed is not None:
        generator.manual_seed(seed)
    else:
        generator.seed()
    with evaluating(net):
        prompt_ids = torch.as_tensor(vocab.encode(prompt), device=device).repeat(num_samples, 1)
        logits, hidden = net(prompt_ids)
        step = _Stepper(net, hidden)
        logits = logits[:, -1]
        # One id per new character, preallocated so memory is known before the loop starts;
        # (time, batch), so each step writes one contiguous row.
        new_ids = torch.empty(length - len(prompt), num_samples, dtype=torch.long, device=device)
        for position in range(new_ids.size(0)):
            ids = pick_next(logits, temperature, top_k, generator).view(-1)
            new_ids[position] = ids
            logits = step(ids)
    rows = new_ids.T.tolist()
    return [prompt + vocab.decode(row) for row in rows]


@torch.no_grad()
def greedy_decode(
    net, source: torch.Tensor, source_lengths: torch.Tensor, start: int, eos: int, max_len: int
):
    """Likeliest word at each step, for a batch
    -> (ids (batch, <=max_len), attention (batch, steps, s) or None)."""
    state = net.encode(source, source_lengths)
    token = torch.full((source.size(0),), start, dtype=torch.long, device=source.device)
    done = torch.zeros_like(token, dtype=torch.bool)
    ids, weights = [], []
    for _ in range(max_len):
        logits, state, attention = net.decode_step(token, state)
        token = logits.argmax(-1)
        ids.append(token)
        weights.append(attention)
        done |= token == eos
        if done.all():
            break
    attention = torch.stack(weights, 1) if weights[0] is not None else None
    return torch.stack(ids, 1), attention


@torch.no_grad()
def beam_search(
    net,
    source: torch.Tensor,
    source_lengths: torch.Tensor,
    start: int,
    eos: int,
    max_len: int,
    beam_size: int = 5,
    length_penalty: float = 1.0,
) -> list[list[int]]:
    """Batched beam search: the best word ids (without <EOS>) per source sentence.

    Finished hypotheses are ranked by log-probability / length ** length_penalty.
    """
    batch, k = source.size(0), beam_size
    device = source.device
    state = net.encode(source, source_lengths).select(
        torch.arange(batch, device=device).repeat_interleave(k)
    )
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = (
        0.0  # all beams start identical: keep one alive so the first step does not pick duplicates
    )
    history = torch.full((batch * k, 0), start, dtype=torch.long, device=device)
    token = torch.full((batch * k,), start, dtype=torch.long, device=device)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    for step in range(1, max_len + 1):
        logits, state, _ = net.decode_step(token, state)
        vocab = logits.size(-1)
        total = (scores.view(-1, 1) + torch.log_softmax(logits.float(), dim=-1)).view(
            batch, k * vocab
        )
        scores, flat = total.topk(k, dim=-1)
        beam, token = flat // vocab, (flat % vocab).view(-1)
        rows = (torch.arange(batch, device=device)[:, None] * k + beam).view(-1)
        history = torch.cat([history[rows], token[:, None]], dim=1)
        state = state.select(rows)
        ended = (token == eos).view(batch, k)
        for b, j in ended.nonzero().tolist():
            if scores[b, j] > float("-inf"):
                finished[b].append(
                    (scores[b, j].item() / step**length_penalty, history[b * k + j, :-1].tolist())
                )
        scores = scores.masked_fill(ended, float("-inf"))
        if all(len(f) >= k for f in finished) or torch.isinf(scores).all():
            break
    best = []
    for b in range(batch):
        if not finished[b]:  # nothing ended within max_len: take the best open hypothesis
            finished[b].append((scores[b, 0].item(), history[b * k].tolist()))
        best.append(max(finished[b], key=lambda item: item[0])[1])
    return best
