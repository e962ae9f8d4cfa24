"""Compare finished runs: see rnnlab.experiments.compare."""

import _own_folder_off_path  # noqa: F401  (first: it keeps scripts/inspect.py out of imports)

# isort: split

from rnnlab.experiments.compare import main

if __name__ == "__main__":
    main()
