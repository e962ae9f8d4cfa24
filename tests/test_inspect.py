"""What a network learned, on one page (rnnlab.inspect, scripts/inspect.py, the InspectImages
callback, the rnn_vs_lstm sweep's pages): the cell finder on a network wired by hand, the gates
recomputed against torch's own kernels, the page of a trained checkpoint in a real browser, and
every user mistake in one line."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from browser import find_browser, screenshot
from conftest import FEW_STEPS, REPO, compose_train, run_command
from omegaconf import OmegaConf
from PIL import Image
from test_dashboard import read_events

from rnnlab.commands.train import train
from rnnlab.core.errors import UserError
from rnnlab.data.text.vocab import UNKNOWN, CharVocab
from rnnlab.experiments.sweeps import STATUS_FILE, SweepReport
from rnnlab.inspect import inspect_checkpoint
from rnnlab.inspect.activations import run_text
from rnnlab.inspect.analysis import gate_saturation, inspect_text
from rnnlab.inspect.properties import (
    correlations,
    inside_brackets,
    inside_number,
    inside_quotes,
    left_out,
    position_in_line,
    position_in_word,
    required_correlation,
    start_of_sentence,
)
from rnnlab.inspect.report import write_inspection
from rnnlab.nets.char_lm import RecurrentLM
from rnnlab.nets.checkpoints import load_task_model
from rnnlab.tasks.char_lm import CharLanguageModel

# ---- text properties ---------------------------------------------------------------------------


def test_properties_hold_their_value_once_each_character_is_read():
    assert inside_quotes('a "bc" d').tolist() == [0, 0, 1, 1, 1, 0, 0, 0]
    # An unmatched quote ends with its line.
    assert inside_quotes('"a\nb').tolist() == [1, 1, 0, 0]
    assert inside_brackets("a (b [c]) d").tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert position_in_line("ab\ncd").tolist() == [1, 2, 0, 1, 2]
    assert position_in_word("to be").tolist() == [1, 2, 0, 1, 2]
    assert inside_number("in 1,000.5 or 3. X").tolist() == [
        *[0, 0, 0],
        *[1, 1, 1, 1, 1, 1, 1],  # 1,000.5
        *[0, 0, 0, 0],
        *[1, 0, 0, 0],  # "3." ends a sentence: the point is not part of the number
    ]
    assert start_of_sentence("Hi. Yo").tolist() == [0, 0, 1, 1, 0, 0]


def test_a_constant_cell_correlates_with_nothing_and_a_copy_perfectly():
    values = np.array([0.0, 1, 1, 0, 1, 0, 0, 1])
    activations = np.stack([values * 3 - 1, np.full(8, 0.5), -values], axis=1)
    assert correlations(activations, values) == pytest.approx([1.0, 0.0, -1.0])
    # Constant, or moving with the text itself (one long line), a property is not looked for.
    assert left_out(np.zeros(5)) == "constant in this text"
    assert left_out(position_in_line("no line break in sight")).startswith("moves with the")
    assert left_out(position_in_line("a\nbc\nde f\ng")) is None
    # A short text asks for more than the floor: chance alone reaches far on few characters.
    assert required_correlation(100) == pytest.approx(0.5)
    assert required_correlation(10_000) == pytest.approx(0.3)


# ---- the finder on a network wired by hand -----------------------------------------------------

QUOTE_CELL = 5
HIDDEN = 8
SENTENCES = [
    'He said "yes, we can" and left (at 10 pm).',
    "The 3 dogs ran home.",
    'She wrote "no" twice, then (quietly) stopped.',
    "It cost 42 dollars in 1999.",
    '"Why?" asked Tom.',
    "A long walk (by the river) ended at 7.",
]
# Three sentences a line, so the position in the line does not just grow with the text.
TEXT = "\n".join([" ".join(SENTENCES[:3]), " ".join(SENTENCES[3:])] * 6)


def quote_network(vocab: CharVocab) -> RecurrentLM:
    """A 2-layer LSTM whose layer-1 cell QUOTE_CELL is 1 inside straight double quotes and 0
    outside, exactly; every other cell of both layers stays 0.

    The embedding has one feature, 1 for '"'. On a quote the forget gate shuts and the input gate
    opens only when the cell is off (its h, tanh(1) ~ 0.76 when on, holds the input gate shut), so
    a quote turns the cell on when off and off when on; any other character keeps it.
    """
    net = RecurrentLM(len(vocab), "lstm", embedding_dim=1, hidden_size=HIDDEN, num_layers=2)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.zero_()
        net.embedding.weight[vocab.index['"'], 0] = 1.0
        rnn, q = net.rnn, QUOTE_CELL
        i, f, g, o = (k * HIDDEN + q for k in range(4))  # torch's gate order: i, f, g, o
        rnn.weight_ih_l0[i, 0], rnn.weight_hh_l0[i, q], rnn.bias_ih_l0[i] = 60.0, -78.0, -30.0
        rnn.weight_ih_l0[f, 0], rnn.bias_ih_l0[f] = -60.0, 30.0
        rnn.bias_ih_l0[g] = 30.0
        rnn.bias_ih_l0[o] = 30.0
    return net.eval()


def text_vocab(text: str) -> CharVocab:
    return CharVocab([UNKNOWN, *sorted(set(text))])


def test_the_finder_names_the_quote_cell_and_nothing_for_what_no_cell_tracks():
    vocab = text_vocab(TEXT)
    inspection = inspect_text(quote_network(vocab), vocab, TEXT)
    cell_state = inspection.activations.states[(0, "c")][:, QUOTE_CELL]
    assert cell_state == pytest.approx(inside_quotes(TEXT), abs=1e-5)  # the wiring works

    tracking = inspection.tracking
    quote_cells = tracking["inside quotes"]
    assert quote_cells, "the quote cell was not found"
    best = quote_cells[0]
    assert (best.layer, best.cell) == (0, QUOTE_CELL) and best.correlation > 0.99
    # Every other property varies in the text, and no cell follows it.
    for name in ("inside brackets", "position in line", "inside a number", "start of sentence"):
        assert name in inspection.best, f"{name} should vary in the text"
        assert tracking[name] == [], f"a cell was reported for {name}"
    # Without digits "inside a number" is constant: not a property of this text at all.
    no_digits = TEXT.replace("10", "ten").translate(str.maketrans("", "", "0123456789"))
    assert "inside a number" not in inspect_text(quote_network(vocab), vocab, no_digits).best


# ---- gates recomputed against torch's own kernels ----------------------------------------------


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_layers_states_and_gates_agree_with_torchs_kernels(cell: str):
    torch.manual_seed(0)
    net = RecurrentLM(20, cell, embedding_dim=6, hidden_size=12, num_layers=2).eval()
    ids = torch.randint(20, (150,))
    found = run_text(net, ids)
    with torch.no_grad():
        logits, final = net(ids[None])
        # torch's one-step cells, run by hand layer by layer: every layer's state at every step.
        layer_input = net.embedding(ids)
        for layer in range(2):
            step = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn": torch.nn.RNNCell}
            one = step[cell](layer_input.size(1), 12)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(one, name).copy_(getattr(net.rnn, f"{name}_l{layer}"))
            h, c, hs, cs = torch.zeros(1, 12), torch.zeros(1, 12), [], []
            for t in range(len(ids)):
                if cell == "lstm":
                    h, c = one(layer_input[t : t + 1], (h, c))
                    cs.append(c[0])
                else:
                    h = one(layer_input[t : t + 1], h)
                hs.append(h[0])
            expected_h = torch.stack(hs).numpy()
            assert found.states[(layer, "h")] == pytest.approx(expected_h, abs=1e-5)
            # h rebuilt from the recomputed gates is torch's h: the gates are torch's gates.
            assert found.recomputed_h[layer] == pytest.approx(expected_h, abs=1e-5)
            if cell == "lstm":
                expected_c = torch.stack(cs).numpy()
                assert found.states[(layer, "c")] == pytest.approx(expected_c, abs=1e-5)
            layer_input = torch.stack(hs)
    assert found.logits.numpy() == pytest.approx(logits[0].numpy(), abs=1e-5)
    final_h = final[0] if cell == "lstm" else final
    assert found.states[(1, "h")][-1] == pytest.approx(final_h[1, 0].numpy(), abs=1e-5)
    gates = {"lstm": {"input", "forget", "output"}, "gru": {"reset", "update"}, "rnn": set()}[cell]
    assert {gate for _, gate in found.gates} == gates
    for values in found.gates.values():
        assert values.shape == (150, 12) and values.min() >= 0 and values.max() <= 1


def test_saturation_counts_the_share_of_time_beyond_each_threshold():
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.02, 0.91], [0.5, 0.99]])
    left, right = gate_saturation({(0, "forget"): gate})[(0, "forget")]
    assert left.tolist() == [0.5, 0.0] and right.tolist() == [0.25, 0.5]


def test_a_vanilla_rnn_page_says_it_has_no_gates(tmp_path: Path):
    vocab = text_vocab(TEXT)
    torch.manual_seed(0)
    net = RecurrentLM(len(vocab), "rnn", embedding_dim=4, hidden_size=8, num_layers=1)
    inspection = inspect_text(net, vocab, TEXT)
    assert inspection.saturation == {}
    written = write_inspection(inspection, tmp_path, "rnn", [], [])
    assert "gates" not in written and not (tmp_path / "gates.png").exists()
    html = written["page"].read_text(encoding="utf-8")
    assert "A vanilla RNN has no gates" in html
    assert not parse(html).images


# ---- the page of a trained checkpoint ----------------------------------------------------------

VOID = {"meta", "br", "img", "hr", "input", "link"}


class StrictParser(HTMLParser):
    """Collects the page's structure and complains about tags closed out of order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.ids: dict[str, dict] = {}
        self.images: list[str] = []
        self.details: list[str] = []
        self.titles = 0
        self.spans = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"]] = attributes
        if tag == "img":
            self.images.append(attributes.get("src", ""))
        if tag == "details":
            self.details.append(attributes.get("data-property", ""))
        if tag == "span":
            self.spans += 1
            self.titles += "title" in attributes
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def parse(html: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert parser.open == [], f"unclosed: {parser.open}"
    return parser


@pytest.fixture(scope="session")
def inspected(trained_run, tmp_path_factory):
    """`scripts/inspect.py` on the trained run's best checkpoint, reading a text file longer than
    `chars` that holds a character the model never saw: (process, page folder, text read)."""
    _, run_dir = trained_run
    (checkpoint,) = [p for p in (run_dir / "checkpoints").glob("step*.ckpt")]
    vocab = load_task_model(checkpoint, CharLanguageModel).vocab
    known = [c for c in vocab.chars[1:] if c.isalpha() or c in ' .,()"\n']
    rng = np.random.default_rng(0)
    text = "".join(rng.choice(known, 700)) + "\u2603" + "".join(rng.choice(known, 300))
    source = tmp_path_factory.mktemp("texts") / "text.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("inspected") / "page"
    result = run_command(
        "scripts/inspect.py",
        f"ckpt_path={checkpoint}",
        f"input_file={source}",
        "chars=800",
        f"output_dir={out}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result, out, text[:800], checkpoint


def test_the_page_is_valid_offline_html_with_every_view(inspected):
    result, out, text, _ = inspected
    html = (out / "inspect.html").read_text(encoding="utf-8")
    assert "http" not in html and "<script" not in html
    page = parse(html)
    assert {"surprise", "cells", "gates"} <= set(page.ids)
    # One span per character in the surprise view, each with its predictions as a tooltip.
    assert page.titles == len(text)
    assert any(src.startswith("data:image/png;base64,") for src in page.images)  # gates
    assert not any(src and not src.startswith("data:") for src in page.images)
    for name in ("surprise.png", "cells.png", "gates.png"):
        with Image.open(out / name) as image:
            assert image.width > 200 and image.height > 50
    record = json.loads((out / "inspect.json").read_text())
    assert record["chars"] == 800 and record["unknown_chars"] == ["\u2603"]
    # The terminal summary: bits per character, each property, where the page is.
    assert "bits per character:" in result.stdout
    for name in ("inside quotes", "position in line", "start of sentence"):
        assert name in result.stdout
    assert f"Page: {out / 'inspect.html'}" in result.stdout


def test_cut_and_unseen_characters_are_noted_not_refused(inspected):
    result, out, _, _ = inspected
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert any("more than 800 characters; the first 800 are read" in n for n in notes), notes
    assert any("never saw ('☃')" in n for n in notes), notes
    html = (out / "inspect.html").read_text(encoding="utf-8")
    assert 'class="note"' in html and "never seen in training" in html


def test_the_surprise_total_is_the_models_loss_on_the_same_text(inspected):
    _, out, text, checkpoint = inspected
    model = load_task_model(checkpoint, CharLanguageModel)
    ids = torch.from_numpy(model.vocab.encode(text))
    with torch.no_grad():
        logits, _ = model(ids[None, :-1])
    loss = F.cross_entropy(logits[0].double(), ids[1:], reduction="sum").item()
    page = parse((out / "inspect.html").read_text(encoding="utf-8"))
    surprise = page.ids["surprise"]
    assert int(surprise["data-predicted-chars"]) == len(text) - 1
    assert float(surprise["data-bits-total"]) == pytest.approx(loss / math.log(2), abs=1e-4)
    mean = loss / math.log(2) / (len(text) - 1)
    assert float(surprise["data-bits-per-char"]) == pytest.approx(mean, abs=1e-4)


@pytest.fixture
def run_dir(trained_run, tmp_path: Path) -> Path:
    """A copy of the trained run, so pages written into it leave the shared run as it was."""
    copy = tmp_path / "run"
    shutil.copytree(trained_run[1], copy)
    return copy


def test_the_val_split_is_read_through_the_runs_saved_config(run_dir: Path, tmp_path: Path):
    done = inspect_checkpoint(
        run_dir / "checkpoints" / "last.ckpt", split="val", chars=300, output_dir=tmp_path
    )
    assert len(done.text.text) == 300 and "val split" in done.text.source
    assert any("its first 300 are read" in note for note in done.notes)
    assert (tmp_path / "inspect.html").is_file()
    # With no split, text or file named, the val split is read, into <run>/inspect/.
    default = inspect_checkpoint(run_dir / "checkpoints" / "last.ckpt", chars=50)
    assert default.text.text == done.text.text[:50]
    assert default.written["page"] == run_dir / "inspect" / "inspect.html"


# ---- the page in a real browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> str:
    """Chromium, which `make browser` (and .ci/run) installs; the suite installs nothing."""
    found = find_browser()
    if found is None:
        pytest.skip("Chromium is not installed: `make browser` installs it (Debian, as root)")
    return found


@pytest.mark.slow
def test_the_page_renders_in_headless_chromium(inspected, browser: str, tmp_path: Path):
    _, out, _, _ = inspected
    shot = screenshot(out / "inspect.html", tmp_path / "shot.png", 1000, 1400, browser)
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert pixels.shape[:2] == (1400, 1000)
    not_white = (pixels < 245).any(axis=2).mean()
    assert not_white > 0.02, "the screenshot is blank"
    # The surprise view's shading: reddish backgrounds (red well above green and blue).
    reddish = ((pixels[..., 0] - pixels[..., 1] > 40) & (pixels[..., 0] > 150)).mean()
    assert reddish > 0.001, "no shaded characters in the screenshot"


# ---- bad input: one line each, nothing written -------------------------------------------------


def test_another_tasks_checkpoint_is_one_line_and_nothing_is_written(tmp_path: Path):
    checkpoint = tmp_path / "chat.ckpt"
    torch.save({"task": "seq2seq", "state_dict": {}, "hyper_parameters": {}}, checkpoint)
    out = tmp_path / "out"
    result = run_command("scripts/inspect.py", f"ckpt_path={checkpoint}", f"output_dir={out}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {checkpoint} is not a char_lm checkpoint of this project (its task is seq2seq); "
        "give a checkpoint trained with task char_lm."
    ]
    assert not out.exists()


@pytest.mark.slow
def test_the_network_loads_as_the_task_holds_it_without_importing_lightning(
    trained_run, tmp_path: Path
):
    """inspect reads the network in plain torch, and it is the one the task model runs."""
    _, run_dir = trained_run
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    probe = (
        "import sys, torch\n"
        "import rnnlab.commands.inspect\n"
        "from rnnlab.nets.checkpoints import load_network\n"
        "from rnnlab.nets.char_lm import char_network\n"
        f"network, hparams = load_network({str(checkpoint)!r}, 'char_lm', char_network)\n"
        "torch.manual_seed(0)\n"
        "ids = torch.randint(len(hparams['vocab']), (2, 30))\n"
        "torch.save(network(ids)[0], sys.argv[1])\n"
        "heavy = ('lightning', 'torchmetrics')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = tmp_path / "logits.pt"
    result = subprocess.run(
        [sys.executable, "-c", probe, str(out)], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
    model = load_task_model(checkpoint, CharLanguageModel)
    torch.manual_seed(0)
    ids = torch.randint(len(model.vocab), (2, 30))
    with torch.no_grad():
        expected = model(ids)[0]
    # Equal up to float rounding: the two processes may split the work over other threads.
    torch.testing.assert_close(torch.load(out).detach(), expected)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"text": ""}, "The text given is empty; give a text of two characters or more."),
        ({"text": "a"}, "The text given has a single character; give two or more"),
        ({"text": "ab", "split": "val"}, "Give one of text=..., input_file=... or split=..., "),
        ({"input_file": "missing.txt"}, "The input file missing.txt does not exist"),
    ],
)
def test_bad_texts_are_refused_before_anything_is_written(
    trained_run, tmp_path: Path, settings: dict, message: str
):
    _, run_dir = trained_run
    out = tmp_path / "out"
    with pytest.raises(UserError) as raised:
        inspect_checkpoint(run_dir / "checkpoints" / "last.ckpt", output_dir=out, **settings)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)
    assert not out.exists()


