"""Compare finished runs: see rnnlab.compare."""

from rnnlab.compare import main

if __name__ == "__main__":
    main()
