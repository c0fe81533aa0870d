"""The house's rules (README, "Where things are"): the import contracts of pyproject.toml
(layers, no circles, services never import tasks) and the size of modules and functions.

Import-linter reads every import, those inside functions included, so an import moved into
a function to dodge a circle breaks the contract as surely as one at the top."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# The project's own packages (tests aside): the apps, the base and the shell.
PACKAGES = [
    "assistance",
    "members",
    "verification",
    "meetings",
    "intake",
    "dashboards",
    "office",
    "benchmarks",
]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _lint_imports(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT, ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers(tmp_path):
    """The same kind of contract, on two throwaway packages: a base module that imports an
    app inside a function is reported, so the project's contract is not vacuous."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "__init__.py").write_text("")
    (tmp_path / "base" / "roles.py").write_text(
        textwrap.dedent(
            """
            def who():
                from app.models import Unit

                return Unit
            """
        )
    )
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text("import base.roles\n\nUnit = object\n")
    config = tmp_path / "contracts.ini"
    config.write_text(
        textwrap.dedent(
            """
            [importlinter]
            root_packages =
                app
                base

            [importlinter:contract:layers]
            name = Apps above the base
            type = layers
            layers =
                app
                base
            """
        )
    )
    result = _lint_imports(tmp_path, config)
    assert result.returncode == 1
    assert "base.roles -> app.models" in result.stdout


def _project_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _oversized(paths):
    modules, functions = [], []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES:
            modules.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    functions.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return modules, functions


def test_modules_and_functions_are_small_enough_to_read():
    modules, functions = _oversized(_project_modules())
    assert not modules, f"Modules over {MAX_MODULE_LINES} lines: split them by job: {modules}"
    assert not functions, (
        f"Functions over {MAX_FUNCTION_LINES} lines: split them into steps: {functions}"
    )


@pytest.mark.parametrize(
    "body, expected",
    [("x = 1\n" * (MAX_MODULE_LINES + 1), "module"), ("def f():\n" + "    x = 1\n" * 90, "f")],
)
def test_the_size_check_sees_a_long_module_and_a_long_function(tmp_path, body, expected):
    path = tmp_path / "long.py"
    path.write_text(body)
    modules, functions = _oversized([path])
    found = modules if expected == "module" else functions
    assert len(found) == 1
    assert expected == "module" or f" {expected}: 91 lines" in found[0]
