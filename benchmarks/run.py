"""`make bench`: measure training, data, generation, preparation, seq2seq and speed options;
write JSON + Markdown.

python scripts/benchmark.py                                 # everything: the full, slowest run
python scripts/benchmark.py --sections training generation  # some sections only
python scripts/benchmark.py --steps 5 --repeats 1 \\
    --override model.hidden_size=16 data.max_chars=200000
"""

from __future__ import annotations

import argparse
import logging
import shlex
import shutil
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

import torch

from benchmarks import generation, options, preparation, report, seq2seq, training
from benchmarks.common import build, machine, project_config
from benchmarks.threads import threads_rows
from rnnlab.core.errors import UserError, check_writable

SECTIONS = [
    "training",
    "data",
    "generation",
    "preparation",
    "seq2seq",
    "tokenizer",
    "compile",
    "loader",
    "stateful",
    "threads",
    "gpu",
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add(
        "--sections",
        nargs="+",
        default=SECTIONS,
        choices=SECTIONS,
        metavar="SECTION",
        help=" ".join(SECTIONS),
    )
    add("--cells", nargs="+", default=["rnn", "lstm", "gru"], choices=["rnn", "lstm", "gru"])
    add("--steps", type=int, default=100, help="timed training steps per measurement (default 100)")
    add(
        "--warmup",
        type=int,
        default=10,
        help="untimed training steps before each measurement (default 10)",
    )
    add(
        "--repeats",
        type=int,
        default=3,
        help="measurements per figure; the median is reported (default 3)",
    )
    add(
        "--override",
        nargs="*",
        default=[],
        help="Hydra overrides for every char-LM config, e.g. model.hidden_size=32",
    )
    add("--seq2seq-override", nargs="*", default=[], help="Hydra overrides for the seq2seq config")
    add(
        "--length",
        type=int,
        default=400,
        help="characters per sampled text, prompt included (default 400)",
    )
    add(
        "--batches",
        nargs="+",
        type=int,
        default=[1, 8, 64],
        help="sampling batch sizes (default 1 8 64)",
    )
    add(
        "--beam-sentences", type=int, default=64, help="sentences per beam-search call (default 64)"
    )
    add(
        "--tokenizer-pairs",
        type=int,
        default=100_000,
        help="sentence pairs the BPE tokenizers learn from in `tokenizer` (default 100000)",
    )
    add(
        "--data-batches",
        type=int,
        default=500,
        help="batches read when timing the DataLoader (default 500)",
    )
    add(
        "--workers",
        type=int,
        default=2,
        help="DataLoader worker processes in the loader section (default 2)",
    )
    add(
        "--stateful-seconds",
        type=int,
        default=45,
        help="training seconds per setting in `stateful` (default 45)",
    )
    add(
        "--prep-multiples",
        nargs="+",
        type=int,
        default=[1, 4],
        help="dump sizes for `preparation` (default 1 4)",
    )
    add("--json", type=Path, default=Path("benchmarks/results.json"))
    add("--markdown", type=Path, default=Path("benchmarks/results.md"))
    args = parser.parse_args(argv)
    counts = {
        "--steps": args.steps,
        "--repeats": args.repeats,
        "--length": args.length,
        "--workers": args.workers,
    }
    counts |= {"--beam-sentences": args.beam_sentences, "--data-batches": args.data_batches}
    counts |= {"--stateful-seconds": args.stateful_seconds, "--batches": min(args.batches)}
    counts |= {
        "--prep-multiples": min(args.prep_multiples),
        "--tokenizer-pairs": args.tokenizer_pairs,
    }
    for flag, value in counts.items():
        if value < 1:
            parser.error(f"{flag} must be a positive whole number, not {value}.")
    if args.warmup < 1:
        parser.error(
            "--warmup must be at least 1 step (the first steps pay one-off costs), "
            f"not {args.warmup}."
        )
    if args.length <= len(generation.PROMPT):
        parser.error(
            f"--length must exceed the prompt's {len(generation.PROMPT)} characters, "
            f"not {args.length}."
        )
    # The results are written after each section: a folder that cannot take them is said now,
    # not after the first minutes of measuring.
    for flag, path in (("--json", args.json), ("--markdown", args.markdown)):
        try:
            check_writable(path.parent, flag, "the results' folder")
        except UserError as err:
            parser.error(str(err))
    args.batches = sorted({1, *args.batches})  # the speed-up is relative to one stream
    return args


class Benchmarks:
    """One method per section, each returning its title, what it measures and its rows."""

    def __init__(self, args: argparse.Namespace, work_dir: Path):
        self.args, self.work_dir = args, work_dir

    def char_config(
        self, extra=(), cell="lstm", device="cpu", precision="32-true", *, validate=False
    ):
        base = training.OFF_STEP_CALLBACKS + ([] if validate else training.NO_VALIDATION)
        return training.char_config(
            self.work_dir, cell, device, precision, [*base, *self.args.override, *extra]
        )

    def training(self, device: str = "cpu", precisions: tuple[str, ...] = ("32-true",)) -> dict:
        a, rows = self.args, []
        for cell in a.cells:
            for precision in precisions:
                cfg = self.char_config(cell=cell, device=device, precision=precision)
                plain, lightning = [], []
                # Alternate, so drifts in machine load hit both sides alike.
                for _ in range(a.repeats):
                    plain.append(training.plain_rate(cfg, a.warmup, a.steps))
                    lightning.append(training.lightning_rate(cfg, a.warmup, a.steps))
                row = {"cell": cell, "device": device, "precision": precision}
                row["plain_chars_per_s"] = round(statistics.median(plain))
                row["lightning_chars_per_s"] = round(statistics.median(lightning))
                # Each pair ran back to back, so its ratio is the least disturbed by drifts
                # in machine load.
                row["ratio"] = round(
                    statistics.median(lit / own for lit, own in zip(lightning, plain, strict=True)),
                    3,
                )
                rows.append(row)
        cfg = self.char_config()
        return {
            "title": "Training: Lightning vs a plain PyTorch loop",
            "about": (
                f"Characters/s at batch {cfg.data.batch_size} x {cfg.data.seq_len}, "
                f"carried state (data.stateful={cfg.data.stateful}), AdamW + cosine schedule, "
                f"clipping {cfg.trainer.gradient_clip_val}; "
                f"{a.steps} timed steps after {a.warmup}. "
                "Lightning side: the configured Trainer, TensorBoard logger and per-step callbacks "
                f"({', '.join(training.per_step_callbacks(cfg))}); "
                "checkpointing, text samples and the model summary act only at validation, "
                "chosen steps or the start, and are off. "
                "Plain side: the same model, optimiser, schedule, clipping and batches "
                "in a hand-written loop. "
                "The ratio is the median of the ratios of each back-to-back pair."
            ),
            "rows": rows,
        }

    def data(self) -> dict:
        return {
            "title": "Data pipeline alone",
            "about": (
                f"Training batches/s of the DataModule's loader, {self.args.data_batches} batches; "
                "compare with the training steps/s above (chars/s / (batch x seq_len))."
            ),
            "rows": options.datamodule_rows(self.char_config, self.args.data_batches),
        }

    def generation(self, device: str = "cpu") -> dict:
        torch.manual_seed(0)
        _, model = build(self.char_config())
        # A call is short next to a training run: five times the repeats cost little
        # and steady the median.
        repeats = 5 * self.args.repeats
        rows = generation.generation_rows(
            model, device, self.args.length, self.args.batches, repeats
        )
        return {
            "title": "Generation",
            "about": (
                f'{self.args.length} characters from "{generation.PROMPT}" per text, '
                f"median of {repeats} calls ({generation.model_summary(model)}; "
                "untrained weights: speed does not depend on them)."
            ),
            "rows": rows,
        }

    def preparation(self) -> dict:
        multiples = tuple(self.args.prep_multiples)
        rows = preparation.preparation_rows(multiples, workers=(1, None), work_dir=self.work_dir)
        return {
            "title": "Data preparation",
            "about": (
                "Preparing the default Wikipedia corpus from a dump repeated `multiple` times, "
                "with 1 worker and with all cores."
            ),
            "rows": rows,
        }

    def seq2seq(self, device: str = "cpu") -> dict:
        a = self.args
        accelerator = "gpu" if device == "cuda" else "cpu"
        overrides = [
            "experiment=number_words",
            f"trainer.accelerator={accelerator}",
            *training.NO_VALIDATION,
        ]
        overrides += [
            "~callbacks.model_checkpoint",
            "~callbacks.model_summary",
            *a.seq2seq_override,
        ]
        cfg = project_config(overrides, self.work_dir)
        rows = seq2seq.seq2seq_rows(
            cfg, a.warmup, a.steps, a.beam_sentences, cfg.model.beam_size, a.repeats
        )
        return {
            "title": "Seq2seq (experiment=number_words, seq2seq_attn)",
            "about": (
                f"Batch {cfg.data.batch_size} pairs; "
                f"{a.steps} timed training steps under the Trainer."
            ),
            "rows": rows,
        }

    def tokenizer(self) -> dict:
        a = self.args
        return {
            "title": "Seq2seq tokenizers (data.tokenizer=bpe)",
            "about": (
                "Learning the source and target BPE models (Hugging Face tokenizers) from "
                f"{a.tokenizer_pairs:,} pairs of consecutive Wikipedia sentences, median of "
                f"{a.repeats}."
            ),
            "rows": seq2seq.tokenizer_rows(a.tokenizer_pairs, a.repeats),
        }

    def compile(self) -> dict:
        a = self.args
        return {
            "title": "torch.compile (`compile: true`)",
            "about": (
                "Default model, training chars/s under the Trainer; compilation happens in the "
                f"{a.warmup} warm-up steps and is not timed."
            ),
            "rows": options.compile_rows(self.char_config, a.warmup, a.steps, a.repeats),
        }

    def loader(self) -> dict:
        a = self.args
        return {
            "title": "DataLoader workers and pinned memory",
            "about": "Default model, training chars/s under the Trainer.",
            "rows": options.loader_rows(self.char_config, a.warmup, a.steps, a.repeats, a.workers),
        }

    def stateful(self) -> dict:
        seconds = self.args.stateful_seconds
        return {
            "title": "Carried state (truncated BPTT) vs independent windows",
            "about": (
                f"Default model trained {seconds} s each (trainer.max_time), then val/bpc, "
                "each setting read by its own protocol "
                "(streams with carried state, or independent windows)."
            ),
            "rows": options.stateful_rows(
                lambda extra: self.char_config(extra, validate=True), seconds
            ),
        }

    def threads(self) -> dict:
        a = self.args
        cfg = self.char_config()
        build(cfg)  # prepares the corpus once, before the processes read it
        return {
            "title": "Threads: training processes sharing the machine",
            "about": (
                f"Default model, {a.steps} timed steps after {a.warmup} under the Trainer, in "
                "processes of their own started at once; CPU is each process's own CPU time per "
                f"step, median of {a.repeats}. threads=auto gives each of two parallel jobs "
                "half the cores."
            ),
            "rows": threads_rows(cfg, a.warmup, a.steps, a.repeats, self.work_dir),
        }

    def gpu(self) -> dict:
        if not torch.cuda.is_available():
            return {
                "title": "GPU (cuDNN, bf16 / 16-mixed)",
                "skipped": "no CUDA GPU on this machine.",
            }
        rows = self.training("cuda", ("32-true", "bf16-mixed", "16-mixed"))["rows"]
        rows += self.generation("cuda")["rows"]
        rows += self.seq2seq("cuda")["rows"]
        return {
            "title": "GPU (cuDNN, bf16 / 16-mixed)",
            "about": "The CPU measures, on the GPU.",
            "rows": rows,
        }


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    logging.getLogger("lightning").setLevel(logging.WARNING)
    work_dir = Path(tempfile.mkdtemp(prefix="rnnlab-bench-"))
    results = {
        "machine": machine(),
        "command": shlex.join(
            ["python", "scripts/benchmark.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "settings": {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
        },
        "sections": {},
    }
    try:
        suite = Benchmarks(args, work_dir)
        for name in SECTIONS:
            if name in args.sections:
                print(f"== {name}", flush=True)
                results["sections"][name] = getattr(suite, name)()
                # After each section, so a long run leaves partial results.
                report.write_json(results, args.json)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    report.write_markdown(results, args.markdown)
    print(args.markdown.read_text())
    return results
