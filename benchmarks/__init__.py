"""The benchmark suite behind `make bench` (`python scripts/benchmark.py`): see `benchmarks.run`.

Kept out of the `rnnlab` package: it measures the project, users do not run it.
"""
