"""Server-rendered, accessible SVG charts: no JavaScript needed.

A label is never cut: a bar's label sits in full above its bar and wraps at the
chart's width, a column's under its column (issue 23: "enty-Second Meeting of the").
"""

from __future__ import annotations

import math
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


#: Average advance of a character at the charts' 12 px font, generously rounded up
#: (Noto Sans and the browsers' sans-serif average about 6.2 px): a line of labels
#: is wrapped before it could reach the chart's edge.
CHAR_WIDTH = 7.0
FONT_SIZE = 12
LINE = 15
BAR_COLOUR = "#1f5f8b"


def wrap(label: str, width: int) -> list[str]:
    """`label` in lines of at most `width` characters, broken at spaces (a word longer
    than a line is broken inside): every character of the label is kept."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    return lines


def _text(x: float, y: float, lines: list[str], anchor: str = "start", weight: str = "") -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if n == 0 else LINE}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT_SIZE}"'
        f"{bold}>{spans}</text>"
    )


def _open_svg(title: str, width: int, height: int, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="{css_class}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]


def bar_chart(
    title: str,
    items: Sequence[tuple[str, Decimal | int]],
    *,
    width: int = 360,
    bar: int = 16,
    shown: Sequence[str] | None = None,
) -> Markup:
    """A horizontal bar chart, each label in full on the line(s) above its bar (never
    cut: long labels wrap); role="img" with a <title>, its data table beside it.

    `shown`, if given, is how each value is written at the end of its bar."""
    per_line = int((width - 4) / CHAR_WIDTH)
    labels = [wrap(str(label), per_line) for label, _value in items]
    value_room = 12 + CHAR_WIDTH * max((len(str(v)) for v in (shown or [])), default=6)
    top = max((float(v) for _, v in items), default=0) or 1.0
    parts: list[str] = []
    y = 4.0
    for n, (_label, value) in enumerate(items):
        parts.append(_text(2, y + FONT_SIZE, labels[n]))
        y += LINE * len(labels[n]) + 3
        w = max((width - value_room) * float(value) / top, 1 if value else 0)
        written = shown[n] if shown is not None else str(value)
        parts.append(
            f'<rect x="2" y="{y:.1f}" width="{w:.1f}" height="{bar}" fill="{BAR_COLOUR}"></rect>'
            + _text(w + 8, y + bar - 3.5, [written], weight="700")
        )
        y += bar + 10
    height = int(max(y, 20))
    return Markup(  # noqa: S704 - every value above is escaped
        "".join(_open_svg(title, width, height, "chart") + parts + ["</svg>"])
    )


def _label_step(labels: Sequence[Sequence[str]], written: Sequence[str], slot: float) -> int:
    """Write every step-th column's label and value, counted back from the latest.

    With many periods (twenty years) a year or a value is wider than its column and
    ran into its neighbours ("200720082009..."); the table beside the chart lists every
    period with its figure, so the chart names only as many as fit."""
    widest = max(
        [len(line) for lines in labels for line in lines] + [len(w) for w in written], default=0
    )
    return max(1, math.ceil(widest * CHAR_WIDTH / slot))


def column_chart(
    title: str,
    items: Sequence[tuple[str, Decimal | int]],
    *,
    width: int = 360,
    height: int = 200,
    shown: Sequence[str] | None = None,
) -> Markup:
    """A trend: one column per period (years), its value above it and its label, which
    is short, under it. Labels longer than a column's width wrap, never cut."""
    count = max(1, len(items))
    # A column no wider than 72 units: one year is a column, not a wall.
    slot = min((width - 8) / count, 72)
    per_line = max(4, int(slot / CHAR_WIDTH))
    labels = [wrap(str(label), per_line) for label, _value in items]
    label_lines = max((len(lines) for lines in labels), default=1)
    base = height - 8 - LINE * label_lines
    room = base - 28
    top = max((float(v) for _, v in items), default=0) or 1.0
    written = list(shown) if shown is not None else [str(v) for _label, v in items]
    step = _label_step(labels, written, slot)
    parts = [f'<line x1="2" y1="{base}" x2="{width - 2}" y2="{base}" stroke="#5b6875"></line>']
    for n, (_label, value) in enumerate(items):
        x = 4 + n * slot
        h = max(room * float(value) / top, 1 if value else 0)
        centre = x + slot / 2
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{BAR_COLOUR}"></rect>'
        )
        if (count - 1 - n) % step == 0:
            parts.append(
                _text(centre, base - h - 6, [written[n]], anchor="middle", weight="700")
                + _text(centre, base + LINE, labels[n], anchor="middle")
            )
    return Markup(  # noqa: S704 - every value above is escaped
        "".join(_open_svg(title, width, height, "chart trend") + parts + ["</svg>"])
    )
