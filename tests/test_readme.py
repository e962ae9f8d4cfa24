"""Every command in the user documents works as written: README.md, CONTRIBUTING.md, docs/*.md and
benchmarks/README.md, in code blocks (continuation lines joined) and in inline code.

- `python train.py ...`, `python scripts/<entry>.py ...`, `torchrun ... train.py ...` and the
  installed `rnnlab-<entry> ...` compose as Hydra composes them for a run: a renamed option, a
  missing config or a typo in an override fails here rather than on a reader's machine;
- `make <target>` names a target of the Makefile, and `make train ARGS="..."` /
  `make bench ARGS="..."` pass arguments their command accepts;
- `python scripts/benchmark.py ...` and `python scripts/compare_runs.py ...` parse with the
  script's own argument parser (nothing is run), and any other `python <file>.py` names a file
  that exists.

Placeholders such as <path to .ckpt> stand for any value; a placeholder given to a config group
(`model=<cell>`) stands for any of its options, one alone (`<overrides>`) for any overrides.
Each failing command names its document."""

from __future__ import annotations

import itertools
import re
import shlex
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from rnnlab.config.compose import CONFIG_DIR

# The user documents; each is expected to exist (the docs/ layout is fixed).
PAGES = [
    "README.md",
    "CONTRIBUTING.md",
    "benchmarks/README.md",
    "docs/configuration.md",
    "docs/char_lm.md",
    "docs/reliability.md",
    "docs/gpus.md",
    "docs/seq2seq.md",
    "docs/cloze_and_forecast.md",
    "docs/experiments.md",
    "docs/inspect.md",
]
# ... and any other page under docs/.
DOCUMENTS = sorted(
    {p for p in PAGES if (REPO / p).is_file()}
    | {str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md")}
)

# Each Hydra entry and its primary config.
ENTRIES = {
    "train": "train",
    "generate": "generate",
    "chat": "chat",
    "fill_blank": "fill_blank",
    "fill-blank": "fill_blank",
    "inspect": "inspect",
}
_ENTRY_NAMES = "train|generate|chat|fill_blank|inspect"
ENTRY_PATTERN = re.compile(
    rf"\bpython3?\s+(?:scripts/)?(?P<script>{_ENTRY_NAMES})\.py\b"
    rf"|\btorchrun\b[^|;&]*?\s(?:scripts/)?(?P<torchrun>{_ENTRY_NAMES})\.py\b"
    # an installed command, where a command starts (not a mention in a config or a path)
    r"|(?:^|[|&;])\s*(?:[A-Z_]+=\S*\s+)*(?:\S*/)?rnnlab-"
    r"(?P<installed>train|generate|chat|fill-blank|inspect)(?=\s|$)"
)
# Any other Python file run as a script.
SCRIPT_PATTERN = re.compile(r"\bpython3?\s+(?P<path>[\w./-]+\.py)\b")
# `make` at the start of a command.
MAKE_PATTERN = re.compile(r"(?:^|&&|;|\|\|)\s*(?:\$\s+)?make(?=\s|$)")
# Where a command ends and the shell takes over.
SHELL_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>&1"}
PLACEHOLDER = "placeholder"


@dataclass(frozen=True)
class Command:
    document: str
    kind: str  # "hydra", "make", "script"
    name: str  # the Hydra config, the make target(s), or the script's path
    args: str  # the arguments, shell-quoted

    def __str__(self) -> str:
        return f"{self.document}: {self.kind} {self.name} {self.args}".rstrip()


def code_lines(text: str) -> list[str]:
    """The lines of the code blocks (continuation lines joined), then each inline code span
    as one line."""
    blocks = [m.group(2) for m in re.finditer(r"(```|~~~)[\w+-]*[^\n]*\n(.*?)\1", text, re.S)]
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    prose = re.sub(r"(```|~~~).*?\1", "", text, flags=re.S)
    inline = re.findall(r"(?<!`)`([^`]+)`(?!`)", prose)
    # A span never crosses a paragraph: a stray backtick pairs with nothing.
    return lines + [" ".join(span.split()) for span in inline if "\n\n" not in span]


def words_of(rest: str) -> list[str]:
    """The shell words of a command's arguments, placeholders replaced, up to a shell operator."""
    words = shlex.split(re.sub(r"<[^<>]*>", PLACEHOLDER, rest), comments=True)
    ends = [i for i, w in enumerate(words) if w in SHELL_OPERATORS or re.match(r"\d?>", w)]
    return words[: ends[0]] if ends else words


def commands_in(document: str, text: str) -> list[Command]:
    found: list[Command] = []
    for line in code_lines(text):
        line = re.sub(r"^\s*\$\s+", "", line)
        for entry in ENTRY_PATTERN.finditer(line):
            name = ENTRIES[entry.group(entry.lastgroup)]
            rest = line[entry.end() :].split("&&")[0]
            words = words_of(rest)
            # "python train.py ..." names the entry, not a command.
            if not (words and words[0].startswith("...")):
                found.append(Command(document, "hydra", name, shlex.join(words)))
        for script in SCRIPT_PATTERN.finditer(line):
            path = script.group("path")
            if re.fullmatch(rf"(?:scripts/)?(?:{_ENTRY_NAMES})\.py", path):
                continue  # composed above
            words = words_of(line[script.end() :].split("&&")[0])
            found.append(Command(document, "script", path, shlex.join(words)))
        for make in MAKE_PATTERN.finditer(line):
            words = words_of(line[make.end() :].split("&&")[0])
            targets = [w for w in words if "=" not in w and not w.startswith("-")]
            variables = [w for w in words if "=" in w]
            found.append(Command(document, "make", " ".join(targets), shlex.join(variables)))
    return list(dict.fromkeys(found))


def all_commands() -> list[Command]:
    return [c for d in DOCUMENTS for c in commands_in(d, (REPO / d).read_text(encoding="utf-8"))]


COMMANDS = all_commands()


@contextmanager
def reported(command: Command, capsys):
    """A command's failure, named with its document; argparse's exit 0 (--help) is no failure."""
    try:
        yield
    except SystemExit as exit:
        if exit.code:
            pytest.fail(f"{command}\n  exit {exit.code}: {capsys.readouterr().err.strip()}")
    except Exception as err:
        pytest.fail(f"{command}\n  {type(err).__name__}: {err}")


def cases(kind: str) -> list:
    return [pytest.param(c, id=str(c)) for c in COMMANDS if c.kind == kind]


# ---- Hydra entries ------------------------------------------------------------------------------
HYDRA_FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-name", "-cn"}
HYDRA_FLAGS = {"--resolve", "--help", "-h", "--hydra-help", "--info", "-i"}


def hydra_overrides(config: str, words: list[str]) -> tuple[str, list[str]]:
    """(the primary config, the overrides) of an entry's arguments: Hydra's own flags are read
    or set aside; a placeholder alone stands for any overrides, and a placeholder given to a
    config group for any of its options."""
    overrides: list[str] = []
    words = list(words)
    while words:
        word = words.pop(0)
        if word in HYDRA_FLAGS_WITH_VALUE:
            value = words.pop(0)
            if word in ("--cfg", "-c"):
                assert value in ("job", "hydra", "all"), f"--cfg takes job, hydra or all: {value}"
            if word in ("--config-name", "-cn"):
                config = value
        elif word == PLACEHOLDER:
            continue  # `python train.py <overrides>`: any overrides
        elif word not in HYDRA_FLAGS:
            key, _, value = word.partition("=")
            group = key.lstrip("+~").split("@")[0]
            if value == PLACEHOLDER and (CONFIG_DIR / group).is_dir():
                continue
            overrides.append(word)
    return config, overrides


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


def check_composes(config: str, words: list[str], output_dir: Path) -> None:
    config, overrides = hydra_overrides(config, words)
    for run in single_runs(overrides):
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name=config, overrides=run, return_hydra_config=True)
        # Its model, data and trainer resolve: their interpolations point at keys that exist.
        if config == "train":
            cfg.paths.output_dir = str(output_dir)  # set by Hydra at run time
            for group in ("model", "data", "trainer"):
                assert OmegaConf.to_container(cfg[group], resolve=True)


