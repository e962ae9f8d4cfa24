"""Sentence pairs for seq2seq: their sources, tokenizers and DataModule."""
