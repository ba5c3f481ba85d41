"""`make mutation`: mutation testing of the money core, the fetcher and the review rules.

Why mutmut 3 (and not cosmic-ray): mutmut compiles every mutant of a file into one
copy of it, behind a switch, imports the app and the tests once, records which tests
run each function, and then forks one child per mutant that runs only those tests. A
mutant costs a fork and a few tests, not a fresh interpreter importing Flask,
SQLAlchemy and the app; cosmic-ray rewrites the file on disk and starts the whole test
command again for every mutant, and edits the checked-out source while it runs. mutmut
also never touches the working tree: it works on a copy under `mutants/`.

Each module is tested in its own scratch copy of the repository (`.mutation/<name>/`,
ignored by git) against the smallest test selection that exercises it, on SQLite.
When TEST_DATABASE_URL is set, the mutants of the locking code that survive on SQLite
are tried again on that database (PostgreSQL) with the tests that use real, separate
connections: a dropped FOR UPDATE only shows there.

Writes `mutation.json` at the repository root and prints a table. Mutants that cannot
change behaviour are listed, each with its reason, in tests/mutation/equivalents.toml;
score = killed / (mutants - equivalent).

    python tests/mutation/run.py                 # every module, from scratch
    python tests/mutation/run.py ledger pricing  # some modules
    python tests/mutation/run.py --resume ledger # keep earlier verdicts, rerun survivors
    python tests/mutation/run.py --finish ledger # keep verdicts, run mutants not yet run
    python tests/mutation/run.py --report        # only rebuild mutation.json from .mutation/
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = ROOT / ".mutation"
EQUIVALENTS = ROOT / "tests" / "mutation" / "equivalents.toml"
REPORT = ROOT / "mutation.json"
COPIED = ["sponsorship", "tests", "templates", "static", "migrations"]
COPIED_FILES = ["config.py", "babel.cfg", "pyproject.toml"]
# Exit codes of a mutant's test run, as mutmut records them (mutmut.stats).
KILLED = {1, 3, 36, 24, -24, 152, 255, -11, -9, 37}  # a failure, a timeout or a crash
UNIT = "tests/unit/"


@dataclass(frozen=True)
class Module:
    name: str
    path: str
    tests: tuple[str, ...]
    #: Tests with separate connections, for the mutants that survive on SQLite.
    pg_tests: tuple[str, ...] = ()
    #: Further pytest arguments narrowing the selection (a `-k` expression).
    narrowing: tuple[str, ...] = ()
    #: The functions whose SQLite survivors are tried again on PostgreSQL (those that
    #: take or depend on row locks); empty: every survivor. The separate-connection
    #: tests take seconds each, and a changed message cannot fail them anyway.
    pg_functions: tuple[str, ...] = ()


LEDGER_TESTS = (
    "test_ledger.py",
    "test_ledger_contributions.py",
    "test_ledger_unit_of_work.py",
    "test_ledger_rules.py",
)
LOCK_TESTS = ("test_ledger_concurrency.py", "test_lock_rules.py")

MODULES = [
    Module(
        "ledger",
        "sponsorship/funding/ledger.py",
        # The pinned contribution (`_pinned`) is exercised by the co-funding tests only.
        LEDGER_TESTS + ("test_cofunding.py",),
        LOCK_TESTS,
        pg_functions=("locked", "lock_award", "locked_allocations", "_choose", "release"),
    ),
    Module("balances", "sponsorship/funding/balances.py", LEDGER_TESTS),
    Module(
        "books",
        "sponsorship/funding/books.py",
        # The spend-approval checks (payments, four-eyes) are exercised by the payments tests.
        ("test_ledger.py", "test_ledger_rules.py", "test_payments.py", "test_books_rules.py"),
    ),
    Module(
        "waiting_list",
        "sponsorship/funding/waiting_list.py",
        ("test_ledger.py", "test_decisions.py", "test_ledger_rules.py"),
    ),
    Module("earmarks", "sponsorship/funding/earmarks.py", LEDGER_TESTS),
    Module(
        "transaction",
        "sponsorship/core/transaction.py",
        ("test_ledger_unit_of_work.py", "test_retries.py", "test_ledger_rules.py"),
        LOCK_TESTS,
    ),
    Module("money_types", "sponsorship/models/base.py", ("test_money.py", "test_money_rules.py")),
    Module("money", "sponsorship/core/money.py", ("test_money.py", "test_money_rules.py")),
    Module(
        "fetcher",
        "sponsorship/documents/fetcher.py",
        ("test_letters_render.py", "test_fetcher_rules.py"),
        narrowing=("-k", "fetch"),  # the fetcher's tests, not every letter rendered
    ),
    Module(
        "pricing",
        "sponsorship/review/pricing.py",
        # The covered cost kinds and the co-funded share are priced in the co-funding tests.
        ("test_pricing.py", "test_pricing_rules.py", "test_cofunding.py"),
        ("test_decisions_concurrency.py", "test_lock_rules.py"),
        pg_functions=("hold_application", "price"),
    ),
    Module(
        "scoring", "sponsorship/review/scoring.py", ("test_scoring.py", "test_scoring_rules.py")
    ),
    Module(
        "decisions",
        "sponsorship/review/decisions.py",
        ("test_decisions.py", "test_decisions_rules.py"),
        ("test_decisions_concurrency.py", "test_lock_rules.py"),
        pg_functions=("_locked_award", "offer", "cancel", "expire_offers"),
    ),
]


def _mutmut_config(module: Module, tests: tuple[str, ...]) -> str:
    selection = [UNIT + t for t in tests if (ROOT / UNIT / t).exists()] + list(module.narrowing)
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["sponsorship"]\n'
        f"only_mutate = [{json.dumps(module.path)}]\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(selection)}\n"
        f"also_copy = {json.dumps(COPIED[2:] + COPIED_FILES[:2])}\n"
        "use_git_change_detection = false\n"
    )


#: A top-level function under one plain-name decorator; see `_undecorate`.
_DECORATED = re.compile(r"^@(retried|contextmanager)\n(def (\w+)\()", re.MULTILINE)


def _undecorate(path: Path) -> None:
    """mutmut leaves every decorated function alone (it cannot put its switch behind a
    decorator), and so would never mutate `unit_of_work` or the `@retried` services. In
    the scratch copy, `@d def f` becomes `def f` ... `f = d(f)` at the end of the
    module: the same object under the same name once the module is imported, whose body
    mutmut can now mutate. Nothing in these modules calls them while importing."""
    source = path.read_text()
    wrapped = _DECORATED.findall(source)
    if wrapped:
        source = _DECORATED.sub(r"\2", source)
        source += "\n" + "".join(f"{name} = {deco}({name})\n" for deco, _, name in wrapped)
        path.write_text(source)


def _prepare(workdir: Path, module: Module, tests: tuple[str, ...], fresh: bool) -> None:
    """A copy of the repository to run mutmut in: mutmut works on `mutants/` inside it
    and so never on the files of the checkout (nor of the installed package)."""
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mutation", "mutants")
    for name in COPIED:
        shutil.copytree(ROOT / name, workdir / name, ignore=ignore, dirs_exist_ok=True)
    for name in COPIED_FILES:
        shutil.copy2(ROOT / name, workdir / name)
    with open(workdir / "pyproject.toml", "a") as f:
        f.write(_mutmut_config(module, tests))
    _undecorate(workdir / module.path)
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "-q", "compile", "-d", "sponsorship/translations"], cwd=workdir, check=True
    )


def _mutmut(workdir: Path, names: list[str], database_url: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TEST_DATABASE_URL")}
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    # One worker, at low priority: the run is long and the machine is shared.
    command = ["nice", "-n", "15", sys.executable, "-m", "mutmut", "run", "--max-children", "1"]
    log = open(workdir / "mutmut.log", "a")  # noqa: SIM115 - closed below
    try:
        subprocess.run(command + names, cwd=workdir, env=env, stdout=log, stderr=log, check=False)
    finally:
        log.close()


def verdicts(workdir: Path, module: Module) -> dict[str, int | None]:
    meta = workdir / "mutants" / (module.path + ".meta")
    if not meta.exists():
        return {}
    return json.loads(meta.read_text())["exit_code_by_key"]


def function_of(mutant: str) -> str:
    """`pkg.mod.x_offer__mutmut_3` -> `offer`; a method's mutant gives the method."""
    name = mutant.rsplit(".", 1)[1].split("__mutmut_")[0]
    return name.removeprefix("x_").rsplit("ǁ", 1)[-1]


