"""Shared fixtures: offline settings, a tiny MediaWiki dump, composed configs
and one small trained run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Without these a hub call keeps retrying before it fails; no test may download anything.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict

from rnnlab.cli import CONFIG_DIR

REPO = Path(__file__).resolve().parents[1]

# A few steps with short validations, no progress bar: the end-to-end path in seconds, for any task.
FEW_STEPS = [
    "trainer.max_steps=6",
    "trainer.val_check_interval=3",
    "trainer.limit_val_batches=3",
    "trainer.limit_test_batches=3",
    "trainer.num_sanity_val_steps=0",
    "trainer.log_every_n_steps=2",
    "~callbacks.progress_bar",
]

# Small character models on the real corpus's first 60k characters.
SMALL = [
    "data.max_chars=60000",
    "data.seq_len=32",
    "data.batch_size=8",
    "model.embedding_dim=16",
    "model.hidden_size=32",
    *FEW_STEPS,
    "callbacks.text_samples.at_steps=[2]",
    "sample.char_lm.length=40",
]

TINY_DUMP = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">
  <siteinfo><sitename>Wikipedia</sitename></siteinfo>
  <page>
    <title>Fox</title><ns>0</ns><id>1</id>
    <revision><id>11</id><text xml:space="preserve">{{Infobox animal|name=Fox|colour=red}}
[[File:Fox.jpg|thumb|upright|A red fox in snow.]]
The '''quick brown fox''' is a [[mammal|small mammal]] of the [[Canidae]] \
family.&lt;ref&gt;{{cite book
|title=Foxes}}&lt;/ref&gt;

== Habitat ==
Foxes live in [[forest]]s and towns.
* They eat mice.
{| class="wikitable"
|-
! Name !! Weight
|-
| Red fox || 6 kg
|}
[[Category:Canids]]</text></revision>
  </page>
  <page>
    <title>Vulpes</title><ns>0</ns><id>2</id><redirect title="Fox" />
    <revision><id>12</id><text xml:space="preserve">#REDIRECT [[Fox]]</text></revision>
  </page>
  <page>
    <title>Talk:Fox</title><ns>1</ns><id>3</id>
    <revision><id>13</id><text xml:space="preserve">Is the fox quick? ~~~~</text></revision>
  </page>
</mediawiki>
"""

TINY_DUMP_TEXT = (
    "The quick brown fox is a small mammal of the Canidae family.\n\n"
    "Habitat\n"
    "Foxes live in forests and towns.\n"
    "They eat mice."
)


@pytest.fixture
def tiny_dump(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.xml"
    path.write_text(TINY_DUMP, encoding="utf-8")
    return path


def compose_train(root: Path, *overrides: str) -> DictConfig:
    """The composed train config, writing under `root`, as `python train.py <overrides>`
    would see it."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="train", overrides=[f"paths.root_dir={root}", *overrides])
    with open_dict(cfg):
        cfg.paths.output_dir = str(root / "run")
    return cfg


def run_cli(
    *args: str,
    cwd: Path = REPO,
    timeout: int = 300,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run a project command as a user would, in a subprocess, capturing its output;
    `stdin` is what it reads on standard input (a pipe, not a terminal)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One prepared-data cache for the whole session, so the corpus slice is cleaned once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, data_dir: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """`python train.py` with small sizes, once per session: (the finished process,
    its run directory)."""
    root = tmp_path_factory.mktemp("trained")
    result = run_cli("train.py", f"paths.root_dir={root}", f"paths.data_dir={data_dir}", *SMALL)
    assert result.returncode == 0, result.stderr[-3000:]
    (run_dir,) = (root / "logs" / "char_lm" / "runs").iterdir()
    return result, run_dir
