from rnnlab.callbacks.text_samples import TextSamples

__all__ = ["TextSamples"]
