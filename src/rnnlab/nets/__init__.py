"""Plain torch, importable without Lightning: the recurrent backbone, the four networks, decoding
and checkpoint reading."""
