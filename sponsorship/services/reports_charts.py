"""Server-rendered, accessible SVG bar charts: no JavaScript needed."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape


def bar_chart(
    title: str, items: Sequence[tuple[str, Decimal | int]], *, width: int = 480, bar: int = 22
) -> Markup:
    """A horizontal bar chart; role="img" with a <title>, the data table sits beside it."""
    label_w, gap = 170, 6
    height = max(1, len(items)) * (bar + gap) + gap
    top = max((float(v) for _, v in items), default=0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, value) in enumerate(items):
        y = gap + n * (bar + gap)
        w = (width - label_w - 60) * float(value) / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" '
            f'font-size="12">{escape(str(label)[:28])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="#1f5f8b"></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.7:.1f}" font-size="12">'
            f"{escape(str(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped
