"""Bad input through the real commands: exit status 1, one clear line naming the value and the fix,
no traceback, and no half-written run or cache left behind.

Each case runs the command's own entry point in this process (`run_command`: the same parsing,
checks and messages); `test_a_process_ends_with_status_1_and_one_line` runs one case of each
command as a process of its own, for what only a process shows."""

import bz2
import gzip
import sys
from pathlib import Path

import pytest
from conftest import run_cli, run_command

from rnnlab.data.text.sources import default_dump


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    """A folder of files a user might point the commands at by mistake."""
    folder = tmp_path_factory.mktemp("bad")
    (folder / "empty.txt").write_text("")
    (folder / "page.xml").write_text("<html><body><p>Not a wiki dump.</p></body></html>")
    dump = default_dump().read_bytes()
    (folder / "truncated.xml.bz2").write_bytes(dump[: len(dump) // 2])
    (folder / "latin1.txt").write_bytes(("Ein schönes Café. " * 200).encode("latin-1"))
    (folder / "latin1.txt.gz").write_bytes(gzip.compress((folder / "latin1.txt").read_bytes()))
    (folder / "notes.ckpt").write_text("these are notes, not weights")
    # Holds the default sample prompt's characters.
    (folder / "tiny.txt").write_text("The quick brown fox. " * 30)
    return folder


# (command, arguments, what stderr must say); {bad} is the folder above,
# {ckpt} a character-model checkpoint.
CASES = {
    "unknown model": ("train.py", ["model=transformer"], "Could not find 'model/transformer'"),
    "unknown option": (
        "train.py",
        ["model.hiden_size=64"],
        "Could not override 'model.hiden_size'",
    ),
    "zero size": (
        "train.py",
        ["model.hidden_size=0"],
        "model.hidden_size=0 must be a whole number at least 1.",
    ),
    "negative batch": (
        "train.py",
        ["data.batch_size=-8"],
        "data.batch_size=-8 must be a whole number at least 1.",
    ),
    "dropout": (
        "train.py",
        ["model.dropout=1.5"],
        "model.dropout=1.5 must be a finite number at least 0 and less than 1.",
    ),
    "window beyond corpus": (
        "train.py",
        ["data.max_chars=60000", "data.seq_len=100000"],
        "fewer than one batch needs",
    ),
    "batch beyond corpus": (
        "train.py",
        ["data.path={bad}/tiny.txt", "data.batch_size=64"],
        "fewer than one batch",
    ),
    "missing data path": (
        "train.py",
        ["data.path={bad}/nowhere.xml"],
        "does not exist; set data.path",
    ),
    "empty file": ("train.py", ["data.path={bad}/empty.txt"], "is empty"),
    "not a dump": ("train.py", ["data.path={bad}/page.xml"], "not a MediaWiki"),
    "truncated bz2": ("train.py", ["data.path={bad}/truncated.xml.bz2"], "truncated"),
    "not utf-8": ("train.py", ["data.path={bad}/latin1.txt"], "UTF-8"),
    "compressed not utf-8": (
        "train.py",
        ["data.path={bad}/latin1.txt.gz"],
        "(byte 7 of its decompressed content is not valid UTF-8); re-save it as UTF-8",
    ),
    "data path is a directory": (
        "train.py",
        ["data.path={bad}"],
        "is a directory, not a file; set data.path to an existing dump or text file.",
    ),
    "pairs path is a directory": (
        "train.py",
        ["model=seq2seq", "data.path={bad}"],
        "is a directory, not a file; set data.path to a file of source'\\t'target lines.",
    ),
    "hub without network or cache": (
        "train.py",
        ["data.hub=no-such-owner/no-such-text"],
        "data.hub=no-such-owner/no-such-text needs the network or a copy in the Hugging Face",
    ),
    "gpu without one": (
        "train.py",
        ["trainer=gpu"],
        "needs a CUDA GPU and this machine has none; use trainer=cpu.",
    ),
    "matmul precision": (
        "train.py",
        ["matmul_precision=fast"],
        "matmul_precision='fast' must be one of highest, high, medium.",
    ),
    "more devices": (
        "train.py",
        ["trainer=cpu", "trainer.devices=4096"],
        "trainer.devices=4096 asks for more CPU",
    ),
    "unwritable output": (
        "train.py",
        ["paths.root_dir={bad}/notes.ckpt/runs"],
        "set paths.root_dir to a writable",
    ),
    "bad resume": ("train.py", ["resume=yes"], "resume='yes' must be one of auto, false or null."),
    "bad sample prompt": (
        "train.py",
        ["data.max_chars=60000", "sample.char_lm.prompt='日本'"],
        "sample.char_lm does not",
    ),
    "schedule without steps": (
        "train.py",
        ["trainer.max_steps=-1"],
        "model.scheduler.T_max=-1 (from trainer.max_steps)",
    ),
    "missing checkpoint": ("scripts/generate.py", ["ckpt_path={bad}/gone.ckpt"], "does not exist"),
    "not a checkpoint": (
        "scripts/generate.py",
        ["ckpt_path={bad}/notes.ckpt"],
        "is not a checkpoint this project",
    ),
    "checkpoint of another task": (
        "scripts/chat.py",
        ["ckpt_path={ckpt}", "text=hi"],
        "is not a seq2seq checkpoint",
    ),
    "zero length": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "length=0"],
        "length=0 must be a whole number at least 1 and at most 100000.",
    ),
    "negative temperature": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "temperature=-1"],
        "temperature=-1",
    ),
    "negative top-k": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "top_k=-2"],
        "top_k=-2 must be a whole number at least 0.",
    ),
    "empty prompt": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "prompt=''"],
        "The prompt is empty",
    ),
    "unknown characters": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "prompt='日本'"],
        "never saw in training ('日', '本')",
    ),
    "no samples": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "num_samples=0"],
        "num_samples=0 must be a whole number at least 1 and at most 1024.",
    ),
    "zero beam": (
        "scripts/chat.py",
        ["ckpt_path={ckpt}", "text=hi", "beam_size=0"],
        "beam_size=0 must be a whole number at least 1 or null.",
    ),
    "steps not a number": (
        "train.py",
        ["trainer.max_steps=abc"],
        "trainer.max_steps='abc' must be a whole number at least -1.",
    ),
    "seed not a number": ("train.py", ["seed=abc"], "seed='abc' must be a whole number."),
    "negative learning rate": (
        "train.py",
        ["model.optimizer.lr=-1"],
        "model.optimizer.lr=-1 must be a finite number more than 0.",
    ),
    "sample temperature nan": (
        "train.py",
        ["sample.char_lm.temperature=nan"],
        "sample.char_lm.temperature=nan must be a finite number at least 0.",
    ),
    "zero encoder length": (
        "train.py",
        ["model=seq2seq", "data.encoder_length=0"],
        "data.encoder_length=0 must be a whole number at least 1 or null.",
    ),
    "corpus too small": (
        "train.py",
        ["data.max_chars=5"],
        "fewer than one batch needs",
    ),
    "checkpoint directory": (
        "scripts/generate.py",
        ["ckpt_path={bad}"],
        "is a directory; give the path of a .ckpt file",
    ),
    "generate temperature nan": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "temperature=nan"],
        "temperature=nan must be a finite number at least 0.",
    ),
    "generate length beyond the limit": (
        "scripts/generate.py",
        ["ckpt_path={ckpt}", "length=10000000"],
        "length=10000000 must be a whole number at least 1 and at most 100000.",
    ),
    "zero decoder length": (
        "train.py",
        ["model=seq2seq", "data.decoder_length=0"],
        "data.decoder_length=0 must be a whole number at least 1 or null.",
    ),
    "unknown tokenizer": (
        "train.py",
        ["model=seq2seq", "data.tokenizer=sentencepiece"],
        "data.tokenizer='sentencepiece' must be one of bpe, char, word.",
    ),
    "vocabulary without room for the special tokens": (
        "train.py",
        ["model=seq2seq", "data.vocab_size=4"],
        "data.vocab_size=4 must be a whole number at least 5 or null.",
    ),
    "vocabulary too small for the text": (
        "train.py",
        ["model=seq2seq", "data=number_translation", "data.count=300", "data.vocab_size=12"],
        "data.vocab_size=12 cannot hold the 4 special tokens and the",
    ),
    "vocabulary larger than the text yields": (
        "train.py",
        ["model=seq2seq", "data=number_translation", "data.count=300", "data.vocab_size=5000"],
        "data.vocab_size=5000 is more than the",
    ),
    "numbers in an unknown language": (
        "train.py",
        ["model=seq2seq", "data=number_translation", "data.number_target=klingon"],
        "data.number_target='klingon' is not a way to write numbers",
    ),
    "chat given text and a file": (
        "scripts/chat.py",
        ["ckpt_path={ckpt}", "text=hi", "input_file={bad}/tiny.txt"],
        'Give one of text="..." or input_file=',
    ),
    "checkpoint without its vocabulary": (
        "scripts/generate.py",
        ["ckpt_path={damaged}/no-vocab.ckpt"],
        "lacks the hyperparameters vocab that a char_lm model needs",
    ),
    "checkpoint without weights": (
        "scripts/generate.py",
        ["ckpt_path={damaged}/no-weights.ckpt"],
        "holds no weights (state_dict)",
    ),
    "a trainer setting only Lightning refuses": (
        "train.py",
        ["trainer.devices=0"],
        "Lightning refuses trainer.devices=0: `Trainer(devices=0)` value is not a valid input",
    ),
    "unknown optimized metric": (
        "train.py",
        ["optimized_metric=val/nonexistent"],
        "optimized_metric='val/nonexistent' is not a metric the char_lm model logs; choose one "
        "of val/loss, val/bpc, val/ppl, test/loss, test/bpc, test/ppl.",
    ),
    "unknown monitored metric": (
        "train.py",
        ["model=seq2seq", "callbacks.model_checkpoint.monitor=val/bpc"],
        "callbacks.model_checkpoint.monitor='val/bpc' is not a metric the seq2seq model logs",
    ),
    "data folder under a file": (
        "train.py",
        ["paths.data_dir={bad}/notes.ckpt/data"],
        "Cannot write the prepared-data folder {bad}/notes.ckpt/data: {bad}/notes.ckpt is a file, "
        "not a folder; set paths.data_dir to a writable place.",
    ),
    "study under a file": (
        "train.py",
        ["hparams_search=char_lm_optuna", "hydra.sweeper.storage=sqlite:///{bad}/notes.ckpt/s.db"],
        "is a file, not a folder; set hydra.sweeper.storage to a writable place.",
    ),
    "missing checkpoint setting": (
        "scripts/generate.py",
        [],
        "ckpt_path has no value; give it on the command line: ckpt_path=...",
    ),
}

