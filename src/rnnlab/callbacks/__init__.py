from rnnlab.callbacks.gradient_norms import GradientNorms
from rnnlab.callbacks.gradient_through_time import GradientThroughTime
from rnnlab.callbacks.inspect_images import InspectImages as InspectImages
from rnnlab.callbacks.interruption import InterruptionCheckpoint
from rnnlab.callbacks.model_summary import ModelSummary
from rnnlab.callbacks.text_samples import TextSamples
from rnnlab.callbacks.throughput import Throughput
from rnnlab.callbacks.time_budget import ScheduleWithinTime

__all__ = [
    "GradientNorms",
    "GradientThroughTime",
    "InterruptionCheckpoint",
    "ModelSummary",
    "ScheduleWithinTime",
    "TextSamples",
    "Throughput",
]
