"""The house limits (ARCHITECTURE.md, "House, second floor"): modules under 500 lines,
functions under 80. When one grows, it is split along the domain, not into `utils`.

Read with `ast`, nothing imported: every module of the package, every function and
method in it (nested ones too), migrations excepted.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sponsorship"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _long_functions(path: Path, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                found.append(f"{_name(path)}:{node.lineno} {node.name}() is {lines} lines")
    return found


def test_the_walk_finds_the_package():
    names = {_name(p) for p in _modules()}
    assert "sponsorship/__init__.py" in names
    assert "sponsorship/review/scoring.py" in names


def test_modules_and_functions_keep_to_the_house_limits():
    too_long = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{_name(path)} is {lines} lines")
        too_long += _long_functions(path, source)
    assert not too_long, (
        f"Over the house limits (modules {MAX_MODULE_LINES} lines, functions "
        f"{MAX_FUNCTION_LINES}); split along the domain, not into utils:\n" + "\n".join(too_long)
    )