# Settings refused by their declarations before Hydra writes anything, not even logs/.
BEFORE_ANY_DIRECTORY = {
    "zero size",
    "negative batch",
    "dropout",
    "gpu without one",
    "matmul precision",
    "more devices",
    "bad resume",
    "schedule without steps",
    "steps not a number",
    "seed not a number",
    "negative learning rate",
    "sample temperature nan",
    "zero encoder length",
    "zero decoder length",
    "unknown tokenizer",
    "vocabulary without room for the special tokens",
    "a trainer setting only Lightning refuses",
    "unknown optimized metric",
    "unknown monitored metric",
    "data folder under a file",
    "study under a file",
}


@pytest.fixture(scope="module")
def damaged(trained_run, tmp_path_factory) -> Path:
    """Copies of a real checkpoint with a part taken out."""
    import torch

    folder = tmp_path_factory.mktemp("damaged")
    _, run_dir = trained_run
    for name, drop in (
        ("no-vocab", ("hyper_parameters", "vocab")),
        ("no-weights", ("state_dict",)),
    ):
        checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
        *parents, key = drop
        node = checkpoint
        for parent in parents:
            node = node[parent]
        del node[key]
        torch.save(checkpoint, folder / f"{name}.ckpt")
    return folder


def run_case(run, case: str, values: dict[str, Path], data_dir: Path, tmp_path: Path):
    """Run `case` of CASES with `run` (run_command or run_cli), writing under `tmp_path`."""
    command, arguments, _ = CASES[case]
    arguments = [a.format(**values) for a in arguments]
    if command == "train.py":
        own_root = any(a.startswith("paths.root_dir=") for a in arguments)
        data = tmp_path / "data" if any(a.startswith("data.path=") for a in arguments) else data_dir
        arguments = [
            *([] if own_root else [f"paths.root_dir={tmp_path}"]),
            f"paths.data_dir={data}",
            *arguments,
        ]
    return run(command, *arguments)


