"""Character sampling speed: the lecture's 400 characters from "The quick br",
one stream and in batches."""

from __future__ import annotations

import functools
import statistics

import torch

from benchmarks.common import Stopwatch
from rnnlab.nets.decoding import _Stepper, sample_continuation

PROMPT = "The quick br"


@torch.inference_mode()
def product_weights(net) -> list[torch.Tensor]:
    """The (in, out) weights that one sampling step multiplies by: every layer's recurrent weights,
    the input weights past layer 1 (layer 1's input product is a table lookup), the head."""
    _, hidden = net(torch.zeros(1, 1, dtype=torch.long, device=net.head.weight.device))
    step = _Stepper(net, hidden)
    return (
        [w_hh for _, _, w_hh, _ in step.layers]
        + [w_ih for w_ih, *_ in step.layers[1:]]
        + [step.head_w]
    )


def products_only(weights: list[torch.Tensor], batch: int, steps: int):
    """A callable running only the matrix products of `steps` sampling steps at `batch` streams:
    the same `torch.mm` shapes and weights (`product_weights`) as the sampler,
    without its gate updates, draws or Python between them."""
    h = torch.randn(batch, weights[0].size(0), device=weights[0].device)

    @torch.inference_mode()
    def run() -> None:
        for _ in range(steps):
            for weight in weights:
                torch.mm(h, weight)

    return run


def sampling_seconds(model, device: str, length: int, batches: list[int], repeats: int) -> dict:
    """Median seconds of one `sample_continuation` call writing `batch` texts
    of `length` characters, and of its matrix products alone, per batch size:
    {(batch, "call" | "products"): seconds}. The sizes take turns within each repeat,
    so a burst of machine load hits them alike."""
    model.to(device)
    watch = Stopwatch(device)
    weights = product_weights(model.net)
    products = {batch: products_only(weights, batch, length - len(PROMPT)) for batch in batches}
    calls = {
        batch: functools.partial(
            sample_continuation, model.net, model.vocab, PROMPT, length, num_samples=batch
        )
        for batch in batches
    }
    seconds: dict[tuple[int, str], list[float]] = {}
    for repeat in range(repeats + 1):  # the first round warms up
        for batch in batches:
            for kind, run in (
                ("call", functools.partial(calls[batch], seed=repeat)),
                ("products", products[batch]),
            ):
                watch.start()
                run()
                if repeat:
                    seconds.setdefault((batch, kind), []).append(watch.stop())
    return {key: statistics.median(times) for key, times in seconds.items()}


def matmul_flops_per_char(net) -> int:
    """Multiply-adds x 2 of one sampling step for one stream."""
    return 2 * sum(weight.numel() for weight in product_weights(net))


def generation_rows(
    model, device: str, length: int, batches: list[int], repeats: int
) -> list[dict]:
    """Latency of one text and new characters per second at each batch size,
    with the speed-up over batch 1, the matrix products' GFLOP/s, and the time
    and speed-up bound of those products run alone (what bounds large batches)."""
    new_chars = length - len(PROMPT)
    flops = matmul_flops_per_char(model.net)
    seconds = sampling_seconds(model, device, length, batches, repeats)
    single = new_chars / seconds[batches[0], "call"]
    return [
        {
            "device": device,
            "batch": batch,
            "ms_per_call": round(seconds[batch, "call"] * 1000, 1),
            "new_chars_per_s": round(batch * new_chars / seconds[batch, "call"]),
            "speedup_vs_batch_1": round(batch * new_chars / seconds[batch, "call"] / single, 1),
            "matmul_gflop_per_s": round(
                batch * new_chars * flops / seconds[batch, "call"] / 1e9, 1
            ),
            "products_alone_ms": round(seconds[batch, "products"] * 1000, 1),
            "products_alone_gflop_per_s": round(
                batch * new_chars * flops / seconds[batch, "products"] / 1e9, 1
            ),
            # The speed-up if all but the products were free: the most that batching can give
            # on this machine.
            "speedup_bound": round(batch * new_chars / seconds[batch, "products"] / single, 1),
        }
        for batch in batches
    ]


def model_summary(model) -> str:
    rnn = model.net.rnn
    return f"{rnn.mode} {rnn.num_layers}x{rnn.hidden_size}, vocabulary {len(model.vocab)}"
