"""The LightningModules, one per task (loss, metrics, optimisers, logging); each builds its network
from rnnlab.nets."""
