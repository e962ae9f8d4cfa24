"""Character sampling speed: the lecture's 400 characters from "The quick br", one stream and in batches."""

from __future__ import annotations

import statistics

from rnnlab.benchmarks.common import Stopwatch
from rnnlab.decoding import sample_continuation

PROMPT = "The quick br"


def sampling_seconds(model, device: str, length: int, batch: int, repeats: int) -> float:
    """Median seconds of one `model.sample` call writing `batch` texts of `length` characters."""
    model.to(device)
    watch = Stopwatch(device)
    sample_continuation(model.net, model.vocab, PROMPT, length, num_samples=batch, seed=0)  # warm-up
    seconds = []
    for repeat in range(repeats):
        watch.start()
        sample_continuation(model.net, model.vocab, PROMPT, length, num_samples=batch, seed=repeat)
        seconds.append(watch.stop())
    return statistics.median(seconds)


def generation_rows(model, device: str, length: int, batches: list[int], repeats: int) -> list[dict]:
    """Latency of one text and new characters per second at each batch size, with the speed-up over batch 1."""
    new_chars = length - len(PROMPT)
    rows, single = [], None
    for batch in batches:
        seconds = sampling_seconds(model, device, length, batch, repeats)
        rate = batch * new_chars / seconds
        single = rate if batch == 1 else single
        rows.append(
            {
                "device": device,
                "batch": batch,
                "ms_per_call": round(seconds * 1000, 1),
                "new_chars_per_s": round(rate),
                "speedup_vs_batch_1": round(rate / single, 1) if single else None,
            }
        )
    return rows


def model_summary(model) -> str:
    rnn = model.net.rnn
    return f"{rnn.mode} {rnn.num_layers}x{rnn.hidden_size}, vocabulary {len(model.vocab)}"
