"""`python scripts/chat.py ckpt_path=<.ckpt>` (sentences on standard input):
the same as `rnnlab-chat`."""

import _own_folder_off_path  # noqa: F401  (first: it keeps scripts/inspect.py out of imports)

# isort: split

from rnnlab.commands.chat import main

if __name__ == "__main__":
    main()
