"""Where the configs live: conf/ at the repository root, or its copy inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

_REPO_CONF = Path(__file__).resolve().parents[3] / "conf"
CONFIG_DIR = _REPO_CONF if _REPO_CONF.is_dir() else Path(__file__).resolve().parents[1] / "conf"
