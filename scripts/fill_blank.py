"""`python scripts/fill_blank.py ckpt_path=<.ckpt> text="I am ___ hungry at all."`:
the same as `rnnlab-fill-blank`."""

from rnnlab.fill_blank import main

if __name__ == "__main__":
    main()
