"""The README matches the app (issue 23): every setting the code reads from the
environment is in one of its configuration tables, every table entry is read by the
code, and every `flask` command group the app registers is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Helpers in config.py that read a variable by name.
READERS = {"_bool"}


def _name_read(node: ast.AST) -> str | None:
    """The variable a call or subscript reads from the environment, if it is one."""
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        called = ast.unparse(func)
        if called in ("os.environ.get", "os.getenv", "environ.get") or called in READERS:
            return node.args[0].value
    environ = isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
    if environ and isinstance(node.slice, ast.Constant):
        return node.slice.value
    return None


def settings_read_by_the_code() -> set[str]:
    names = set()
    for path in [ROOT / "config.py", *sorted((ROOT / "sponsorship").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _name_read(node)
            if isinstance(name, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", name):
                names.add(name)
    return names


def settings_in_the_readme() -> set[str]:
    """Names in the first column of the README's tables of variables."""
    names = set()
    for line in README.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


def test_every_setting_the_code_reads_is_in_the_readme():
    missing = settings_read_by_the_code() - settings_in_the_readme()
    assert not missing, f"settings read by the code but not in README.md: {sorted(missing)}"


def test_every_setting_in_the_readme_is_read_by_the_code():
    # Flask and its extensions read a few settings themselves, from the app's config.
    read_by_flask = {"SESSION_COOKIE_SECURE", "LOG_REQUESTS"}
    unknown = settings_in_the_readme() - settings_read_by_the_code() - read_by_flask
    assert not unknown, f"README.md documents settings nothing reads: {sorted(unknown)}"


def test_every_command_group_is_documented(app):
    groups = [name for name in app.cli.commands]
    undocumented = [
        g for g in groups if f"flask {g}" not in README and f"sponsorship {g}" not in README
    ]
    assert not undocumented, f"flask commands missing from README.md: {undocumented}"


def test_the_readme_names_what_make_run_runs():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert run is not None
    commands = re.findall(r"\$\(FLASK\) (\w[\w-]*)", run.group(1))
    assert "bootstrap" in commands
    for command in set(commands) - {"run"}:  # `flask run` is Flask's own
        assert f"sponsorship {command}" in README, f"`make run` runs `flask {command}`"
