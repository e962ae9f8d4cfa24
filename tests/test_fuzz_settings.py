"""Every Trainer setting and every script setting, given a value of the wrong type, a value out of
its range and a nonsense string, through the real command: exit status 1, one line naming the
setting, no traceback, and no run directory.

The tables hold the three values for each setting; a test fails when a setting of the composed
configs has no entry, so a new setting is fuzzed from the day it is added."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SMALL, compose_train, run_command
from hydra import compose, initialize_config_dir

from rnnlab.config.compose import CONFIG_DIR

WRONG_TYPE = "{a:1}"  # a mapping, which no setting below takes

# trainer.<key>: (out of range, nonsense). default_root_dir is not a setting of its own: it is
# paths.output_dir, checked writable with the run directory.
TRAINER = {
    "accelerator": ("tpu", "zzz"),  # out of range: a device this machine lacks
    "devices": (0, "zzz"),
    "num_nodes": (0, "zzz"),
    "strategy": ("fsdp", "zzz"),  # out of range: a strategy for GPUs only (trainer=cpu below)
    "use_distributed_sampler": (2, "zzz"),
    "precision": (7, "zzz"),
    "max_steps": (-5, "zzz"),
    "max_epochs": (-5, "zzz"),
    "max_time": ("00:00:00:00", "zzz"),  # out of range: no time to train
    "val_check_interval": (0, "zzz"),
    "check_val_every_n_epoch": (0, "zzz"),
    "limit_val_batches": (1.5, "zzz"),
    "limit_test_batches": (-1, "zzz"),
    "gradient_clip_val": (-1, "zzz"),
    "accumulate_grad_batches": (0, "zzz"),
    "log_every_n_steps": (0, "zzz"),
    "num_sanity_val_steps": (-5, "zzz"),
    "deterministic": (2, "zzz"),
}
NOT_FUZZED = {"_target_", "default_root_dir"}
# The same on any machine (a GPU makes some values valid), and seconds, not the default run's
# minutes, should a value wrongly pass.
SMALL_CPU_RUN = ["trainer=cpu", *SMALL]

# <script>: {setting: (out of range, nonsense)}, or None where only a wrong type is a mistake;
# {bad} is a folder holding a regular file.
SCRIPTS = {
    "scripts/generate.py": {
        "ckpt_path": ("{bad}", "zzz.ckpt"),  # out of range: a folder
        "prompt": ("'☃☃'", "''"),  # characters the model never saw; nothing to continue
        "length": (0, "zzz"),
        "temperature": (-1, "zzz"),
        "top_k": (-1, "zzz"),
        "num_samples": (0, "zzz"),
        "seed": (2**64, "zzz"),  # out of range: more than 64 bits
        "device": ("cuda:99", "zzz"),  # out of range: a GPU this machine lacks
    },
    "scripts/chat.py": {
        "ckpt_path": ("{bad}", "zzz.ckpt"),
        "text": None,  # any text is a sentence to reply to: only a wrong type is a mistake
        "input_file": ("{bad}", "zzz.txt"),
        "beam_size": (0, "zzz"),
        "device": ("cuda:99", "zzz"),  # out of range: a GPU this machine lacks
    },
    "scripts/fill_blank.py": {
        "ckpt_path": ("{bad}", "zzz.ckpt"),
        "text": ("'a ___ b ___'", "zzz"),  # two blanks; none
        "top": (0, "zzz"),
        "device": ("cuda:99", "zzz"),
    },
    "scripts/inspect.py": {
        "ckpt_path": ("{bad}", "zzz.ckpt"),
        "text": ("'☃'", "''"),
        "input_file": ("{bad}", "zzz.txt"),
        "split": ("validation", "zzz"),
        "chars": (1, "zzz"),
        "output_dir": ("{bad}/file/out", "{bad}/file"),
        "min_correlation": (1.5, "zzz"),
        "device": ("cuda:99", "zzz"),  # out of range: a GPU this machine lacks
    },
}


# What a script needs besides its checkpoint, so that only the fuzzed setting is wrong. The
# checkpoint is a character model's: every mistake here is found before a checkpoint is read.
REQUIRED = {"scripts/chat.py": {"text": "hi"}, "scripts/fill_blank.py": {"text": "a ___ b"}}


def composed_keys(config: str) -> set[str]:
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=config)
    return set(cfg)


def test_every_trainer_setting_is_fuzzed(tmp_path: Path):
    assert set(compose_train(tmp_path).trainer) - NOT_FUZZED == set(TRAINER)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_setting_is_fuzzed(script: str):
    assert composed_keys(Path(script).stem) == set(SCRIPTS[script])


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "file").write_text("not a folder")
    return folder


def assert_one_line_naming(result, setting: str, value: str) -> None:
    """Exit status 1 and no traceback; the last line is the error, naming the setting or (a path
    that does not work) the value."""
    assert result.returncode == 1, result.stdout[-1000:] + result.stderr[-1000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), result.stderr[-2000:]
    assert setting in last or value in last, last


def trainer_cases():
    for key, (out_of_range, nonsense) in TRAINER.items():
        for kind, value in (("type", WRONG_TYPE), ("range", out_of_range), ("text", nonsense)):
            yield pytest.param(key, value, id=f"{key}-{kind}")


@pytest.mark.slow
@pytest.mark.parametrize(("key", "value"), trainer_cases())
def test_a_bad_trainer_setting_is_one_line_before_any_run_directory(
    key: str, value, tmp_path: Path, data_dir: Path
):
    result = run_command(
        "train.py", *SMALL_CPU_RUN, f"paths.root_dir={tmp_path}", f"paths.data_dir={data_dir}",
        f"trainer.{key}={value}",  # last: it replaces SMALL_CPU_RUN's value of the same key
    )  # fmt: skip
    # Lightning's own complaints name the setting as it does: Trainer(devices=0), `strategy=...`.
    assert_one_line_naming(result, key, str(value))
    assert not (tmp_path / "logs").exists(), "a refused setting let Hydra write logs/"


def script_cases():
    for script, settings in SCRIPTS.items():
        for key, values in settings.items():
            kinds = {"type": WRONG_TYPE}
            if values is not None:
                kinds |= {"range": values[0], "text": values[1]}
            for kind, value in kinds.items():
                yield pytest.param(script, key, value, id=f"{Path(script).stem}-{key}-{kind}")


@pytest.mark.slow
@pytest.mark.parametrize(("script", "key", "value"), script_cases())
def test_a_bad_script_setting_is_one_line_and_writes_nothing(
    script: str, key: str, value, trained_run, bad: Path, tmp_path: Path
):
    checkpoint = trained_run[1] / "checkpoints" / "last.ckpt"
    value = str(value).replace("{bad}", str(bad))
    given = {"ckpt_path": str(checkpoint), "device": "cpu", **REQUIRED.get(script, {}), key: value}
    if script.endswith("inspect.py"):
        given.setdefault("output_dir", str(tmp_path / "page"))
    result = run_command(script, *(f"{name}={setting}" for name, setting in given.items()))
    assert_one_line_naming(result, key, value)
    assert not (tmp_path / "page").exists()
