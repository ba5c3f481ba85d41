"""The mutation runner's own rules (tests/mutation/run.py): what it rewrites in its
scratch copy and how it scores."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "mutation" / "run.py"


@pytest.fixture(scope="module")
def runner():
    spec = importlib.util.spec_from_file_location("mutation_run", RUNNER)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_run"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules["mutation_run"]


def test_undecorate_applies_the_decorator_after_the_module_keeping_the_name(runner, tmp_path):
    """Rule: `@retried def f` becomes `def f` plus `f = retried(f)` at the end, so the
    module defines the same wrapped function and mutmut can mutate its body."""
    source = tmp_path / "m.py"
    source.write_text(
        "from contextlib import contextmanager\n"
        "def retried(f):\n    f.wrapped = True\n    return f\n\n"
        "@retried\ndef allocate():\n    return 1\n\n"
        "@contextmanager\ndef unit():\n    yield 2\n\n"
        "@property\ndef left_alone():\n    return 3\n"
    )
    runner._undecorate(source)
    text = source.read_text()
    assert "@retried" not in text and "@contextmanager" not in text and "@property" in text
    namespace: dict = {}
    exec(compile(text, str(source), "exec"), namespace)  # noqa: S102 - our own fixture
    assert namespace["allocate"].wrapped and namespace["allocate"]() == 1
    with namespace["unit"]() as value:
        assert value == 2


def test_score_leaves_out_equivalent_and_import_time_mutants(runner, tmp_path, monkeypatch):
    """Rule: score = killed / (mutants - excluded); a mutant killed on PostgreSQL counts
    as killed; an excluded mutant that was killed is flagged, not excluded."""
    module = runner.Module("m", "pkg/m.py", ("test_m.py",), ("test_pg.py",))
    monkeypatch.setattr(runner, "SCRATCH", tmp_path)
    verdicts = {
        "pkg.m.x_f__mutmut_1": 1,
        "pkg.m.x_f__mutmut_2": 0,
        "pkg.m.x_f__mutmut_3": 0,
        "pkg.m.x_f__mutmut_4": 0,
        "pkg.m.x_f__mutmut_5": 33,
    }
    for name, found in (("m", verdicts), ("m-pg", {"pkg.m.x_f__mutmut_4": 1})):
        meta = tmp_path / name / "mutants" / "pkg" / "m.py.meta"
        meta.parent.mkdir(parents=True)
        meta.write_text(json.dumps({"exit_code_by_key": found}))
    excluded = {
        "pkg.m.x_f__mutmut_2": ("equivalent", "why"),
        "pkg.m.x_f__mutmut_3": ("import_time", "why"),
        "pkg.m.x_f__mutmut_1": ("equivalent", "stale"),
    }
    report = runner._module_report(module, excluded)
    assert (report["mutants"], report["killed"], report["survived"]) == (5, 2, 1)
    assert (report["equivalent"], report["import_time"]) == (1, 1)
    assert report["score"] == round(2 / 3, 4)
    assert report["survivors"] == ["pkg.m.x_f__mutmut_5"]
    assert report["excluded_but_not_surviving"] == ["pkg.m.x_f__mutmut_1"]


def test_only_the_locking_functions_survivors_are_retried_on_postgresql(runner):
    """Rule: the PostgreSQL retry is for the locking code: a mutant is retried there when
    its function (or method) is one of the module's `pg_functions`."""
    assert runner.function_of("sponsorship.review.decisions.x_offer__mutmut_3") == "offer"
    assert runner.function_of("sponsorship.funding.ledger.x__choose__mutmut_9") == "_choose"
    assert runner.function_of("pkg.m.xǁFetcherǁ_fetch_data__mutmut_18") == "_fetch_data"
    decisions = next(m for m in runner.MODULES if m.name == "decisions")
    assert "_locked_award" in decisions.pg_functions
