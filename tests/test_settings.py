"""Every numeric setting of every config group is declared, and its declaration refuses a wrong
type and a value out of range with one sentence naming the key."""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from pathlib import Path

import pytest
from conftest import compose_train
from omegaconf import OmegaConf, open_dict

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.scripts import SCRIPT_SETTINGS
from rnnlab.config.settings import check_train_config, declarations
from rnnlab.core.errors import UserError
from rnnlab.core.schema import Range, _members, _strip, check_node, declared, matches

# Each task with its own data, and the experiments that change groups.
SETUPS = [
    [],
    ["model=seq2seq"],
    ["experiment=number_words"],
    ["model=birnn_cloze"],
    ["model=rnn_forecaster"],
    ["experiment=vanishing_gradients"],
]

# Numbers for which every value of their type is meaningful, or checked together with another
# setting elsewhere (T_max comes from trainer.max_steps and is checked with its origin named).
UNBOUNDED = {
    "seed",
    "data.seed",
    "data.low",
    "data.high",
    "model.length_penalty",
    "model.scheduler.T_max",
}


@functools.cache
def composed(setup: str):
    """The train config of a setup, composed once per session (tests work on copies)."""
    return compose_train(Path("/tmp/rnnlab-settings-test"), *setup.split())


def numeric_settings(setup: str):
    """(key, value, annotation) of every int or float setting of the composed train config."""
    cfg = composed(setup)
    for declaration in declarations(cfg):
        settings = declared(declaration.target)[0]
        if declaration.extra is not None:
            settings |= declared(declaration.extra)[0]
        for name in declaration.node:
            if str(name).startswith("_") or name not in settings:
                continue
            try:
                value = declaration.node[name]
            except Exception:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                key = f"{declaration.key}.{name}" if declaration.key else str(name)
                yield key, value, settings[name]


def ranges_of(annotation) -> list[Range]:
    bare, ranges = _strip(annotation)
    return ranges + [r for member in _members(bare) for r in _strip(member)[1]]


def out_of_range(value, annotation):
    """A value of the same type beyond one of the declared bounds that no alternative of the
    annotation allows (a share in [0, 1] or a count are both fine for limit_val_batches)."""
    step = 1 if isinstance(value, int) else 0.5
    candidates = []
    for bound in ranges_of(annotation):
        low = bound.ge if bound.ge is not None else bound.gt
        high = bound.le if bound.le is not None else bound.lt
        if low is not None:
            candidates.append(type(value)(low - step))
        if high is not None:
            candidates.append(type(value)(high + step))
    return next(c for c in candidates if not matches(c, annotation))


def refused(setup: str, key: str, value) -> str:
    cfg = copy.deepcopy(composed(setup))
    with open_dict(cfg):
        OmegaConf.update(cfg, key, value, merge=False)
    with pytest.raises(UserError) as raised:
        check_train_config(cfg)
    return str(raised.value)


CASES = sorted({(" ".join(s), key) for s in SETUPS for key, _, _ in numeric_settings(" ".join(s))})
# Values of other types, tried in turn until one is not of the setting's declared type.
WRONG_TYPES = ["abc", [1], 1.5, {"a": 1}]


@pytest.mark.parametrize(("setup", "key"), CASES)
def test_every_numeric_setting_refuses_a_wrong_type_and_a_value_out_of_range(setup: str, key: str):
    value, annotation = next((v, a) for k, v, a in numeric_settings(setup) if k == key)
    wrong = next(w for w in WRONG_TYPES if not matches(w, annotation))
    message = refused(setup, key, wrong)
    assert message.startswith(f"{key}={wrong!r} must be ") and "\n" not in message

    ranges = ranges_of(annotation)
    if key in UNBOUNDED:
        assert not ranges, f"{key} has a range now: take it off the unbounded list"
        return
    assert ranges, f"{key} has no declared range; declare one or list it as unbounded"
    bad = out_of_range(value, annotation)
    message = refused(setup, key, bad)
    assert message.startswith(f"{key}={bad!r} must be ") and "\n" not in message


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_temperature_that_is_not_finite_is_refused(bad: float):
    message = refused("", "sample.char_lm.temperature", bad)
    assert message == f"sample.char_lm.temperature={bad!r} must be a finite number at least 0."
    assert not math.isfinite(bad)


@pytest.mark.parametrize("setup", [" ".join(s) for s in SETUPS])
def test_the_shipped_configs_pass(setup: str):
    check_train_config(copy.deepcopy(composed(setup)))


@pytest.mark.parametrize("script", sorted(SCRIPT_SETTINGS))
def test_a_script_composes_the_defaults_its_settings_declare(script: str):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=script)
    defaults = {f.name: f.default for f in dataclasses.fields(SCRIPT_SETTINGS[script])}
    assert OmegaConf.to_container(cfg) == defaults  # "???" where a value must be given
    given = defaults | {"ckpt_path": "x.ckpt"} | ({"text": "a ___ b"} if "text" in cfg else {})
    check_node("", given, SCRIPT_SETTINGS[script])  # the defaults are of their declared types


def test_a_list_may_interpolate_another_setting(tmp_path: Path):
    cfg = compose_train(tmp_path, "callbacks.text_samples.at_steps=[1,${trainer.max_steps}]")
    check_train_config(cfg)
    cfg = compose_train(tmp_path, "callbacks.text_samples.at_steps=[1,${trainer.precision}]")
    with pytest.raises(UserError, match=r"^callbacks\.text_samples\.at_steps=.* whole numbers"):
        check_train_config(cfg)
