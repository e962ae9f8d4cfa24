"""A Hydra callback for multiruns: each job's outcome on record, failures reported,
an optional comparison.

Hydra finishes every job of a sweep even when one fails; this callback says which failed
and why as each job ends, keeps `sweep_summary.md` in the sweep directory up to date,
and when the sweep is over prints the summary and (with `compare: true`) writes
the comparison plot and table of `rnnlab.experiments.compare`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from rnnlab.core.errors import FailedJob, user_error_in
from rnnlab.core.lightning_internals import failed_job_error
from rnnlab.dashboards.tensorboard import markdown_table
from rnnlab.experiments.compare import compare_runs, distinct_overrides, inspect_runs

log = logging.getLogger(__name__)

STATUS_FILE = "job_status.json"


def job_outcome(job_return: JobReturn) -> dict[str, Any]:
    """What a summary needs of a finished job: status, returned metric or the error's first line."""
    if job_return.status == JobStatus.COMPLETED:
        value = job_return.return_value
        if isinstance(value, FailedJob):  # a user mistake, reported by the job in one line
            return {"status": "failed", "error": value.message}
        return {"status": "completed", "result": value if isinstance(value, (int, float)) else None}
    error = failed_job_error(job_return)
    user_error = user_error_in(error)
    message = str(user_error) if user_error else f"{type(error).__name__}: {error}"
    return {
        "status": "failed",
        "error": message.strip().splitlines()[0] if message.strip() else type(error).__name__,
    }


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


def summary_table(sweep_dir: Path) -> tuple[str, list[dict]]:
    """The Markdown table of every job that has ended so far, and their records."""
    records = []
    for status_file in sorted(
        sweep_dir.glob(f"*/{STATUS_FILE}"), key=lambda p: (len(p.parent.name), p.parent.name)
    ):
        # Where the job ran, beside what it wrote: the report reads its run directory.
        records.append({**json.loads(status_file.read_text()), "dir": status_file.parent})
    own = (
        distinct_overrides([r["overrides"] for r in records])
        if len(records) > 1
        else [[]] * len(records)
    )
    rows = [
        (
            r["job"],
            " ".join(differ) or " ".join(r["overrides"]) or "(none)",
            r["status"],
            f"{r['result']:.4f}" if r.get("result") is not None else r.get("error", "-"),
        )
        for r, differ in zip(records, own, strict=True)
    ]
    return markdown_table(("job", "overrides", "status", "result or error"), rows), records


class SweepReport(Callback):
    """`compare`: end with the comparison plot and table; `inspect`: and with the inspect page of
    each job's best checkpoint on `inspect_chars` validation characters (character models)."""

    def __init__(
        self,
        compare: bool = False,
        metric: str | None = None,
        inspect: bool = False,
        inspect_chars: int = 2000,
    ):
        self.compare, self.metric = compare, metric
        self.inspect, self.inspect_chars = inspect, inspect_chars

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        hydra_cfg = job_return.hydra_cfg.hydra if job_return.hydra_cfg else None
        if hydra_cfg is None or hydra_cfg.mode != RunMode.MULTIRUN:
            return
        job_dir = Path(hydra_cfg.runtime.output_dir)
        record = {
            "job": hydra_cfg.job.num,
            "overrides": list(job_return.overrides or []),
            **job_outcome(job_return),
        }
        write_atomically(job_dir / STATUS_FILE, json.dumps(record))
        if record["status"] == "failed":
            log.error(
                "Job %s (%s) failed: %s",
                record["job"],
                " ".join(record["overrides"]),
                record["error"],
            )
        table, _ = summary_table(job_dir.parent)
        write_atomically(job_dir.parent / "sweep_summary.md", table + "\n")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        table, records = summary_table(sweep_dir)
        if not records:
            return
        failed = [r for r in records if r["status"] == "failed"]
        summary = sweep_dir / "sweep_summary.md"
        log.info("Sweep of %d jobs, %d failed (%s):\n%s", len(records), len(failed), summary, table)
        if self.compare and len(failed) < len(records):
            png, markdown = compare_runs([sweep_dir], metric=self.metric)
            log.info("Comparison: %s and %s", png, markdown)
        if self.inspect and len(failed) < len(records):
            completed = [r["dir"] for r in records if r["status"] == "completed"]
            pages = inspect_runs(completed, sweep_dir, self.inspect_chars)
            if pages is not None:
                log.info("What each job keeps in its state: %s", pages)
        if failed:  # the sweep's outcome is a failure too: one line, exit status 1
            first = failed[0]
            overrides = " ".join(first["overrides"]) or "no overrides"
            reason = f"job {first['job']}, {overrides}: {first['error'].rstrip('.')}"
            print(
                f"error: {len(failed)} of {len(records)} jobs failed (first {reason}); "
                f"every job's outcome is in {summary}.",
                file=sys.stderr,
            )
            raise SystemExit(1)
