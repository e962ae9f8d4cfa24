"""Sampling text from a next-token network, one step per new token, carrying the hidden state."""

from __future__ import annotations

import torch

from rnnlab.data.vocab import CharVocab
from rnnlab.errors import UserError


def pick_next(logits: torch.Tensor, temperature: float, top_k: int, generator: torch.Generator | None) -> torch.Tensor:
    """Choose the next ids from logits (batch, vocab) -> (batch, 1).

    temperature 0 is greedy; top_k 0 keeps every candidate.
    """
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = logits.float() / temperature
    if 0 < top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)


def check_sampling(length: int, temperature: float, top_k: int, prompt: str) -> None:
    if not prompt:
        raise UserError("The prompt is empty; give at least one character, e.g. prompt='The quick br'.")
    if not isinstance(length, int) or length <= len(prompt):
        raise UserError(
            f"length={length!r} must be a whole number larger than the prompt's {len(prompt)} characters "
            "(it counts the prompt too, as in the lecture's 12 + 388 = 400)."
        )
    if temperature < 0:
        raise UserError(f"temperature={temperature} must be 0 (greedy) or more.")
    if not isinstance(top_k, int) or top_k < 0:
        raise UserError(f"top_k={top_k!r} must be 0 (no limit) or a positive whole number.")


@torch.no_grad()
def sample_continuation(
    net: torch.nn.Module,
    vocab: CharVocab,
    prompt: str,
    length: int = 400,
    temperature: float = 0.8,
    top_k: int = 0,
    num_samples: int = 1,
    seed: int | None = None,
) -> list[str]:
    """Continue `prompt` until each text is `length` characters long (prompt included).

    The prompt is read once; each new character is one recurrent step from the carried hidden state.
    """
    check_sampling(length, temperature, top_k, prompt)
    vocab.check_known(prompt, "prompt")
    device = next(net.parameters()).device
    generator = torch.Generator(device=device)
    if seed is not None:
        generator.manual_seed(seed)
    else:
        generator.seed()
    was_training = net.training
    net.eval()
    prompt_ids = torch.as_tensor(vocab.encode(prompt), device=device).repeat(num_samples, 1)
    logits, hidden = net(prompt_ids)
    steps = []
    for _ in range(length - len(prompt)):
        next_ids = pick_next(logits[:, -1], temperature, top_k, generator)
        steps.append(next_ids)
        logits, hidden = net(next_ids, hidden)
    net.train(was_training)
    new_ids = torch.cat(steps, dim=1).cpu().tolist()
    return [prompt + vocab.decode(row) for row in new_ids]


@torch.no_grad()
def greedy_decode(net, source: torch.Tensor, source_lengths: torch.Tensor, start: int, eos: int, max_len: int):
    """Likeliest word at each step, for a batch -> (ids (batch, <=max_len), attention (batch, steps, s) or None)."""
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
    state = net.encode(source, source_lengths).select(torch.arange(batch, device=device).repeat_interleave(k))
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: keep one alive so the first step does not pick duplicates
    history = torch.full((batch * k, 0), start, dtype=torch.long, device=device)
    token = torch.full((batch * k,), start, dtype=torch.long, device=device)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    for step in range(1, max_len + 1):
        logits, state, _ = net.decode_step(token, state)
        vocab = logits.size(-1)
        total = (scores.view(-1, 1) + torch.log_softmax(logits.float(), dim=-1)).view(batch, k * vocab)
        scores, flat = total.topk(k, dim=-1)
        beam, token = flat // vocab, (flat % vocab).view(-1)
        rows = (torch.arange(batch, device=device)[:, None] * k + beam).view(-1)
        history = torch.cat([history[rows], token[:, None]], dim=1)
        state = state.select(rows)
        ended = (token == eos).view(batch, k)
        for b, j in ended.nonzero().tolist():
            if scores[b, j] > float("-inf"):
                finished[b].append((scores[b, j].item() / step**length_penalty, history[b * k + j, :-1].tolist()))
        scores = scores.masked_fill(ended, float("-inf"))
        if all(len(f) >= k for f in finished) or torch.isinf(scores).all():
            break
    best = []
    for b in range(batch):
        if not finished[b]:  # nothing ended within max_len: take the best open hypothesis
            finished[b].append((scores[b, 0].item(), history[b * k].tolist()))
        best.append(max(finished[b], key=lambda item: item[0])[1])
    return best
