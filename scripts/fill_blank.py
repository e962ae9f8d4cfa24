"""`python scripts/fill_blank.py ckpt_path=<.ckpt> text="I am ___ hungry at all."`:
the same as `rnnlab-fill-blank`."""

import _own_folder_off_path  # noqa: F401  (first: it keeps scripts/inspect.py out of imports)

# isort: split

from rnnlab.commands.fill_blank import main

if __name__ == "__main__":
    main()