def test_a_split_needs_the_runs_saved_config(trained_run, tmp_path: Path):
    _, run_dir = trained_run
    loose = tmp_path / "loose.ckpt"
    shutil.copy(run_dir / "checkpoints" / "last.ckpt", loose)
    with pytest.raises(UserError, match=r"split=val rebuilds the run's corpus .* is missing"):
        inspect_checkpoint(loose, split="val", output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_settings_are_checked_against_their_declaration():
    result = run_command("scripts/inspect.py", "ckpt_path=x.ckpt", "chars=1")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: chars=1 must be a whole number at least 2 and at most 20000."
    )


# ---- TensorBoard during training ---------------------------------------------------------------


def test_a_character_run_shows_the_views_in_the_images_tab(trained_run):
    _, run_dir = trained_run
    images = read_events(run_dir).Tags()["images"]
    assert {"inspect/surprise", "inspect/best_cell"} <= set(images)


@pytest.mark.parametrize("model", ["lstm", "gru", "rnn", "deep_lstm"])
def test_the_character_models_list_the_character_callbacks(tmp_path: Path, model: str):
    callbacks = compose_train(tmp_path, f"model={model}").callbacks
    assert callbacks.inspect_images is not None and callbacks.text_samples is not None


@pytest.mark.parametrize("model", ["seq2seq", "birnn_cloze", "rnn_forecaster"])
def test_other_tasks_do_not_list_them(tmp_path: Path, model: str):
    callbacks = compose_train(tmp_path, f"model={model}").callbacks
    assert "inspect_images" not in callbacks and "text_samples" not in callbacks
    assert "gradient_norms" in callbacks  # the default callbacks, all of them


