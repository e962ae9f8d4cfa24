"""`python scripts/benchmark.py`: data preparation time and training throughput (see rnnlab.benchmark)."""

from rnnlab.benchmark import main

if __name__ == "__main__":
    main()
