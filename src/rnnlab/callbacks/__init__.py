from rnnlab.callbacks.gradient_norms import GradientNorms
from rnnlab.callbacks.text_samples import TextSamples
from rnnlab.callbacks.throughput import Throughput

__all__ = ["GradientNorms", "TextSamples", "Throughput"]
