"""`python scripts/generate.py ckpt_path=<.ckpt> prompt="The quick br" length=400`:
the same as `rnnlab-generate`."""

import _own_folder_off_path  # noqa: F401  (first: it keeps scripts/inspect.py out of imports)

# isort: split

from rnnlab.commands.generate import main

if __name__ == "__main__":
    main()
