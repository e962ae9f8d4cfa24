"""The commands users run (console scripts and the shims in train.py and scripts/)."""
