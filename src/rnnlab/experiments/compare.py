"""Compare finished runs: validation curves (by step and by wall time)
and a Markdown table of results.

    python scripts/compare_runs.py <multirun dir or run dirs...> [--metric val/bpc] [--out DIR]

Reads each run's TensorBoard event files; runs are labelled by the overrides
that differ between them.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rnnlab.core.errors import UserError, check_writable, report_user_errors
from rnnlab.dashboards.figures import curves_figure, plt
from rnnlab.dashboards.tensorboard import markdown_table
from rnnlab.inspect import inspect_checkpoint
from rnnlab.nets.checkpoints import read_checkpoint


@dataclass
class Run:
    directory: Path
    overrides: list[str]
    scalars: dict[str, list[tuple[int, float, float]]]  # tag -> [(step, wall time, value)]
    label: str = ""

    def values(self, tag: str) -> list[float]:
        return [value for _, _, value in self.scalars.get(tag, [])]


def find_runs(paths: list[Path]) -> list[Run]:
    """Every run directory (a `.hydra/` and a `tensorboard/` folder) at or below the given paths."""
    # It reports every event file it opens.
    logging.getLogger("tensorboard").setLevel(logging.WARNING)

    directories: list[Path] = []
    for path in paths:
        if not path.is_dir():
            raise UserError(
                f"{path} is not a directory; "
                "give a multirun directory or run directories of train.py."
            )
        directories += sorted(
            {p.parent for p in path.glob("**/.hydra") if (p.parent / "tensorboard").is_dir()}
        )
    if not directories:
        raise UserError(
            f"No runs with TensorBoard events under {', '.join(map(str, paths))}; "
            "give a multirun directory or run directories written by train.py."
        )
    runs = []
    for directory in directories:
        events = EventAccumulator(
            str(directory / "tensorboard"), size_guidance={"scalars": 0}
        ).Reload()
        scalars = {
            tag: [(e.step, e.wall_time, e.value) for e in events.Scalars(tag)]
            for tag in events.Tags()["scalars"]
        }
        runs.append(Run(directory, run_overrides(directory), scalars))
    label_runs(runs)
    return runs


def run_overrides(run_dir: Path) -> list[str]:
    """The command-line overrides a run was started with (Hydra's .hydra/overrides.yaml)."""
    saved = run_dir / ".hydra" / "overrides.yaml"
    return [str(o) for o in (yaml.safe_load(saved.read_text()) if saved.is_file() else []) or []]


def distinct_overrides(overrides: list[list[str]]) -> list[list[str]]:
    """Each list without the overrides that every list holds: what sets one job of a sweep apart."""
    shared = set.intersection(*map(set, overrides)) if overrides else set()
    return [[o for o in own if o not in shared] for own in overrides]


def label_runs(runs: list[Run]) -> None:
    """Label each run by its overrides that not every run shares (its directory name
    when none differ)."""
    for run, own in zip(runs, distinct_overrides([run.overrides for run in runs]), strict=True):
        run.label = " ".join(own) or run.directory.name


def choose_metric(runs: list[Run], metric: str | None) -> str:
    if metric is None:
        metric = "val/bpc" if all(run.values("val/bpc") for run in runs) else "val/loss"
    missing = [run.label for run in runs if not run.values(metric)]
    if missing:
        raise UserError(
            f"--metric {metric} was not logged by {', '.join(missing)}; "
            "pick a metric every run logged."
        )
    return metric


def curve(run: Run, metric: str) -> tuple[str, list[int], list[float], list[float]]:
    """(label, steps, minutes since the run's first event, values) of one run's metric."""
    start = min(wall for series in run.scalars.values() for _, wall, _ in series)
    steps, walls, values = zip(*run.scalars[metric], strict=True)
    return run.label, list(steps), [(w - start) / 60 for w in walls], list(values)


def result_row(run: Run, metric: str) -> list[str]:
    values = run.values(metric)
    test = run.values(metric.replace("val/", "test/", 1))
    parameters = run.values("hp/parameters")
    throughput = next(
        (run.values(t) for t in sorted(run.scalars) if t.startswith("throughput/")), []
    )
    walls = [wall for series in run.scalars.values() for _, wall, _ in series]
    steps = [step for step, _, _ in run.scalars.get("train/loss", [])]
    return [
        run.label,
        f"{values[-1]:.3f}",
        f"{min(values):.3f}",
        f"{test[-1]:.3f}" if test else "-",
        f"{int(parameters[-1]):,}" if parameters else "-",
        f"{statistics.median(throughput):,.0f}" if throughput else "-",
        str(max(steps) + 1) if steps else "-",
        f"{(max(walls) - min(walls)) / 60:.1f}",
    ]


def comparison_table(runs: list[Run], metric: str) -> str:
    unit = next(
        (
            t.removeprefix("throughput/")
            for run in runs
            for t in run.scalars
            if t.startswith("throughput/")
        ),
        "",
    )
    header = (
        "run",
        f"final {metric}",
        f"best {metric}",
        metric.replace("val/", "test/", 1) + " (best ckpt)",
        "parameters",
        f"throughput ({unit.replace('_', ' ')})" if unit else "throughput",
        "steps",
        "minutes",
    )
    return markdown_table(header, [result_row(run, metric) for run in runs])


def compare_runs(
    paths: list[Path], out: Path | None = None, metric: str | None = None
) -> tuple[Path, Path]:
    """Write `comparison.png` and `comparison.md` to `out` (default: the first path);
    return their paths."""
    out = out or paths[0]
    check_writable(out, "--out", "the comparison's folder")
    runs = find_runs(paths)
    metric = choose_metric(runs, metric)
    out.mkdir(parents=True, exist_ok=True)
    png, markdown = out / "comparison.png", out / "comparison.md"
    figure = curves_figure([curve(run, metric) for run in runs], metric)
    figure.savefig(png, dpi=110)
    plt.close(figure)
    table = comparison_table(runs, metric)
    markdown.write_text(f"# {metric} of {len(runs)} runs\n\n![{metric}]({png.name})\n\n{table}\n")
    return png, markdown


@report_user_errors
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, help="a multirun directory, or several run directories"
    )
    parser.add_argument(
        "--metric", help="the validation scalar to compare (default val/bpc, else val/loss)"
    )
    parser.add_argument("--out", type=Path, help="where to write comparison.png and comparison.md")
    args = parser.parse_args(argv)
    png, markdown = compare_runs(args.paths, args.out, args.metric)
    sys.stdout.write(markdown.read_text().split("\n\n", 2)[-1])
    print(f"Wrote {png} and {markdown}")


