"""rnnlab: train, compare and sample recurrent neural networks with Lightning and Hydra."""

__version__ = "0.1.0"
