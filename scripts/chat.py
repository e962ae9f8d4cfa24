"""`python scripts/chat.py ckpt_path=<.ckpt> text="'hello, how are you'"`:
the same as `rnnlab-chat`."""

from rnnlab.chat import main

if __name__ == "__main__":
    main()
