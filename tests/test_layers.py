"""The layers of src/rnnlab/ (pyproject.toml's [tool.importlinter]): checked as `make lint` checks
them, and every package of the project placed in them."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "rnnlab"


def contracts() -> list[dict]:
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())
    return settings["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_every_package_has_a_layer_and_says_what_it_holds():
    (layers,) = [c["layers"] for c in contracts() if c["type"] == "layers"]
    packages = {f"rnnlab.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(layers)
    for package in PACKAGE.rglob("__init__.py"):
        docstring = ast.get_docstring(ast.parse(package.read_text()))
        assert docstring, f"{package} has no docstring"
        if package.parent != PACKAGE / "inspect":  # the page's entry, documented at length
            assert "\n" not in docstring, f"{package}: one line says what the folder holds"


def test_few_modules_stand_beside_the_folders():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py"]


def function_level_imports() -> list[tuple[Path, int, str]]:
    """(file, line, the line above) of every import inside a function of the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        here = lines[inner.lineno - 1]
                        above = lines[inner.lineno - 2]
                        found.append((path, inner.lineno, here + above))
    return found


def test_an_import_inside_a_function_gives_its_measured_reason():
    unexplained = [
        f"{path.relative_to(REPO)}:{line}"
        for path, line, text in function_level_imports()
        if "measured" not in text
    ]
    assert not unexplained, "imports at module level, or a comment with the measured cost"


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("rnnlab")
    circles = [
        (importer, imported)
        for importer in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if graph.chain_exists(importer=imported, imported=importer)
    ]
    assert not circles, "each pair imports the other, directly or through others"
