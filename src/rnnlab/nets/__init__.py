"""Plain torch, no Lightning: the recurrent backbone, the four networks, decoding, checkpoints."""
