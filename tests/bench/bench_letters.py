"""Benchmark: milliseconds per award letter, and our overhead over bare WeasyPrint.

    .venv/bin/python tests/bench/bench_letters.py [--runs 30] [--warmup 5] [--output bench.json]
        [--kind offer|confirmation|visa|certificate|all]

Renders `--runs` one-page letters (English, French and Spanish in turn, each
with its own delegate and reference) through `LetterRenderer.render`, the
whole path: Babel formatting, Jinja, the QR code, WeasyPrint, PDF/A-3b. In the
same run, interleaved letter by letter, bare WeasyPrint renders the very same
final HTML with the same fetcher, fonts, pre-parsed stylesheets and options,
so `letter_ratio_to_weasyprint` (our median over its median) is what our own
layers cost on top of WeasyPrint's work. Prints JSON; `--output` also writes it.

Not collected by pytest (the name does not start with `test_`).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `sponsorship` imports the top-level config module
    sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from sponsorship.documents.context import LetterContext  # noqa: E402
from sponsorship.documents.fetcher import STATIC_SCHEME  # noqa: E402
from sponsorship.documents.render import OUTPUT_INTENT, PDF_VARIANT, LetterRenderer  # noqa: E402
from tests.letter_data import sample_context  # noqa: E402

STATES = {"en": "Cambodia", "fr": "Cambodge", "es": "Camboya"}
NAMES = ("Sokha Chenda Lim", "María-José Ñúñez", "Amadou Diallo", "Nguyễn Thị Lan", "Zoë Okafor")


def context(i: int, kind: str = "offer") -> LetterContext:
    """The sample document of `kind`, in the i-th language, to the i-th delegate."""
    language = ("en", "fr", "es")[i % 3]
    return sample_context(
        kind=kind,
        travel_out_on="2026-11-30",
        travel_back_on="2026-12-06",
        passport_number=f"P{i:07d}",
        passport_expiry="2031-05-01",
        reference=f"SP-2026-MSP22-{i:04d}",
        language=language,
        state_name=STATES[language],
        delegate_name=NAMES[i % len(NAMES)],
        delegate_function="Deputy Director, National Mine Action Centre",
        answer_url=f"https://sponsorship.example.org/offers/{i}/answer",
        verification_code=f"K7Q2-{i:04d}",
        verification_url=f"https://sponsorship.example.org/verify/K7Q2-{i:04d}",
    )


def bare_weasyprint(renderer: LetterRenderer, html: str, language: str) -> bytes:
    """WeasyPrint alone, as it comes (with its own HTML5 user-agent stylesheet, where our
    letters have a leaner one: sponsorship/documents/ua.py), on the final HTML: same
    fetcher, fonts, stylesheets, options."""
    return HTML(string=html, base_url=f"{STATIC_SCHEME}:", url_fetcher=renderer.fetcher).write_pdf(
        font_config=renderer.font_config,
        stylesheets=renderer.stylesheets(language),
        color_profiles={OUTPUT_INTENT: renderer.srgb_profile},
        pdf_variant=PDF_VARIANT,
        output_intent=OUTPUT_INTENT,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


KINDS = ("offer", "confirmation", "visa", "certificate")


def measure(renderer: LetterRenderer, kind: str, runs: int, warmup: int) -> dict:
    """The figures of `runs` documents of `kind`, ours and bare WeasyPrint interleaved."""
    for i in range(warmup):
        ctx = context(10_000 + i, kind)
        renderer.render(ctx)
        bare_weasyprint(renderer, renderer.render_html(ctx), ctx.language)

    ours, bare, html_only, pages = [], [], [], set()
    ours_cpu, bare_cpu = [], []
    for i in range(runs):
        ctx = context(i, kind)

        t0, c0 = time.perf_counter(), time.process_time()
        pdf = renderer.render(ctx)
        ours.append((time.perf_counter() - t0) * 1000)
        ours_cpu.append((time.process_time() - c0) * 1000)

        t0 = time.perf_counter()
        html = renderer.render_html(ctx)
        html_only.append((time.perf_counter() - t0) * 1000)

        t0, c0 = time.perf_counter(), time.process_time()
        bare_weasyprint(renderer, html, ctx.language)
        bare.append((time.perf_counter() - t0) * 1000)
        bare_cpu.append((time.process_time() - c0) * 1000)

        pages.add(len(PdfReader(io.BytesIO(pdf)).pages))

    return {
        "letter_ms_p50": round(statistics.median(ours), 1),
        "letter_ms_p90": round(percentile(ours, 0.9), 1),
        "letter_ratio_to_weasyprint": round(statistics.median(ours) / statistics.median(bare), 3),
        "weasyprint_ms_p50": round(statistics.median(bare), 1),
        "weasyprint_ms_p90": round(percentile(bare, 0.9), 1),
        "template_ms_p50": round(statistics.median(html_only), 2),
        # CPU time, which other work on a shared machine disturbs far less than wall time.
        "letter_cpu_ms_p50": round(statistics.median(ours_cpu), 1),
        "weasyprint_cpu_ms_p50": round(statistics.median(bare_cpu), 1),
        "letter_cpu_ratio_to_weasyprint": round(
            statistics.median(ours_cpu) / statistics.median(bare_cpu), 3
        ),
        "pages_per_letter": sorted(pages),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--kind",
        default="offer",
        choices=(*KINDS, "all"),
        help="all: every kind in turn; the offer's figures at the top level, each kind's "
        "under letters_by_kind",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    renderer = LetterRenderer()
    startup_ms = (time.perf_counter() - started) * 1000

    kinds = KINDS if args.kind == "all" else (args.kind,)
    by_kind = {kind: measure(renderer, kind, args.runs, args.warmup) for kind in kinds}
    result = {
        **by_kind[kinds[0]],
        "renderer_startup_ms": round(startup_ms, 1),
        "kind": args.kind,
        "runs": args.runs,
        "warmup": args.warmup,
        "pdf_variant": PDF_VARIANT,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if args.kind == "all":
        result["letters_by_kind"] = by_kind
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
