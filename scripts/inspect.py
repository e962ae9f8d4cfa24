"""`python scripts/inspect.py ckpt_path=<.ckpt> split=val chars=2000`: the same as `rnnlab-inspect`.

This file's name is also the standard library's `inspect`: the module imported first takes this
folder off the module path, so torch, hydra and dataclasses find the real one."""

import _own_folder_off_path  # noqa: F401  (first: it keeps scripts/inspect.py out of imports)

# isort: split

from rnnlab.commands.inspect import main

if __name__ == "__main__":
    main()