@pytest.mark.parametrize("command", cases("hydra"))
def test_every_entry_command_composes(command: Command, tmp_path, capsys):
    with reported(command, capsys):
        check_composes(command.name, shlex.split(command.args), tmp_path)


# ---- scripts with their own argument parsers ----------------------------------------------------
class _Parsed(Exception):
    """Raised in place of the work a command would do, once its arguments have parsed."""


def check_benchmark_arguments(words: list[str], output_dir: Path) -> None:
    from benchmarks.run import parse_args

    args = parse_args(words)
    # Its Hydra overrides compose too: --override for the char-LM config, --seq2seq-override for
    # the seq2seq section's (experiment=number_words).
    if args.override:
        check_composes("train", args.override, output_dir)
    if args.seq2seq_override:
        check_composes("train", ["experiment=number_words", *args.seq2seq_override], output_dir)


def check_compare_runs_arguments(words: list[str], monkeypatch) -> None:
    from rnnlab.experiments import compare

    def parsed(*args, **kwargs):
        raise _Parsed

    monkeypatch.setattr(compare, "compare_runs", parsed)
    with pytest.raises(_Parsed):
        compare.main(words)


@pytest.mark.parametrize("command", cases("script"))
def test_every_script_command_parses(command: Command, tmp_path, monkeypatch, capsys):
    words = shlex.split(command.args)
    with reported(command, capsys):
        if command.name == "scripts/benchmark.py":
            check_benchmark_arguments(words, tmp_path)
        elif command.name == "scripts/compare_runs.py":
            check_compare_runs_arguments(words, monkeypatch)
        else:
            assert PLACEHOLDER in command.name or (REPO / command.name).is_file(), (
                f"no file {command.name}"
            )


