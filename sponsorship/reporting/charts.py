"""Server-rendered, accessible SVG bar charts: no JavaScript needed."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

#: Bars drawn at most; the smaller values beyond are drawn as one "others" bar.
MAX_BARS = 15


def largest(items: Sequence[tuple], others: str, limit: int = MAX_BARS) -> list[tuple]:
    """`(label, value, *more)` items: the `limit - 1` largest by value in their order,
    and the rest as one `(others, their sum, *their sums)`.

    A chart of three hundred States is unreadable (and slow to lay out); the page
    shows what the chart shows and the exports keep every row."""
    if len(items) <= limit:
        return list(items)
    keep = set(sorted(range(len(items)), key=lambda i: -items[i][1])[: limit - 1])
    rest = [item for i, item in enumerate(items) if i not in keep]
    summed = tuple(sum(column) for column in zip(*(item[1:] for item in rest), strict=True))
    return [item for i, item in enumerate(items) if i in keep] + [(others, *summed)]


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
