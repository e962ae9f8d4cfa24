"""Shared fixtures: offline settings, a tiny MediaWiki dump, composed configs, one small trained
run, and the two ways of running a command: in this process (`run_command`) and as a process of
its own (`run_cli`), kept for what only a process shows."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

# Without these a hub call keeps retrying before it fails; no test may download anything.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from filelock import FileLock
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.resolvers import register_resolvers
from rnnlab.config.scripts import register_script_settings

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


def pytest_configure(config: pytest.Config) -> None:
    # As the commands do at import: the tests compose conf/train.yaml and the scripts' configs.
    register_resolvers()
    register_script_settings()
    """Under pytest-xdist (`make test`: one worker per core) each worker runs on a core of its
    own, with one torch thread: two workers at torch's default threads would each start a
    thread per core and cost 3 times the CPU per step. The commands a worker starts inherit
    the core, and their `threads=auto` reads it (rnnlab.core.threads.available_cores)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...
    if worker is None:
        return
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[int(worker.removeprefix("gw")) % len(cores)]})
    torch.set_num_threads(1)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"


# Session fixtures that train for seconds (a seq2seq or cloze model, a sweep): the tests that use
# them are slow too. The small `trained_run` is not among them: most fast tests read it.
TRAINING_FIXTURES = {"chat_checkpoint", "tatoeba_checkpoint", "cloze_checkpoint", "sweep"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use a training fixture are marked `slow`; tests marked `gpu` are skipped,
    saying why, where torch sees no CUDA GPU."""
    no_gpu = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(no_gpu)


@dataclass(frozen=True)
class Finished:
    """What a command left: its exit status and what it printed (as subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def _entry_points() -> dict[str, str]:
    """`train.py` and `scripts/<name>.py` -> the entry point its console script names in
    pyproject.toml (`rnnlab-<name>`), e.g. "rnnlab.commands.train:command"."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    entries = {}
    for name, target in scripts.items():
        stem = name.removeprefix("rnnlab-").replace("-", "_")
        entries["train.py" if stem == "train" else f"scripts/{stem}.py"] = target
    return entries


ENTRY_POINTS = _entry_points()


def run_command(script: str, *args: str, stdin: str = "") -> Finished:
    """Run a command in this process as its script would run it: the same entry point, Hydra's
    own command-line parsing, the same checks and messages, and `stdin` as standard input.
    Without a new Python and its imports a refused setting takes milliseconds, not seconds.
    What only a process shows (signals, console scripts, DDP ranks) goes through `run_cli`."""
    module, function = ENTRY_POINTS[script].split(":")
    entry: Callable[[], object] = getattr(importlib.import_module(module), function)
    out, err = io.StringIO(), io.StringIO()
    argv, stdin_before = sys.argv, sys.stdin
    sys.argv, sys.stdin = [script, *args], io.StringIO(stdin)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            entry()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv, sys.stdin = argv, stdin_before
        # A finished run leaves its config as Hydra's current one; code that asks Hydra
        # whether it runs inside a sweep must not see a past run's answer.
        HydraConfig.instance().cfg = None
    return Finished(code, out.getvalue(), err.getvalue())


def run_cli(
    *args: str,
    cwd: Path = REPO,
    timeout: int = 300,
    stdin: str = "",
    env: dict[str, str] | None = None,
    every_core: bool = False,
) -> subprocess.CompletedProcess:
    """Run a project command as a user would, in a subprocess, capturing its output;
    `stdin` is what it reads on standard input (a pipe, not a terminal). `every_core` lets it
    run on all the machine's cores, not only the test worker's one (for several processes)."""
    cores = set(range(os.cpu_count() or 1))
    return subprocess.run(
        [sys.executable, *args],
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if every_core else None,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder all pytest-xdist workers of this session share (the session's own when
    there are no workers)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    build: Callable[[Path], tuple[Finished, Path]],
) -> tuple[Finished, Path]:
    """What `build(folder)` returns, (the finished command, the run directory it wrote), built
    once per session however many workers ask: the first takes the lock and builds, the others
    wait and read its record (the file lock pattern pytest-xdist documents for session
    fixtures)."""
    root = session_root(tmp_path_factory)
    record = root / f"{name}.json"
    with FileLock(root / f"{name}.lock"):
        if not record.is_file():
            folder = root / name
            folder.mkdir()
            result, run_dir = build(folder)
            record.write_text(json.dumps({"result": asdict(result), "run_dir": str(run_dir)}))
    saved = json.loads(record.read_text())
    return Finished(**saved["result"]), Path(saved["run_dir"])


def trained(root: Path, *args: str, task: str = "char_lm") -> tuple[Finished, Path]:
    """Train with `args` under `root` in this process: (the finished command, its run
    directory); fails the test with the command's output when it did not succeed."""
    result = run_command("train.py", f"paths.root_dir={root}", *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (run_dir,) = (root / "logs" / task / "runs").iterdir()
    return result, run_dir


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One prepared-data cache for the whole session and all its workers, so the corpus slice
    is cleaned once (the cache takes a lock per corpus)."""
    folder = session_root(tmp_path_factory) / "data"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, data_dir: Path) -> tuple[Finished, Path]:
    """`python train.py` with small sizes, once per session: (the finished command,
    its run directory)."""

    return built_once(
        tmp_path_factory,
        "trained",
        lambda root: trained(root, f"paths.data_dir={data_dir}", *SMALL),
    )
