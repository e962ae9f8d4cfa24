"""`python train.py [overrides]`: the same as the `rnnlab-train` command."""

from rnnlab.train import main

if __name__ == "__main__":
    main()
