"""Sweeps and comparisons of finished runs: the sweep report, Optuna studies, compare_runs."""
