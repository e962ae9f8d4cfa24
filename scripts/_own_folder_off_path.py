"""Imported first by every script in this folder. Python puts the folder of the script it runs
first on the module path, where scripts/inspect.py would stand in for the standard library's
`inspect` module that torch, hydra and dataclasses import: the folder is taken off the path
before anything else is imported."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