def run_module(module: Module, *, resume: bool = False, finish: bool = False) -> None:
    """Run the module's mutants; `resume` keeps the verdicts and runs the survivors
    again (after new tests), `finish` keeps them and runs those not yet run."""
    started = time.monotonic()
    workdir = SCRATCH / module.name
    seconds = workdir / "seconds"
    earlier = int(seconds.read_text()) if (resume or finish) and seconds.exists() else 0
    _prepare(workdir, module, module.tests, fresh=not (resume or finish))
    names: list[str] = []
    if resume and verdicts(workdir, module):
        names = [k for k, v in verdicts(workdir, module).items() if v not in KILLED | {None}]
        if not names:
            return
    _mutmut(workdir, names, None)
    database_url = os.environ.get("TEST_DATABASE_URL")
    if module.pg_tests and database_url:
        alive = [
            k
            for k, v in verdicts(workdir, module).items()
            if v not in KILLED | {None}
            and (not module.pg_functions or function_of(k) in module.pg_functions)
        ]
        pg_dir = SCRATCH / (module.name + "-pg")
        _prepare(pg_dir, module, module.pg_tests, fresh=True)
        if alive:
            _mutmut(pg_dir, alive, database_url)
    seconds.write_text(f"{earlier + time.monotonic() - started:.0f}")


