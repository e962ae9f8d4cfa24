"""Corpus preparation at scale: synthetic dumps of N copies of the shipped excerpt,
each prepared in a fresh child process, so its time and peak memory are its own."""

from __future__ import annotations

import bz2
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]
_PAGE = re.compile(rb"  <page>.*?</page>\n", re.S)
_TITLE = re.compile(rb"<title>(.*?)</title>")
# Runs in the child: import, prepare, then report this process's and its workers' peak memory.
_CHILD = """
import json, sys
from benchmarks.preparation import measure_preparation
print(json.dumps(measure_preparation(*json.loads(sys.argv[1]))))
"""


def make_synthetic_dump(multiple: int, path: Path) -> tuple[int, int]:
    """Write the excerpt's pages `multiple` times, each copy under new titles,
    to `path` (.xml, or compressed when it ends in .bz2); return (pages, uncompressed bytes).
    The text is real Wikipedia, so cleaning costs what it costs on a full dump."""
    from rnnlab.data.text.sources import default_dump

    raw = bz2.decompress(default_dump().read_bytes())
    pages = list(_PAGE.finditer(raw))
    head, tail = raw[: pages[0].start()], raw[pages[-1].end() :]
    written = 0
    with bz2.open(path, "wb") if path.suffix == ".bz2" else open(path, "wb") as out:
        written += out.write(head)
        for copy in range(multiple):
            suffix = b"" if copy == 0 else f" (copy {copy})".encode()
            for page in pages:
                retitled = _TITLE.sub(rb"<title>\1" + suffix + rb"</title>", page.group(), 1)
                written += out.write(retitled)
        written += out.write(tail)
    return len(pages) * multiple, written


def measure_preparation(dump: str, cache_dir: str, workers: int | None) -> dict:
    """Prepare `dump` into an empty `cache_dir` in this process: seconds and peak resident memory
    in MB (this process, and the largest of its worker processes)."""
    from rnnlab.data.text.corpus import prepare_corpus
    from rnnlab.data.text.sources import FileSource

    start = time.perf_counter()
    corpus = prepare_corpus(
        FileSource(Path(dump)), Path(cache_dir), min_char_count=10, max_chars=None, workers=workers
    )
    seconds = time.perf_counter() - start
    kib = 1024 if sys.platform != "darwin" else 1  # ru_maxrss is in KiB on Linux, bytes on macOS
    return {
        "seconds": seconds,
        "n_chars": corpus.meta["n_chars"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1e6,
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 1e6,
    }


def preparation_rows(
    multiples: tuple[int, ...] = (1, 4, 16),
    workers: tuple[int | None, ...] = (1, None),
    work_dir: Path | None = None,
    compressed: bool = True,
) -> list[dict]:
    """For each dump size (a multiple of the excerpt) and worker setting (None = every core),
    prepare the corpus from nothing in a fresh child process. One dict per run:
    multiple, workers, dump_mb (uncompressed XML), seconds, mb_per_s and pages_per_s
    (of uncompressed XML and of all pages read), peak_rss_mb (the preparing process)
    and worker_peak_rss_mb. `compressed` writes the dumps as .xml.bz2, as Wikipedia ships them."""
    from rnnlab.core.threads import available_cores  # as the rest: imported in the child

    if work_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            return preparation_rows(multiples, workers, Path(tmp), compressed)
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for multiple in multiples:
        dump = work_dir / f"synthetic-{multiple}x.xml{'.bz2' if compressed else ''}"
        pages, xml_bytes = make_synthetic_dump(multiple, dump)
        dump_mb = xml_bytes / 1e6
        for setting in workers:
            cache_dir = work_dir / f"cache-{multiple}x-{setting}"
            result = _in_child(dump, cache_dir, setting)
            shutil.rmtree(cache_dir)
            rows.append(
                {
                    "multiple": multiple,
                    "workers": setting if setting is not None else f"all ({available_cores()})",
                    "compressed": compressed,
                    "dump_mb": round(dump_mb, 1),
                    "seconds": round(result["seconds"], 2),
                    "mb_per_s": round(dump_mb / result["seconds"], 2),
                    "pages_per_s": round(pages / result["seconds"]),
                    "chars": result["n_chars"],
                    "peak_rss_mb": round(result["peak_rss_mb"], 1),
                    "worker_peak_rss_mb": round(result["worker_peak_rss_mb"], 1),
                }
            )
        dump.unlink()
    return rows


def _in_child(dump: Path, cache_dir: Path, workers: int | None) -> dict:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    # The child imports this module, which is not installed: it lies in the repository's root.
    paths = [str(_REPO_ROOT), os.environ.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    args = json.dumps([str(dump), str(cache_dir), workers])
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, args], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"preparing {dump} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
