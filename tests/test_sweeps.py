"""Sweeps through the real command line: basic multirun with a failing job,
Optuna, joblib, compare_runs."""

from pathlib import Path

import optuna
import pytest
import yaml
from conftest import SMALL, built_once, compose_train, run_cli, run_command

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.core.threads import available_cores

# Every test here trains, resumes or sweeps through the real commands.
pytestmark = pytest.mark.slow

SMALL_DATA_ONLY = [o for o in SMALL if not o.startswith("model.")]


@pytest.fixture(scope="session")
def sweep(tmp_path_factory, data_dir: Path):
    """`train.py -m model=rnn,gru model.hidden_size=-1,32`: four jobs,
    the two with a negative size fail."""

    def run_sweep(root: Path):
        result = run_command(
            "train.py", "-m", "model=rnn,gru", "model.hidden_size=-1,32", f"paths.root_dir={root}",
            f"paths.data_dir={data_dir}", *SMALL_DATA_ONLY, "model.embedding_dim=16",
        )  # fmt: skip
        (sweep_dir,) = (root / "logs" / "char_lm" / "multiruns").iterdir()
        return result, sweep_dir

    return built_once(tmp_path_factory, "sweep", run_sweep)


def test_a_sweep_runs_every_job_into_its_own_directory(sweep):
    _, sweep_dir = sweep
    for job in ("1", "3"):  # hidden_size=32 for rnn and gru
        job_dir = sweep_dir / job
        config = yaml.safe_load((job_dir / ".hydra" / "config.yaml").read_text())
        assert config["model"]["hidden_size"] == 32
        assert (job_dir / "checkpoints" / "last.ckpt").is_file()
        assert list((job_dir / "tensorboard").glob("events.out.tfevents.*"))
    cells = {
        yaml.safe_load((sweep_dir / j / ".hydra" / "config.yaml").read_text())["model"]["cell"]
        for j in "13"
    }
    assert cells == {"rnn", "gru"}