def test_other_tasks_are_refused_the_callback_in_one_sentence(tmp_path: Path):
    added = "+callbacks.inspect_images._target_=rnnlab.callbacks.inspect_images.InspectImages"
    cfg = compose_train(tmp_path, "experiment=forecast", *FEW_STEPS, added)
    with pytest.raises(UserError, match=r"inspect_images works with char_lm models only"):
        train(cfg)


def test_the_callback_is_switched_off_with_null(tmp_path: Path):
    cfg = compose_train(tmp_path, "callbacks.inspect_images=null")
    assert cfg.callbacks.inspect_images is None


# ---- the rnn_vs_lstm sweep ends with a page per cell -------------------------------------------


def test_rnn_vs_lstm_asks_for_the_pages():
    from hydra import compose, initialize_config_dir

    from rnnlab.config.compose import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="train", overrides=["experiment=rnn_vs_lstm"], return_hydra_config=True
        )
    assert cfg.hydra.callbacks.sweep_report.inspect is True


def test_a_sweep_ends_with_a_page_per_job_and_a_side_by_side_table(trained_run, tmp_path: Path):
    _, run_dir = trained_run
    sweep = tmp_path / "sweep"
    for job, cell in enumerate(["rnn", "lstm"]):
        shutil.copytree(run_dir, sweep / str(job), ignore=shutil.ignore_patterns("inspect"))
        (sweep / str(job) / ".hydra" / "overrides.yaml").write_text(f"- model={cell}\n")
        record = {"job": job, "overrides": [f"model={cell}"], "status": "completed", "result": 1}
        (sweep / str(job) / STATUS_FILE).write_text(json.dumps(record))
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}})
    SweepReport(inspect=True, inspect_chars=200).on_multirun_end(config)
    for job, cell in enumerate(["rnn", "lstm"]):
        assert (sweep / "inspect" / f"{job}_model={cell}" / "inspect.html").is_file()
    table = (sweep / "inspect.md").read_text()
    assert "[model=rnn](inspect/0_model=rnn/inspect.html)" in table
    assert "| bits per character |" in table and "| inside quotes |" in table


