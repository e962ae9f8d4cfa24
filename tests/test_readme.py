"""Every `python train.py ...` and `python scripts/<entry>.py ...` command in the README composes
as Hydra composes it for a run: a renamed option, a missing config or a typo in an override fails
here rather than on a reader's machine. Placeholders such as <path to .ckpt> stand for any value."""

import itertools
import re
import shlex

import pytest
from conftest import REPO
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from rnnlab.cli import CONFIG_DIR

# Each Hydra entry and its primary config.
ENTRIES = {
    "train.py": "train",
    "generate.py": "generate",
    "chat.py": "chat",
    "fill_blank.py": "fill_blank",
    "inspect.py": "inspect",
}
ENTRY_PATTERN = r"python (?:scripts/)?(train|generate|chat|fill_blank|inspect)\.py\b"


def readme_commands() -> list[tuple[str, str]]:
    """(config, overrides) of each command, from code blocks (continuation lines joined)
    and inline code."""
    text = (REPO / "README.md").read_text()
    lines = (
        "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S))
        .replace("\\\n", " ")
        .splitlines()
    )
    lines += re.findall(r"`(python [^`]*)`", text)
    commands = set()
    for line in lines:
        entry = re.search(ENTRY_PATTERN, line)
        if entry is None:
            continue
        words = shlex.split(re.sub(r"<[^>]*>", "placeholder", line[entry.end() :]), comments=True)
        # "python train.py ..." names the entry, not a command.
        if not words or not words[0].startswith("..."):
            commands.add((ENTRIES[f"{entry.group(1)}.py"], shlex.join(words)))
    return sorted(commands)


def single_runs(overrides: list[str]) -> list[list[str]]:
    """A multirun's overrides as its single runs (every combination of the swept values)."""
    multirun = bool({"-m", "--multirun"} & set(overrides))
    overrides = [word for word in overrides if word not in ("-m", "--multirun")]
    parsed = OverridesParser.create().parse_overrides(overrides)
    # Without -m, Hydra refuses a value that reads as a sweep (an unquoted comma):
    # the shell's quotes are gone.
    assert multirun or not any(o.is_sweep_override() for o in parsed), (
        "a comma needs Hydra's quotes: key=\"'a, b'\""
    )
    choices = [
        [f"{o.get_key_element()}={value}" for value in o.sweep_string_iterator()]
        if o.is_sweep_override()
        else [text]
        for o, text in zip(parsed, overrides, strict=True)
    ]
    return [list(run) for run in itertools.product(*choices)]


COMMANDS = readme_commands()


def test_the_readme_commands_are_found():
    found = {config: [o for c, o in COMMANDS if c == config] for config in ENTRIES.values()}
    assert "model=gru trainer=gpu" in found["train"] and "-m model=rnn,lstm,gru" in found["train"]
    assert (
        "ckpt_path=placeholder 'prompt=The quick br' length=400 temperature=0.8"
        in found["generate"]
    )
    assert all(found.values()) and len(found["train"]) > 30


@pytest.mark.parametrize("config, command", COMMANDS)
def test_every_readme_command_composes(config: str, command: str, tmp_path):
    for overrides in single_runs(shlex.split(command)):
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name=config, overrides=overrides, return_hydra_config=True)
        # Its model, data and trainer resolve: their interpolations point at keys that exist.
        if config == "train":
            cfg.paths.output_dir = str(tmp_path)  # set by Hydra at run time
            for group in ("model", "data", "trainer"):
                assert OmegaConf.to_container(cfg[group], resolve=True)
