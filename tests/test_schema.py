"""The declared-settings checker: types, ranges and choices derived from annotations."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from omegaconf import OmegaConf

from rnnlab.core.errors import UserError
from rnnlab.core.schema import (
    Count,
    Dropout,
    Fraction,
    NonNegative,
    Range,
    check_node,
    declared,
    describe,
    matches,
)
from rnnlab.data.text.wiki_char import WikiCharDataModule


class Base:
    def __init__(self, size: Count = 1, rate: NonNegative = 0.0):
        pass


class Child(Base):
    def __init__(self, share: Fraction = 0.5, cell: Literal["rnn", "lstm"] = "rnn", **rest: Any):
        super().__init__(**rest)


@dataclass
class Settings:
    steps: Annotated[int, Range(ge=-1)]
    name: str | None
    dropout: Dropout


@pytest.mark.parametrize(
    ("value", "annotation", "expected"),
    [
        (3, Count, True),
        (0, Count, False),
        (True, Count, False),  # a bool is not a count
        ("3", Count, False),
        (0.5, Fraction, True),
        (1, Fraction, False),
        (float("nan"), NonNegative, False),
        (float("inf"), NonNegative, False),
        (2, NonNegative, True),  # a whole number is a number
        ("lstm", Literal["rnn", "lstm"], True),
        ("gru", Literal["rnn", "lstm"], False),
        (None, str | None, True),
        ([1, 2], list[int], True),
        ([1, "x"], list[int], False),
        ({"a": 1}, dict[str, Any], True),
        (False, Literal["auto", False] | None, True),
        (0, Literal["auto", False] | None, False),  # 0 equals false, but is no choice of it
        ("logs", Path, True),  # a path is text in a config
        (["a"], timedelta, False),  # a class of its own takes one value...
        ({"days": 1}, timedelta, False),
        ({"_target_": "datetime.timedelta", "days": 1}, timedelta, True),  # ...or what Hydra builds
        ("00:01:00", timedelta, True),
    ],
)
def test_values_match_their_annotations(value, annotation, expected):
    assert matches(value, annotation) is expected


def test_descriptions_say_what_is_allowed():
    assert describe(Count) == "a whole number at least 1"
    assert describe(Fraction) == "a finite number more than 0 and less than 1"
    assert describe(Literal["rnn", "lstm"]) == "one of rnn, lstm"
    assert describe(Count | None) == "a whole number at least 1 or null"


def test_settings_follow_kwargs_into_the_base_constructor():
    # Another library's **kwargs may go anywhere: its node accepts keys nothing declares.
    settings, open_ended = declared(Child)
    assert set(settings) == {"share", "cell", "size", "rate"} and open_ended
    # rnnlab's own classes pass them to the base constructor, which declares them all.
    settings, open_ended = declared(WikiCharDataModule)
    assert {"seq_len", "batch_size", "path", "max_chars", "min_char_count"} <= set(settings)
    assert not open_ended
    assert set(declared(Settings)[0]) == {"steps", "name", "dropout"}


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"size": 0}, "model.size=0 must be a whole number at least 1."),
        ({"size": "abc"}, "model.size='abc' must be a whole number at least 1."),
        ({"share": 1.5}, "model.share=1.5 must be a finite number more than 0 and less than 1."),
        ({"cell": "gru"}, "model.cell='gru' must be one of rnn, lstm."),
        ({"rate": float("nan")}, "model.rate=nan must be a finite number at least 0."),
    ],
)
def test_a_bad_setting_is_one_sentence_naming_key_value_and_what_is_allowed(node, message):
    with pytest.raises(UserError) as raised:
        check_node("model", OmegaConf.create(node), Child)
    assert str(raised.value) == message


def test_a_key_nothing_declares_is_named_with_the_settings_there_are():
    with pytest.raises(UserError) as raised:
        check_node("", OmegaConf.create({"steps": 1, "stpes": 2}), Settings)
    assert (
        str(raised.value) == "stpes is not a setting here; the settings are: dropout, name, steps."
    )


def test_good_settings_and_hydra_keys_pass():
    check_node("model", OmegaConf.create({"_target_": "x.Child", "size": 4, "share": 0.2}), Child)
    check_node("", OmegaConf.create({"steps": -1, "name": None, "dropout": 0.0}), Settings)


def test_an_interpolation_that_resolves_only_later_is_left_alone():
    node = OmegaConf.create({"size": 2, "rate": "${hydra:runtime.output_dir}"})
    check_node("model", node, Child)
