from pathlib import Path

import hydra
import lightning as L
import pytest
from conftest import compose_train

from rnnlab.commands.train import build_model, instantiate_group
from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.settings import check_accelerator
from rnnlab.core.errors import UserError
from rnnlab.data.pairs.tokenizer import WordTokenizer
from rnnlab.data.text.vocab import UNKNOWN
from rnnlab.data.tokens import CLOZE_SPECIALS
from rnnlab.data.tokens import SEQ2SEQ_SPECIALS as SPECIALS
from rnnlab.tasks.task import TaskModule

# What each task's DataModule hands its model, in miniature.
MODEL_INPUTS = {
    "char_lm": {"vocab": [UNKNOWN, "a", "b"]},
    "seq2seq": {
        "source_tokenizer": WordTokenizer([*SPECIALS, "hello"]).to_json(),
        "target_tokenizer": WordTokenizer([*SPECIALS, "hi"]).to_json(),
    },
    "cloze": {"vocab": [*CLOZE_SPECIALS, "hungry"]},
    "forecast": {"mean": 0.0, "std": 1.0},
}
MODELS = sorted(p.stem for p in (CONFIG_DIR / "model").glob("[!_]*.yaml"))


def test_every_model_option_is_listed():
    assert {
        "rnn",
        "lstm",
        "gru",
        "deep_lstm",
        "seq2seq",
        "seq2seq_attn",
        "birnn_cloze",
        "rnn_forecaster",
    } <= set(MODELS)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("trainer", ["default", "cpu"])
def test_every_model_and_trainer_composes_and_instantiates(
    tmp_path: Path, model: str, trainer: str
):
    cfg = compose_train(tmp_path, f"model={model}", f"trainer={trainer}")
    datamodule = hydra.utils.instantiate(cfg.data)
    net = hydra.utils.instantiate(
        cfg.model, **MODEL_INPUTS[cfg.task_name], _recursive_=False, _convert_="all"
    )
    assert type(net).__name__ == cfg.model._target_.rpartition(".")[2]
    assert isinstance(net, TaskModule) and datamodule.task == net.task == cfg.task_name
    assert net.hparams.cell == cfg.model.cell
    callbacks = instantiate_group(cfg.callbacks)
    trainer_obj = hydra.utils.instantiate(
        cfg.trainer, callbacks=callbacks, logger=instantiate_group(cfg.logger)
    )
    assert isinstance(trainer_obj, L.Trainer) and trainer_obj.gradient_clip_val == 1.0
    assert isinstance(datamodule, L.LightningDataModule)


@pytest.mark.slow
def test_char_models_carry_the_hidden_state_exactly_when_the_data_comes_as_streams(
    tmp_path: Path, data_dir: Path
):
    small = [f"paths.data_dir={data_dir}", "data.max_chars=60000"]
    for stateful in (True, False):
        cfg = compose_train(tmp_path, f"data.stateful={stateful}", *small)
        model, datamodule = build_model(cfg)
        assert model.hparams.carry_hidden is stateful is datamodule.hparams.stateful


@pytest.mark.slow
def test_a_setting_the_data_hands_over_is_refused_in_the_model(tmp_path: Path, data_dir: Path):
    small = [f"paths.data_dir={data_dir}", "data.max_chars=60000"]
    cfg = compose_train(tmp_path, "+model.carry_hidden=false", *small)
    with pytest.raises(UserError, match=r"^model.carry_hidden follows from the data"):
        build_model(cfg)


def test_deep_preset_stacks_at_least_three_layers(tmp_path: Path):
    assert compose_train(tmp_path, "model=deep_lstm").model.num_layers >= 3


def test_gpu_trainer_composes_with_mixed_precision(tmp_path: Path):
    cfg = compose_train(tmp_path, "trainer=gpu")
    assert cfg.trainer.accelerator == "gpu" and cfg.trainer.precision == "16-mixed"


@pytest.mark.parametrize(
    "group", ["logger=none", "callbacks=none", "debug=fast", "data.stateful=false"]
)
def test_optional_groups_compose(tmp_path: Path, group: str):
    cfg = compose_train(tmp_path, group)
    assert cfg.optimized_metric == "val/loss"


def test_gpu_trainer_without_a_gpu_is_refused_in_one_sentence(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("torch.cuda.device_count", lambda: 0)
    with pytest.raises(UserError, match="use trainer=cpu"):
        check_accelerator(compose_train(tmp_path, "trainer=gpu").trainer)


def test_more_gpus_than_the_machine_has_are_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("torch.cuda.device_count", lambda: 1)
    with pytest.raises(UserError, match=r"trainer\.devices=4"):
        check_accelerator(compose_train(tmp_path, "trainer=gpu", "trainer.devices=4").trainer)
