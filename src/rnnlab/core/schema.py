"""Declared settings, checked before any work.

Every setting is declared once, by a type annotation: the parameters of the class a config node
builds (its `_target_`: a model, a DataModule, a callback, Lightning's Trainer, a torch optimiser),
or the fields of a settings dataclass below for keys that build nothing (the top-level keys, the
scripts' settings). Ranges ride on the annotation (`Annotated[int, Range(ge=1)]`, annotated-types'
Interval); choices are `Literal`s. pydantic judges each value against its annotation (strict: no
coercion, finite numbers only); this module walks the config keys to their declarations and says
what is wrong in one sentence naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import Interval
from omegaconf import DictConfig, ListConfig, OmegaConf
from pydantic import AfterValidator, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from rnnlab.core.errors import UserError

# Bounds of a number (ge/le include the bound, gt/lt exclude it), as annotated-types declares them
# and pydantic checks them: `Annotated[int, Range(ge=1)]`.
Range = Interval


# The settings' vocabulary, used in the signatures of the classes the configs build.
Count = Annotated[int, Range(ge=1)]  # sizes, lengths, layers, batch sizes, intervals
NonNegativeInt = Annotated[int, Range(ge=0)]
NonNegative = Annotated[float, Range(ge=0)]
Positive = Annotated[float, Range(gt=0)]
Fraction = Annotated[float, Range(gt=0, lt=1)]  # a share of the data
Probability = Annotated[float, Range(ge=0, le=1)]
Dropout = Annotated[float, Range(ge=0, lt=1)]
Cell = Literal["rnn", "lstm", "gru"]

# Generation is one recurrent step per character: these bound a command's time and memory
# (each generated character is kept as one 8-byte id until the text is decoded).
MAX_SAMPLE_LENGTH = 100_000
MAX_SAMPLES = 1_024
SampleLength = Annotated[int, Range(ge=1, le=MAX_SAMPLE_LENGTH)]  # characters, prompt included
SampleCount = Annotated[int, Range(ge=1, le=MAX_SAMPLES)]
# What torch's random generators take (Generator.manual_seed): a 64-bit number, signed or not.
Seed = Annotated[int, Range(ge=-(2**63), le=2**64 - 1)]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bounds(interval: Interval) -> str:
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    return " and ".join(
        f"{words[name]} {_number(getattr(interval, name))}"
        for name in ("ge", "gt", "le", "lt")
        if getattr(interval, name) is not None
    )


def _strip(annotation: Any) -> tuple[Any, list[Interval]]:
    """The bare type of an annotation and the ranges riding on it."""
    ranges: list[Interval] = []
    while typing.get_origin(annotation) is Annotated:
        ranges += [m for m in annotation.__metadata__ if isinstance(m, Interval)]
        annotation = annotation.__origin__
    return annotation, ranges


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (`A | B`, `Optional[A]`), or the annotation alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return list(typing.get_args(annotation))
    return [annotation]


def _received(value: Any) -> Any:
    """A value for a class of its own (a timedelta, an Accelerator...), which the class that
    receives it checks: one value, or a mapping that Hydra builds into an object (it has a
    `_target_`); a plain list or mapping cannot become such an object."""
    if isinstance(value, Mapping) and "_target_" not in value:
        raise ValueError("a mapping without _target_")
    if isinstance(value, list | tuple):
        raise ValueError("a list")
    return value


def _exact_choice(choices: tuple[Any, ...]) -> Callable[[Any], Any]:
    """pydantic compares Literal choices by equality, where 0 == false, and hands on the choice,
    not the value; checked before it, a setting's value is also of its choice's own type."""

    def check(value: Any) -> Any:
        if not any(value == c and type(value) is type(c) for c in choices):
            raise ValueError("not one of the choices")
        return value

    return check


_PLAIN = (bool, int, float, str, type(None))


def _validatable(annotation: Any) -> Any:
    """The annotation as pydantic validates config data: paths are text in a config, and a class
    of its own takes what its receiver checks (`_received`)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return Annotated[(_validatable(annotation.__origin__), *annotation.__metadata__)]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_validatable(m) for m in typing.get_args(annotation))]  # noqa: UP007
    if origin is Literal:
        return Annotated[annotation, BeforeValidator(_exact_choice(annotation.__args__))]
    if annotation is Any or annotation is inspect.Parameter.empty:
        return Any
    if annotation is Path:
        return str
    if annotation in _PLAIN:
        return annotation
    bare = origin or annotation
    if isinstance(bare, type) and issubclass(bare, Mapping):
        return dict[str, Any]
    if isinstance(bare, type) and issubclass(bare, Sequence) and bare is not str:
        (item,) = typing.get_args(annotation)[:1] or (Any,)
        return list[_validatable(item)]
    return Annotated[Any, AfterValidator(_received)]


# Strict: a bool is no number and "3" no count; finite: nan and inf are no setting's value.
_STRICT = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(_validatable(annotation), config=_STRICT)


