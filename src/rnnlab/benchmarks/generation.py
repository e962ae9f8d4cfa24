"""Character sampling speed: the lecture's 400 characters from "The quick br", one stream and in batches."""

from __future__ import annotations

import statistics

from rnnlab.benchmarks.common import Stopwatch
from rnnlab.decoding import sample_continuation

PROMPT = "The quick br"


def sampling_seconds(model, device: str, length: int, batches: list[int], repeats: int) -> dict[int, float]:
    """Median seconds of one `sample_continuation` call writing `batch` texts of `length` characters, per batch
    size. The sizes take turns within each repeat, so a burst of machine load hits them alike."""
    model.to(device)
    watch = Stopwatch(device)
    seconds: dict[int, list[float]] = {batch: [] for batch in batches}
    for batch in batches:  # warm-up
        sample_continuation(model.net, model.vocab, PROMPT, length, num_samples=batch, seed=0)
    for repeat in range(repeats):
        for batch in batches:
            watch.start()
            sample_continuation(model.net, model.vocab, PROMPT, length, num_samples=batch, seed=repeat)
            seconds[batch].append(watch.stop())
    return {batch: statistics.median(times) for batch, times in seconds.items()}


def matmul_flops_per_char(net) -> int:
    """Multiply-adds x 2 of one sampling step for one stream: the recurrent and (past layer 1) input products
    of every layer and the head; layer 1's input product is a table lookup."""
    rnn, gates = net.rnn, net.rnn.weight_hh_l0.size(0)
    products = rnn.num_layers * rnn.hidden_size * gates + (rnn.num_layers - 1) * rnn.hidden_size * gates
    return 2 * (products + rnn.hidden_size * net.head.out_features)


def generation_rows(model, device: str, length: int, batches: list[int], repeats: int) -> list[dict]:
    """Latency of one text and new characters per second at each batch size, with the speed-up over batch 1
    and the matrix products' GFLOP/s (what bounds large batches)."""
    new_chars = length - len(PROMPT)
    flops = matmul_flops_per_char(model.net)
    seconds = sampling_seconds(model, device, length, batches, repeats)
    single = new_chars / seconds[batches[0]]
    return [
        {
            "device": device,
            "batch": batch,
            "ms_per_call": round(seconds[batch] * 1000, 1),
            "new_chars_per_s": round(batch * new_chars / seconds[batch]),
            "speedup_vs_batch_1": round(batch * new_chars / seconds[batch] / single, 1),
            "matmul_gflop_per_s": round(batch * new_chars * flops / seconds[batch] / 1e9, 1),
        }
        for batch in batches
    ]


def model_summary(model) -> str:
    rnn = model.net.rnn
    return f"{rnn.mode} {rnn.num_layers}x{rnn.hidden_size}, vocabulary {len(model.vocab)}"
