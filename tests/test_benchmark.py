"""A smoke run of `scripts/benchmark.py` with tiny sizes: both result files,
with the sections and rows asked for."""

import json
import subprocess
import sys

import pytest
from conftest import REPO

from benchmarks.generation import matmul_flops_per_char
from rnnlab.nets.char_lm import RecurrentLM

TINY = [
    "--cells", "rnn", "--steps", "2", "--warmup", "1", "--repeats", "1",
    "--override", "model.hidden_size=16", "model.embedding_dim=8", "data.max_chars=100000",
    "data.batch_size=4", "data.seq_len=16", "trainer.log_every_n_steps=1",
    "--seq2seq-override", "data.count=200", "model.hidden_size=16", "model.embedding_dim=8",
    "--length", "30", "--batches", "1", "4", "--beam-sentences", "4", "--data-batches", "3",
    "--stateful-seconds", "1", "--tokenizer-pairs", "300",
]  # fmt: skip


@pytest.mark.slow
def test_a_tiny_benchmark_run_writes_json_and_markdown(tmp_path):
    sections = ["training", "data", "generation", "seq2seq", "tokenizer", "stateful"]
    sections += ["threads", "gpu"]
    out_json, out_md = tmp_path / "results.json", tmp_path / "results.md"
    command = [sys.executable, "scripts/benchmark.py", "--sections", *sections, *TINY]
    subprocess.run(
        [*command, "--json", str(out_json), "--markdown", str(out_md)], cwd=REPO, check=True
    )

    results = json.loads(out_json.read_text())
    assert {"date", "commit", "cpu", "cores", "torch"} <= results["machine"].keys()
    assert list(results["sections"]) == sections
    (training,) = results["sections"]["training"]["rows"]
    assert training["cell"] == "rnn" and training["ratio"] > 0
    # The ratio comes from the unrounded rates; the rates are shown rounded to whole chars/s.
    rounded = training["lightning_chars_per_s"] / training["plain_chars_per_s"]
    assert training["ratio"] == pytest.approx(rounded, abs=6e-4)  # ratio kept to 3 decimals
    generation = results["sections"]["generation"]["rows"]
    assert [row["batch"] for row in generation] == [1, 4]
    assert generation[0]["speedup_vs_batch_1"] == 1
    assert all(row["products_alone_ms"] > 0 and row["speedup_bound"] > 0 for row in generation)
    assert {row["data"] for row in results["sections"]["stateful"]["rows"]} == {
        "data.stateful=true",
        "data.stateful=false",
    }
    assert len(results["sections"]["seq2seq"]["rows"]) == 2
    (tokenizer,) = results["sections"]["tokenizer"]["rows"]
    assert "300 sentence pairs" in tokenizer["measure"] and tokenizer["value"] > 0
    alone, shared_default, shared_auto = results["sections"]["threads"]["rows"]
    assert alone["processes"] == "alone" and alone["cpu_vs_alone"] == 1
    assert shared_default["threads_each"] == alone["threads_each"]
    assert shared_auto["threads_each"] == max(1, results["machine"]["cores"] // 2)
    assert all(row["cpu_ms_per_step"] > 0 for row in (shared_default, shared_auto))
    gpu = results["sections"]["gpu"]
    assert ("skipped" in gpu) != ("rows" in gpu)

    markdown = out_md.read_text()
    for section in results["sections"].values():
        assert f"## {section['title']}" in markdown
    assert (
        "| cell | device | precision | plain_chars_per_s | lightning_chars_per_s | ratio |"
        in markdown
    )
    assert results["machine"]["cpu"] in markdown


@pytest.mark.parametrize("cell, gates", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_the_sampling_flop_count_covers_every_product_of_a_step(cell, gates):
    net = RecurrentLM(vocab_size=50, cell=cell, embedding_dim=8, hidden_size=16, num_layers=3)
    recurrent, inputs_past_layer_1, head = 3 * 16 * gates * 16, 2 * 16 * gates * 16, 16 * 50
    assert matmul_flops_per_char(net) == 2 * (recurrent + inputs_past_layer_1 + head)


@pytest.mark.slow
def test_a_bad_flag_ends_with_one_sentence():
    command = [sys.executable, "scripts/benchmark.py", "--steps", "0"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "--steps must be a positive whole number, not 0." in done.stderr


def test_a_results_file_under_a_regular_file_is_refused_before_measuring(tmp_path, capsys):
    from benchmarks.run import parse_args

    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--json", str(tmp_path / "notes" / "results.json")])
    assert stopped.value.code == 2
    assert (
        f"Cannot write the results' folder {tmp_path}/notes: {tmp_path}/notes is a file, not a "
        "folder; set --json to a writable place." in capsys.readouterr().err
    )