def matches(value: Any, annotation: Any) -> bool:
    """Whether `value` (plain config data) is of the annotated type, ranges included; pydantic
    judges it."""
    if isinstance(value, DictConfig | ListConfig):
        try:
            value = OmegaConf.to_container(value, resolve=True)
        except Exception:  # an interpolation inside that resolves only once the run starts
            return True
    try:
        adapter = _adapter(annotation)
    except TypeError:  # an unhashable annotation: built for this one check
        adapter = TypeAdapter(_validatable(annotation), config=_STRICT)
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def describe(annotation: Any) -> str:
    """What an annotation allows, in words: 'a whole number at least 1', 'one of rnn, lstm'."""
    bare, ranges = _strip(annotation)
    members = _members(bare)
    if len(members) > 1:
        # The choices of several Literals read as one list.
        literals = [m for m in members if typing.get_origin(m) is Literal]
        choices = [_yaml(c) for m in literals for c in m.__args__]
        words = ["one of " + ", ".join(dict.fromkeys(choices))] if choices else []
        others = [m for m in members if m not in literals and m is not type(None)]
        words += [describe(m) for m in others]
        if type(None) in members:
            words.append("null")
        return " or ".join(dict.fromkeys(words))
    limits = " and ".join(_bounds(r) for r in ranges)
    if typing.get_origin(bare) is Literal:
        return "one of " + ", ".join(_yaml(choice) for choice in bare.__args__)
    names = {bool: "true or false", int: "a whole number", float: "a finite number"}
    if bare in names:
        return f"{names[bare]} {limits}".strip()
    if bare in (str, Path):
        return "text"
    origin = typing.get_origin(bare) or bare
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return "a mapping of settings"
    if isinstance(origin, type) and issubclass(origin, Sequence):
        (item,) = typing.get_args(bare)[:1] or (Any,)
        if item is Any:
            return "a list"
        plural = describe(item).replace("a whole number", "whole numbers")
        return "a list of " + plural.replace("a finite number", "finite numbers")
    return getattr(bare, "__name__", str(bare))


def _yaml(value: Any) -> str:
    """A choice as a user types it on the command line: true, false, null, text as it is."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return str(value)


def check_setting(key: str, value: Any, annotation: Any) -> None:
    """Raise a UserError naming `key`, `value` and what is allowed unless `value` matches."""
    if not matches(value, annotation):
        shown = (
            OmegaConf.to_container(value) if isinstance(value, (DictConfig, ListConfig)) else value
        )
        text = _yaml(shown) if isinstance(shown, bool) else repr(shown)
        raise UserError(f"{key}={text} must be {describe(annotation)}.")


def declared(target: Callable | type) -> tuple[dict[str, Any], bool]:
    """(name -> annotation of every setting `target` takes, whether it takes any other keyword).

    A dataclass declares its fields; a class its constructor's parameters, following `**kwargs`
    into the base classes' constructors it passes them on to.
    """
    if dataclasses.is_dataclass(target):
        hints = typing.get_type_hints(target, include_extras=True)
        return {f.name: hints[f.name] for f in dataclasses.fields(target)}, False
    settings: dict[str, Any] = {}
    open_ended = False
    owners = target.__mro__ if isinstance(target, type) else (target,)
    for owner in owners:
        function = owner.__init__ if isinstance(owner, type) else owner
        if isinstance(owner, type) and "__init__" not in owner.__dict__:
            continue
        if owner is object:
            break
        try:
            hints = typing.get_type_hints(function, include_extras=True)
        except Exception:  # a third-party annotation that does not resolve: take it as Any
            hints = {}
        parameters = list(inspect.signature(function).parameters.values())
        for parameter in parameters:
            if parameter.name == "self" or parameter.kind is parameter.VAR_POSITIONAL:
                continue
            if parameter.kind is parameter.VAR_KEYWORD:
                continue
            settings.setdefault(parameter.name, hints.get(parameter.name, Any))
        passes_on = any(p.kind is p.VAR_KEYWORD for p in parameters)
        # rnnlab's own classes pass **kwargs on to their base's constructor, which declares
        # them; another library's may pass them anywhere, so its node accepts any key.
        ours = getattr(owner, "__module__", "").startswith("rnnlab.")
        open_ended = open_ended or (passes_on and not ours)
        if not passes_on or not isinstance(target, type):
            break
    return settings, open_ended


def check_node(
    key: str,
    node: DictConfig | Mapping,
    target: Callable | type,
    extra: type | None = None,
    open_keys: bool = False,
) -> None:
    """Check every setting of a config node (at `key`, "" for the root) against what `target`
    declares.

    `extra`, a settings dataclass, tightens or adds declarations (its fields win); `open_keys`
    lets keys that nothing declares pass. Keys that start with `_` are Hydra's; a key whose
    interpolation cannot be resolved yet is skipped.
    """
    settings, open_ended = declared(target)
    open_ended = open_ended or open_keys
    if extra is not None:
        settings |= declared(extra)[0]
    for name in node:
        if str(name).startswith("_"):
            continue
        path = f"{key}.{name}" if key else str(name)
        if isinstance(node, DictConfig) and OmegaConf.is_missing(node, name):
            raise UserError(f"{path} has no value; give it on the command line: {path}=...")
        try:
            value = node[name]
        except Exception:  # an interpolation that resolves only once the run starts
            continue
        if name not in settings:
            if open_ended:
                continue
            known = ", ".join(sorted(s for s in settings if not s.startswith("_")))
            raise UserError(f"{path} is not a setting here; the settings are: {known}.")
        check_setting(path, value, settings[name])


def checked(function: Callable) -> Callable:
    """Check a call's arguments against the function's annotations before it runs: the same
    declarations that check a config check a call from Python."""
    signature = inspect.signature(function)
    hints = functools.cache(lambda: typing.get_type_hints(function, include_extras=True))

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for name, value in signature.bind(*args, **kwargs).arguments.items():
            if name in hints():
                check_setting(name, value, hints()[name])
        return function(*args, **kwargs)

    return wrapper
