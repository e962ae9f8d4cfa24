"""Seq2seq speed: training target tokens/s and batched beam-search sentences/s
(`experiment=number_words`)."""

from __future__ import annotations

import statistics

import torch

from benchmarks.common import Stopwatch
from benchmarks.training import device_of, lightning_run
from rnnlab.decoding import beam_search


def beam_sentences_per_s(model, datamodule, device: str, sentences: int, beam: int, repeats: int):
    """Median sentences/s of one batched beam search over the first validation sources
    -> (rate, mean length)."""
    model.to(device).eval()
    data = datamodule.splits["val"]
    batch = data[list(range(min(sentences, len(data))))]
    source, lengths = batch["source"].to(device), batch["source_lengths"].to(device)
    vocab, watch, seconds = model.target_vocab, Stopwatch(device), []
    args = (model.net, source, lengths, vocab.start, vocab.eos, model.hparams.max_decode_length)
    beam_search(*args, beam_size=beam)  # warm-up
    for _ in range(repeats):
        watch.start()
        replies = beam_search(*args, beam_size=beam)
        seconds.append(watch.stop())
    return len(source) / statistics.median(seconds), statistics.mean(len(r) for r in replies)


def seq2seq_rows(
    cfg, warmup: int, steps: int, sentences: int, beam: int, repeats: int
) -> list[dict]:
    rates, model, datamodule = [], None, None
    for _ in range(repeats):
        rate, model, datamodule = lightning_run(cfg, warmup, steps)
        rates.append(rate)
    device = device_of(cfg)
    with torch.inference_mode():
        beam_rate, mean_length = beam_sentences_per_s(
            model, datamodule, device, sentences, beam, repeats
        )
    return [
        {
            "device": device,
            "measure": "training target tokens/s",
            "value": round(statistics.median(rates)),
        },
        {
            "device": device,
            "measure": f"beam search (beam {beam}, {sentences} sentences per call) sentences/s",
            "value": round(beam_rate, 1),
            "note": (
                f"model after {warmup + steps} training steps; "
                f"replies average {mean_length:.1f} words"
            ),
        },
    ]