def _module_report(module: Module, excluded: dict[str, tuple[str, str]]) -> dict | None:
    workdir = SCRATCH / module.name
    found = verdicts(workdir, module)
    if not found:
        return None
    on_pg = verdicts(SCRATCH / (module.name + "-pg"), module)
    killed = sorted(k for k, v in found.items() if v in KILLED or on_pg.get(k) in KILLED)
    # A run stopped before the end leaves mutants without a verdict: counted apart.
    unchecked = sorted(k for k, v in found.items() if v is None and k not in killed)
    alive = sorted(set(found) - set(killed) - set(unchecked))
    equivalent = sorted(k for k in alive if excluded.get(k, ("",))[0] == "equivalent")
    import_time = sorted(k for k in alive if excluded.get(k, ("",))[0] == "import_time")
    survived = sorted(set(alive) - set(equivalent) - set(import_time))
    stale = sorted(
        k
        for k in excluded
        if k.startswith(_prefix(module)) and k not in alive and k not in unchecked
    )
    seconds = workdir / "seconds"
    denominator = len(found) - len(unchecked) - len(equivalent) - len(import_time)
    return {
        "file": module.path,
        "tests": [UNIT + t for t in module.tests],
        "postgresql_tests": [UNIT + t for t in module.pg_tests] if on_pg else [],
        "mutants": len(found),
        "killed": len(killed),
        "survived": len(survived),
        "equivalent": len(equivalent),
        "import_time": len(import_time),
        "not_checked": len(unchecked),
        "score": round(len(killed) / denominator, 4) if denominator else 1.0,
        "seconds": int(seconds.read_text()) if seconds.exists() else None,
        "survivors": survived,
        # Listed as equivalent but killed (or gone): the list needs updating.
        "excluded_but_not_surviving": stale,
    }


def _prefix(module: Module) -> str:
    return module.path.removesuffix(".py").replace("/", ".") + "."


def load_equivalents() -> dict[str, tuple[str, str]]:
    """Mutant name -> (kind, reason): "equivalent" (cannot change behaviour) or
    "import_time" (runs only while the app is imported: mutmut cannot switch it on)."""
    data = tomllib.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    return {
        name: (kind, reason)
        for kind in ("equivalent", "import_time")
        for name, reason in data.get(kind, {}).items()
    }


def report(modules: list[Module]) -> dict:
    equivalents = load_equivalents()
    previous = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    results = dict(previous.get("modules", {}))
    for module in modules:
        entry = _module_report(module, equivalents)
        if entry is not None:
            results[module.name] = entry
    out = {"tool": "mutmut " + _mutmut_version(), "modules": results}
    REPORT.write_text(json.dumps(out, indent=2) + "\n")
    return out


def _mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")


def print_table(out: dict) -> None:
    print(
        f"{'module':<14}{'mutants':>8}{'killed':>8}{'survived':>9}{'equiv.':>7}"
        f"{'import':>7}{'unrun':>7}{'score':>8}{'s':>6}"
    )
    for name, m in out["modules"].items():
        print(
            f"{name:<14}{m['mutants']:>8}{m['killed']:>8}{m['survived']:>9}"
            f"{m['equivalent']:>7}{m.get('import_time', 0):>7}{m.get('not_checked', 0):>7}"
            f"{m['score']:>8.1%}"
            f"{m['seconds'] or '':>6}"
        )
        for survivor in m["survivors"]:
            print(f"    survived: {survivor}")
    seconds = sum(m["seconds"] or 0 for m in out["modules"].values())
    print(f"run time of these modules' last runs: {seconds} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module names (default: all)")
    parser.add_argument("--resume", action="store_true", help="keep verdicts, rerun survivors")
    parser.add_argument("--finish", action="store_true", help="keep verdicts, run the unrun")
    parser.add_argument("--report", action="store_true", help="only rebuild mutation.json")
    args = parser.parse_args()
    by_name = {m.name: m for m in MODULES}
    unknown = set(args.modules) - set(by_name)
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; known: {sorted(by_name)}")
    chosen = [by_name[n] for n in args.modules] or MODULES
    if not args.report:
        for module in chosen:
            print(f"== {module.name} ({module.path})", flush=True)
            run_module(module, resume=args.resume, finish=args.finish)
    print_table(report(chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