def assert_refused(case: str, result, tmp_path: Path, values: dict[str, Path]) -> None:
    """Exit status 1, the case's message, no traceback, and nothing half-written."""
    message = CASES[case][2].format(**values)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert message in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "weights_only=False" not in result.stderr  # never advise loading a file unsafely
    if case in BEFORE_ANY_DIRECTORY:
        assert not (tmp_path / "logs").exists(), "a refused setting let Hydra write logs/"
    # Nothing half-written: no run directory for a run that never started, no partial corpus cache.
    assert not list(tmp_path.glob("logs/*/runs/*")), "a failed run left its directory"
    assert not list(tmp_path.glob("data/**/.*.tmp")), (
        "a failed preparation left a staging directory"
    )


@pytest.fixture
def values(bad: Path, damaged: Path, trained_run) -> dict[str, Path]:
    """What the {placeholders} of CASES stand for."""
    ckpt = trained_run[1] / "checkpoints" / "last.ckpt"
    return {"bad": bad, "damaged": damaged, "ckpt": ckpt}


# Mistakes that Hydra itself reports. Under a tracer (coverage's, a debugger's) Hydra raises them
# with their traceback instead (hydra._internal.utils.run_and_report), so `make coverage` skips
# them here; `make test` and the process cases check them.
HYDRA_REPORTS = {"unknown model", "unknown option"}