if __name__ == "__main__":
    main()


# ---- what each run's network keeps in its state (rnnlab.inspect), side by side -----------------
INSPECT_FOLDER = "inspect"


def recorded_best(checkpoint: Path) -> Path | None:
    """The best checkpoint a ModelCheckpoint recorded (its `best_model_path`) in the callback
    state saved inside `checkpoint`; None when it recorded none."""
    try:
        contents = read_checkpoint(checkpoint)
    except UserError:  # a damaged or foreign file: the caller falls back on last.ckpt
        return None
    for name, state in (contents.get("callbacks") or {}).items():
        best = isinstance(state, dict) and state.get("best_model_path")
        if name.startswith("ModelCheckpoint") and best:
            return Path(best)
    return None


def best_checkpoint(run_dir: Path) -> Path | None:
    """The run's best checkpoint, as ModelCheckpoint recorded it in the run's newest checkpoint
    (whatever its file-name pattern), else last.ckpt; None when the run has none."""
    folder = run_dir / "checkpoints"
    saved = sorted(folder.glob("*.ckpt"), key=lambda p: p.stat().st_mtime)
    if not saved:
        return None
    best = recorded_best(saved[-1])
    if best is not None:
        # The path was written where the run trained: this run's own folder first, since the
        # run may have been moved or copied since.
        for candidate in (folder / best.name, best):
            if candidate.is_file():
                return candidate
    last = folder / "last.ckpt"
    return last if last.is_file() else saved[-1]


def _folder_name(run_dir: Path, label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", f"{run_dir.name}_{label}" if label else run_dir.name)


def inspect_runs(run_dirs: list[Path], out: Path, chars: int = 2000) -> Path | None:
    """The inspect page of each run's best checkpoint on its validation text
    (`<out>/inspect/<job>_<label>/inspect.html`), and `<out>/inspect.md`: each run's bits per
    character and, per property, its best cell and correlation, with links to the pages.

    A run that cannot be inspected (not a character model, no checkpoint) is skipped with a
    warning; returns None when none could be.
    """
    log = logging.getLogger(__name__)
    overrides = [run_overrides(run_dir) for run_dir in run_dirs]
    labels = [" ".join(own) for own in distinct_overrides(overrides)]
    columns, pages = [], {}
    for run_dir, label in zip(run_dirs, labels, strict=True):
        checkpoint = best_checkpoint(run_dir)
        if checkpoint is None:
            log.warning("No checkpoint in %s to inspect; skipped.", run_dir)
            continue
        folder = out / INSPECT_FOLDER / _folder_name(run_dir, label)
        try:
            done = inspect_checkpoint(checkpoint, split="val", chars=chars, output_dir=folder)
        except UserError as err:
            log.warning("Cannot inspect %s: %s", checkpoint, err)
            continue
        name = label or run_dir.name
        columns.append((name, done.inspection))
        pages[name] = done.written["page"].relative_to(out)
    if not columns:
        return None
    header = ["", *(f"[{name}]({pages[name].as_posix()})" for name, _ in columns)]
    rows = [["bits per character", *(f"{i.bits_per_char:.3f}" for _, i in columns)]]
    for prop in columns[0][1].properties:
        row = [prop]
        for _, inspection in columns:
            found = inspection.best.get(prop)
            if not found:
                row.append("left out")
                continue
            best = found[0]
            strong = abs(best.correlation) >= inspection.needed_correlation
            value = f"{best.name} {best.correlation:+.2f}"
            row.append(f"**{value}**" if strong else value)
        rows.append(row)
    needed = columns[0][1].needed_correlation
    markdown = out / "inspect.md"
    markdown.write_text(
        f"# What each run keeps in its state\n\nThe first {chars} characters of the validation "
        "text, read once by each run's best checkpoint; per property, the best-correlated cell "
        f"of any layer (in bold from |r| >= {needed:.2f}). Each column links to its page; "
        "docs/inspect.md tells how to read them.\n\n"
        f"{markdown_table(header, rows)}\n"
    )
    return markdown
