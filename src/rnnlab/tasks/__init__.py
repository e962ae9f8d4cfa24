"""The LightningModules, one per task: loss, metrics, optimisers, logging; networks from nets/."""
