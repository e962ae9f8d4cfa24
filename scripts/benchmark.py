"""`python scripts/benchmark.py`: the benchmark suite of `make bench` (see benchmarks/run.py)."""

import _own_folder_off_path  # noqa: F401  (first: it keeps scripts/inspect.py out of imports)

# isort: split

import sys
from pathlib import Path

# The suite is the repo root's `benchmarks` package, which is not installed with rnnlab.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import main

if __name__ == "__main__":
    main()
