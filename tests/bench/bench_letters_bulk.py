"""Benchmark the bulk path: 200 letters through `flask letters issue` on a scratch SQLite DB.

    .venv/bin/python -m tests.bench.bench_letters_bulk [--letters N] [--merge F] [--output F]

Builds a scratch SQLite database with the real migrations and one meeting with N
offered awards (each its own State), then runs the CLI command (a process pool on
both cores, one renderer per process) and times it. Also reruns it to prove no letter
is issued twice. `--merge` folds in the JSON of tests/bench/bench_letters.py; keys
already in `--output` are kept unless this run measures them. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from sponsorship.extensions import db  # noqa: E402
from sponsorship.models import Letter  # noqa: E402
from tests.applicant_data import offered_award  # noqa: E402
from tests.apps import build_app  # noqa: E402
from tests.factories import AwardCostLineFactory, StateFactory  # noqa: E402


def _cpu_seconds() -> float:
    """User and system CPU of this process and its waited-for children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(n: int) -> int:
    first = offered_award(StateFactory())
    meeting = first.delegate.application.meeting
    awards = [first] + [offered_award(StateFactory(), meeting=meeting) for _ in range(n - 1)]
    for award in awards:
        AwardCostLineFactory(award=award)
    db.session.commit()
    return meeting.id


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--merge", type=Path, help="JSON from bench_letters.py to fold in")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(f"sqlite:///{tmp}/bench.db", reset=True, PUBLIC_BASE_URL="https://x.org")
        with app.app_context():
            meeting_id = build(args.letters)
        runner = app.test_cli_runner()
        command = ["letters", "issue", "--meeting", str(meeting_id)]
        command += ["--workers", str(args.workers)]
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        result = runner.invoke(args=command)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        if result.exit_code != 0:
            sys.stderr.write(result.output)
            raise SystemExit(f"letters issue failed: {result.exception!r}")
        rerun = runner.invoke(args=command)
        with app.app_context():
            count = db.session.scalar(select(func.count(Letter.id)))

    if count != args.letters:
        raise SystemExit(f"expected {args.letters} letters, found {count} (rerun: {rerun.output})")
    # ru_maxrss is in KiB on Linux: the largest of the rendering processes.
    worker_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {
        f"bulk_{args.letters}_letters_s": round(elapsed, 2),
        "bulk_workers": args.workers,
        "bulk_letters_per_s": round(args.letters / elapsed, 1),
        # CPU seconds of the run (this process and its rendering workers): on a machine
        # shared with other work, cpu / workers is what the run costs on idle cores.
        f"bulk_{args.letters}_letters_cpu_s": round(cpu, 2),
        "bulk_worker_peak_rss_mb": round(worker_peak_mb, 1),
        "bulk_main_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }
    merged: dict = {}
    if args.output and args.output.exists():
        merged.update(json.loads(args.output.read_text(encoding="utf-8")))
    if args.merge:
        merged.update(json.loads(args.merge.read_text(encoding="utf-8")))
    merged.update(figures)
    text = json.dumps(merged, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    return merged


if __name__ == "__main__":
    main()
