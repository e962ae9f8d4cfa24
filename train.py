"""`python train.py [overrides]`: the same as the `rnnlab-train` command."""

from rnnlab.commands.train import command

if __name__ == "__main__":
    command()