def skip_hydra_reports_under_a_tracer(case: str) -> None:
    if case in HYDRA_REPORTS and sys.gettrace() is not None:
        pytest.skip("Hydra raises its own errors under a tracer; make test checks this case")


@pytest.mark.parametrize("case", CASES)
def test_bad_input_ends_in_one_clear_line(
    case: str, values: dict[str, Path], data_dir: Path, tmp_path: Path
):
    skip_hydra_reports_under_a_tracer(case)
    result = run_case(run_command, case, values, data_dir, tmp_path)
    assert_refused(case, result, tmp_path, values)


# One case of each command and of each way a command fails: refused by the settings check
# before Hydra writes anything, refused by the data after the run directory was made,
# a script's checkpoint refused.
IN_A_PROCESS = [
    "unknown option",
    "zero size",
    "missing data path",
    "missing checkpoint",
    "checkpoint of another task",
]


@pytest.mark.slow
@pytest.mark.parametrize("case", IN_A_PROCESS)
def test_a_process_ends_with_status_1_and_one_line(
    case: str, values: dict[str, Path], data_dir: Path, tmp_path: Path
):
    skip_hydra_reports_under_a_tracer(case)  # coverage follows the command into its process
    result = run_case(run_cli, case, values, data_dir, tmp_path)
    assert_refused(case, result, tmp_path, values)
    if case not in HYDRA_REPORTS:  # Hydra's own report lists the options on lines of its own
        # It ends in the one line (Lightning may note the seed before it).
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and CASES[case][2].format(**values) in last


def test_a_comparison_folder_under_a_file_is_refused_before_anything_is_read(
    bad: Path, trained_run, capsys
):
    from rnnlab.experiments.compare import main

    with pytest.raises(SystemExit) as stopped:
        main([str(trained_run[1]), "--out", f"{bad}/notes.ckpt/comparison"])
    assert stopped.value.code == 1
    assert capsys.readouterr().err == (
        f"error: Cannot write the comparison's folder {bad}/notes.ckpt/comparison: "
        f"{bad}/notes.ckpt is a file, not a folder; set --out to a writable place.\n"
    )


def test_the_truncated_dump_is_really_truncated(bad: Path):
    with pytest.raises((EOFError, ValueError)):
        bz2.decompress((bad / "truncated.xml.bz2").read_bytes())


def test_a_nearly_full_disk_is_refused_before_the_run_starts(tmp_path: Path, monkeypatch):
    from collections import namedtuple

    from rnnlab.core.errors import UserError, check_writable

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(
        "shutil.disk_usage", lambda path: usage(10 * 2**30, 10 * 2**30 - 2**20, 2**20)
    )
    with pytest.raises(UserError, match="has 1 MB free, fewer than the 200 MB a run needs"):
        check_writable(tmp_path / "logs")


def test_a_folder_that_cannot_be_written_is_named_and_nothing_is_created(
    tmp_path: Path, monkeypatch
):
    """As root every folder is writable, so the refusal the operating system gives a user is
    played here: the temporary file the check tries cannot be made."""
    from rnnlab.core.errors import UserError, check_writable

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.TemporaryFile", refused)
    with pytest.raises(UserError) as raised:
        check_writable(tmp_path / "data" / "char", "paths.data_dir", "the prepared-data folder")
    assert str(raised.value) == (
        f"Cannot write the prepared-data folder {tmp_path}/data/char (Permission denied in "
        f"{tmp_path}); set paths.data_dir to a writable place."
    )
    assert not (tmp_path / "data").exists()


class Payload:
    """Pickles into a call of os.system: what a malicious checkpoint would carry."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


@pytest.mark.slow
def test_a_checkpoint_carrying_code_is_refused_and_the_code_never_runs(tmp_path: Path):
    import torch

    marker = tmp_path / "payload-ran"
    crafted = tmp_path / "crafted.ckpt"
    torch.save(
        {"state_dict": {}, "hyper_parameters": {"task": "char_lm"}, "extra": Payload(marker)},
        crafted,
    )
    result = run_cli("scripts/generate.py", f"ckpt_path={crafted}")
    assert (
        result.returncode == 1
        and "is not a checkpoint this project can load safely" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not marker.exists()