# ---- the docs' commands ------------------------------------------------------------------------


def docs_commands() -> list[list[str]]:
    """The overrides of every `python scripts/inspect.py` line in docs/inspect.md's shell blocks;
    placeholders such as <path to .ckpt> stand for any value."""
    text = (REPO / "docs" / "inspect.md").read_text(encoding="utf-8")
    lines = "\n".join(re.findall(r"```bash\n(.*?)```", text, flags=re.S)).splitlines()
    return [
        shlex.split(re.sub(r"<[^>]*>", "placeholder", line.split("scripts/inspect.py", 1)[1]), True)
        for line in lines
        if "python scripts/inspect.py" in line
    ]


def test_the_docs_commands_compose_and_pass_the_settings_check():
    from hydra import compose, initialize_config_dir

    from rnnlab.config.compose import CONFIG_DIR
    from rnnlab.config.scripts import InspectSettings
    from rnnlab.core.schema import check_node

    commands = docs_commands()
    assert len(commands) >= 4
    texts = []
    for overrides in commands:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="inspect", overrides=overrides)
        check_node("", cfg, InspectSettings)
        texts.append(cfg.text)
    # Quotes, brackets and a comma survive the shell and Hydra as the docs promise.
    assert 'The "quick" brown (red) fox, 1.5 m long.' in texts
