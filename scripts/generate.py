"""`python scripts/generate.py ckpt_path=<.ckpt> prompt="The quick br" length=400`:
the same as `rnnlab-generate`."""

from rnnlab.generate import main

if __name__ == "__main__":
    main()