# ---- make ---------------------------------------------------------------------------------------
MAKEFILE_TARGETS = set(
    re.findall(r"^([A-Za-z][\w-]*):(?!=)", (REPO / "Makefile").read_text(), flags=re.M)
)


@pytest.mark.parametrize("command", cases("make"))
def test_every_make_command_names_a_target(command: Command, tmp_path, capsys):
    unknown = [t for t in command.name.split() if t not in MAKEFILE_TARGETS]
    assert not unknown, f"{command}\n  not a target of the Makefile: {unknown}"
    variables = dict(word.split("=", 1) for word in shlex.split(command.args))
    args = shlex.split(variables.get("ARGS", ""))
    with reported(command, capsys):
        if "train" in command.name.split():
            check_composes("train", args, tmp_path)  # make train runs `train.py $(ARGS)`
        if "bench" in command.name.split():
            check_benchmark_arguments(args, tmp_path)  # `scripts/benchmark.py $(ARGS)`
        if "test" in command.name.split():  # `pytest $(ARGS)`: the tests it names exist
            paths = [w.split("::")[0] for w in args if not w.startswith("-") and "/" in w]
            assert all((REPO / p).exists() for p in paths), f"no such test file among {paths}"


# ---- the commands are found ---------------------------------------------------------------------
# What marks a command in a document, wherever it is written: the test must find one there.
MENTION = re.compile(
    rf"\b(?:{_ENTRY_NAMES}|benchmark|compare_runs)\.py\b|\bmake [a-z]|\brnnlab-[a-z]"
)


def test_every_document_exists_and_its_commands_are_found():
    missing = [page for page in PAGES if not (REPO / page).is_file()]
    assert not missing, f"documents missing: {missing}"
    for document in DOCUMENTS:
        text = (REPO / document).read_text(encoding="utf-8")
        if MENTION.search(text):
            assert any(c.document == document for c in COMMANDS), (
                f"{document} mentions commands ({MENTION.search(text).group()!r}), "
                "but none is found in its code"
            )


def test_the_main_commands_are_found():
    found = {
        config: {c.args for c in COMMANDS if c.kind == "hydra" and c.name == config}
        for config in set(ENTRIES.values())
    }
    assert "model=gru trainer=gpu" in found["train"] and "-m model=rnn,lstm,gru" in found["train"]
    assert (
        "ckpt_path=placeholder 'prompt=The quick br' length=400 temperature=0.8"
        in found["generate"]
    )
    assert all(found.values()) and len(found["train"]) > 30
    readme = {c.name for c in COMMANDS if c.document == "README.md" and c.kind == "make"}
    assert {"train", "test"} <= readme
    scripts = {c.name for c in COMMANDS if c.kind == "script"}
    assert {"scripts/benchmark.py", "scripts/compare_runs.py"} <= scripts