def test_a_failing_job_is_reported_and_the_others_finish(sweep):
    result, sweep_dir = sweep
    # Each failure is logged as its job ends; the sweep ends in one line and exit status 1.
    assert result.returncode == 1 and "Traceback" not in result.stderr
    reason = "model.hidden_size=-1 must be a whole number at least 1."
    assert f"failed: {reason}" in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 2 of 4 jobs failed (first job 0, model=rnn model.hidden_size=-1")
    assert last.endswith(f"every job's outcome is in {sweep_dir / 'sweep_summary.md'}.")
    summary = (sweep_dir / "sweep_summary.md").read_text()
    rows = [line for line in summary.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 4
    assert (
        sum("| failed |" in row for row in rows) == 2
        and sum("| completed |" in row for row in rows) == 2
    )
    assert "model=gru model.hidden_size=32" in summary  # jobs are named by what sets them apart


def test_compare_runs_writes_a_plot_and_a_table_of_the_finished_runs(sweep, tmp_path: Path):
    _, sweep_dir = sweep
    result = run_cli("scripts/compare_runs.py", str(sweep_dir), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    table = (tmp_path / "comparison.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| model=")]
    assert [row.split(" | ")[0] for row in rows] == ["| model=rnn", "| model=gru"]
    assert "final val/bpc" in table and "throughput (chars per s)" in table
    assert all(float(row.split(" | ")[1]) > 0 for row in rows)


def test_compare_runs_refuses_a_directory_without_runs(tmp_path: Path):
    result = run_cli("scripts/compare_runs.py", str(tmp_path))
    assert result.returncode == 1 and "No runs with TensorBoard events under" in result.stderr
    assert "Traceback" not in result.stderr


def test_optuna_search_searches_what_is_not_fixed_and_keeps_its_study(
    tmp_path: Path, data_dir: Path
):
    """Two runs of the same command: the study lives in a SQLite file under logs/, and the
    second run adds its trials to the first's."""
    search = yaml.safe_load((CONFIG_DIR / "hparams_search" / "char_lm_optuna.yaml").read_text())
    searched = set(search["hydra"]["sweeper"]["params"])
    fixed = [o for o in SMALL_DATA_ONLY if not o.startswith("callbacks.")]
    fixed += ["model.hidden_size=32", "model.num_layers=1", "model.scheduler.warmup_steps=0"]
    fixed += ["trainer.max_time=00:00:01:00"]
    command = [
        "train.py", "hparams_search=char_lm_optuna", f"paths.root_dir={tmp_path}",
        f"paths.data_dir={data_dir}", *fixed,
    ]  # fmt: skip
    first = run_cli(*command, "hydra.sweeper.n_trials=2")
    assert first.returncode == 0, first.stderr[-3000:]
    second = run_cli(*command, "hydra.sweeper.n_trials=1")
    assert second.returncode == 0, second.stderr[-3000:]

    storage = tmp_path / "logs" / "char_lm_optuna" / "studies.db"
    study = optuna.load_study(study_name="char_lm_00:00:01:00", storage=f"sqlite:///{storage}")
    # The config's first trials run first, in order, and are queued once: the second run takes
    # the next one; none is queued twice.
    first_trials = search["hydra"]["callbacks"]["first_trials"]["trials"]
    states = [t.state.name for t in study.trials]
    assert states == ["COMPLETE"] * 3 + ["WAITING"] * (len(first_trials) - 3)
    fixed_keys = {o.split("=")[0] for o in fixed}
    for trial, wanted in zip(study.trials[:3], first_trials[:3], strict=True):
        assert trial.params == {k: v for k, v in wanted.items() if k not in fixed_keys}
    sweeps = sorted((tmp_path / "logs" / "char_lm_optuna" / "multiruns").iterdir())
    best = yaml.safe_load((sweeps[-1] / "optimization_results.yaml").read_text())
    # What the command line fixes is not searched; everything else in the space is.
    assert set(best["best_params"]) == searched - fixed_keys
    assert best["best_value"] == min(t.value for t in study.trials[:3])  # val/bpc
    assert [p.name for p in sweeps[-1].iterdir() if p.is_dir()] == ["0"]


def test_joblib_launcher_runs_jobs_in_parallel_processes(tmp_path: Path, data_dir: Path):
    result = run_cli(
        "train.py", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "model=rnn,gru",
        f"paths.root_dir={tmp_path}", f"paths.data_dir={data_dir}", *SMALL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Joblib.Parallel(n_jobs=2" in result.stdout + result.stderr
    (sweep_dir,) = (tmp_path / "logs" / "char_lm" / "multiruns").iterdir()
    # Two jobs at once: each takes half the cores (rnnlab.core.threads), and its log says so.
    each = max(1, available_cores() // 2)
    for job in ("0", "1"):
        assert (sweep_dir / job / "checkpoints" / "last.ckpt").is_file()
        log = (sweep_dir / job / "train.log").read_text()
        assert f"Threads: {each} CPU thread" in log and "2 sweep jobs at once" in log, log


def test_the_slurm_launcher_config_composes(tmp_path: Path):
    from hydra import compose, initialize_config_dir

    from rnnlab.config.compose import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="train",
            overrides=["hydra/launcher=submitit_slurm", "model=gru"],
            return_hydra_config=True,
        )
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert compose_train(tmp_path, "model=gru").model.cell == "gru"


def test_submitit_local_launcher_runs_a_two_job_sweep(tmp_path: Path, data_dir: Path):
    """The SLURM launcher's local twin: each job is a separate process started
    and watched by submitit."""
    result = run_cli(
        "train.py", "-m", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10",
        "model=rnn,gru", f"paths.root_dir={tmp_path}", f"paths.data_dir={data_dir}", *SMALL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (sweep_dir,) = (tmp_path / "logs" / "char_lm" / "multiruns").iterdir()
    for job in ("0", "1"):
        assert (sweep_dir / job / "checkpoints" / "last.ckpt").is_file()
    assert list((sweep_dir / ".submitit").glob("*/*_result.pkl"))
    assert (sweep_dir / "sweep_summary.md").read_text().count("| completed |") == 2
