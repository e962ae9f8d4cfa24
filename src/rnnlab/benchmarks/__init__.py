"""The benchmark suite behind `make bench`: see `rnnlab.benchmarks.run`."""
