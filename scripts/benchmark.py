"""`python scripts/benchmark.py`: the benchmark suite of `make bench` (see rnnlab.benchmarks.run)."""

from rnnlab.benchmarks.run import main

if __name__ == "__main__":
    main()
