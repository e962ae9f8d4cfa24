"""Package names imported on first use (PEP 562), so that importing one light module of a package
does not import every heavy one beside it."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_names(package: str, module_of: dict[str, str]) -> tuple[Callable, Callable]:
    """(`__getattr__`, `__dir__`) for `package`, where `module_of` maps each exported name to the
    submodule that defines it."""

    def __getattr__(name: str):
        if name not in module_of:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module_of[name]}"), name)

    def __dir__() -> list[str]:
        return sorted(module_of)

    return __getattr__, __dir__
