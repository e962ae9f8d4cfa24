"""Seq2seq speed: training target tokens/s and batched beam-search sentences/s
(`experiment=number_words`)."""

from __future__ import annotations

import statistics
import time

import torch

from benchmarks.common import Stopwatch
from benchmarks.training import device_of, lightning_run
from rnnlab.nets.decoding import beam_search


def beam_sentences_per_s(model, datamodule, device: str, sentences: int, beam: int, repeats: int):
    """Median sentences/s of one batched beam search over the first validation sources
    -> (rate, mean length)."""
    model.to(device).eval()
    data = datamodule.splits["val"]
    batch = data[list(range(min(sentences, len(data))))]
    source, lengths = batch["source"].to(device), batch["source_lengths"].to(device)
    vocab, watch, seconds = model.target_tokenizer, Stopwatch(device), []
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


def wikipedia_pairs(count: int) -> list[tuple[str, str]]:
    """`count` pairs of consecutive sentences of the shipped Wikipedia excerpt (read again from
    its start when it runs out): real text, offline."""
    from rnnlab.data.text.sources import default_dump
    from rnnlab.data.text.wiki_cloze import split_sentences
    from rnnlab.data.text.wikipedia import clean_wikitext, iter_articles

    sentences = [
        s
        for article in iter_articles(default_dump())
        for s in split_sentences(clean_wikitext(article))
    ]
    needed = 2 * count
    sentences = (sentences * (needed // len(sentences) + 1))[:needed]
    return list(zip(sentences[0::2], sentences[1::2], strict=True))


def tokenizer_rows(pairs: int, repeats: int) -> list[dict]:
    """Seconds to learn the source and the target BPE tokenizers (data.vocab_size null) of
    `pairs` sentence pairs, as the seq2seq DataModule does on its training split."""
    from rnnlab.data.pairs.tokenizer import DEFAULT_BPE_VOCAB, clean, train_tokenizer

    texts = [(clean(s), clean(t)) for s, t in wikipedia_pairs(pairs)]
    sources, targets = [s for s, _ in texts], [t for _, t in texts]
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for side, side_texts in (("source", sources), ("target", targets)):
            train_tokenizer("bpe", side_texts, None, 1, side)
        seconds.append(time.perf_counter() - start)
    mean_chars = statistics.mean(len(t) for t in sources + targets)
    return [
        {
            "device": "cpu",
            "measure": f"BPE tokenizers of {pairs:,} sentence pairs learned, seconds",
            "value": round(statistics.median(seconds), 2),
            "note": (
                f"source and target, up to {DEFAULT_BPE_VOCAB} pieces each; Wikipedia sentences "
                f"of {mean_chars:.0f} characters on average"
            ),
        }
    ]
