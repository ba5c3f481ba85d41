"""The map of the States a donor's money reached: a vendored world map, coloured here.

The map is @svg-maps/world 2.0.0 from npm (static/vendor/svg-maps-world/, CC BY 4.0,
credited under every map): one <path> per country, its id the ISO 3166-1 alpha-2
code in lower case. The file is 1.2 MB of relative coordinates to three decimals;
a map a few hundred pixels wide needs far less, so it is read once per process,
turned into absolute coordinates rounded to a tenth, and points that no longer move
dropped (a sixth of the size, 0.2 MB). Colouring happens server-side, as a fill
on the paths of the States reached, so the map needs no JavaScript and prints.
The page gives the same facts as a table beside it (WCAG 1.1.1).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
MAP_FILE = VENDOR / "svg-maps-world" / "world.svg"
VIEWBOX = "0 0 1010 666"
#: Land no money reached, and the States it did (4.6:1 on white for the legend's swatch).
LAND, REACHED, EDGE = "#dfe4e8", "#1f5f8b", "#ffffff"

_PATH = re.compile(r"<path\b([^>]*)/>")
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_TOKEN = re.compile(r"[mzMZ]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    d: str
    #: (x, y, width, height) of the country's outline on the map.
    box: tuple[float, float, float, float]

    @property
    def tiny(self) -> bool:
        """Too small to see on the map: a State reached gets a marker as well."""
        return max(self.box[2], self.box[3]) < SMALL


#: Points closer than this to the last one kept are dropped: a tenth of a percent of
#: the map's width, under half a pixel at the widths it is shown.
TOLERANCE = 1.0
#: Countries smaller than this (in map units) are marked with a dot when reached.
SMALL = 8.0


def simplify(d: str) -> str:
    """A path of relative moveto/lineto/closepath (all the map uses), its points
    closer than TOLERANCE to the last kept one dropped, written back relative in
    tenths (each step is rounded from the absolute points, so no error adds up)."""
    tokens = _TOKEN.findall(d)
    out: list[str] = []
    x = y = start_x = start_y = 0.0
    kept = (0.0, 0.0)
    new_subpath = False
    i = 0
    while i < len(tokens):
        part = tokens[i]
        if part in "mMzZ":
            if part in "zZ":
                out.append("z")
                x, y = start_x, start_y
                kept = (round(x, 1), round(y, 1))
            new_subpath = part in "mM"
            i += 1
            continue
        x += float(part)
        y += float(tokens[i + 1])
        i += 2
        point = (round(x, 1), round(y, 1))
        if new_subpath:
            start_x, start_y = x, y
            out.append(f"m{_step(point, kept)}")
            new_subpath = False
        elif max(abs(point[0] - kept[0]), abs(point[1] - kept[1])) >= TOLERANCE:
            out.append(f" {_step(point, kept)}")
        else:
            continue
        kept = point
    return "".join(out)


def _box(d: str) -> tuple[float, float, float, float]:
    """The bounding box of a path of relative moves (as `simplify` reads it)."""
    tokens = _TOKEN.findall(d)
    xs: list[float] = []
    ys: list[float] = []
    x = y = start_x = start_y = 0.0
    i, new_subpath = 0, False
    while i < len(tokens):
        if tokens[i] in "mMzZ":
            if tokens[i] in "zZ":
                x, y = start_x, start_y
            new_subpath = tokens[i] in "mM"
            i += 1
            continue
        x, y = x + float(tokens[i]), y + float(tokens[i + 1])
        if new_subpath:
            start_x, start_y, new_subpath = x, y, False
        xs.append(x)
        ys.append(y)
        i += 2
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def _step(point: tuple[float, float], origin: tuple[float, float]) -> str:
    return f"{round(point[0] - origin[0], 1):g},{round(point[1] - origin[1], 1):g}"


_countries: list[Country] | None = None
_lock = threading.Lock()


def countries() -> list[Country]:
    """The map's countries, read and simplified once per process."""
    global _countries
    if _countries is None:
        with _lock:
            if _countries is None:
                text = MAP_FILE.read_text(encoding="utf-8")
                found = [dict(_ATTR.findall(attrs)) for attrs in _PATH.findall(text)]
                _countries = [
                    Country(a["id"], a.get("aria-label", a["id"]), simplify(a["d"]), _box(a["d"]))
                    for a in found
                    if "id" in a and "d" in a
                ]
    return _countries


@dataclass(frozen=True)
class _Drawn:
    """A country as the map writes it, prepared once: its <path> as land and as a
    State reached, and its marker when it is too small to see."""

    code: str
    land: str
    reached: str
    marker: str


_drawn: list[_Drawn] | None = None


def _drawing() -> list[_Drawn]:
    """Every country's markup, made once per process: the map's geometry never
    changes, only which countries a donor's money reached."""
    global _drawn
    if _drawn is None:
        drawn = []
        for country in countries():
            path = f'<path id="map-{country.code}" d="{country.d}"'
            x, y, w, h = country.box
            marker = (
                f'<circle cx="{x + w / 2:.1f}" cy="{y + h / 2:.1f}" r="5" fill="{REACHED}" '
                f'stroke="{EDGE}" stroke-width="1.2"></circle>'
                if country.tiny
                else ""
            )
            drawn.append(
                _Drawn(country.code, path + "></path>", f'{path} fill="{REACHED}"></path>', marker)
            )
        _drawn = drawn
    return _drawn


def world_map(reached: set[str], title: str) -> Markup:
    """The world with the States whose alpha-2 codes are in `reached` filled; an
    image with a title (the table beside it carries the same facts)."""
    wanted = {code.lower() for code in reached if code}
    drawing = _drawing()
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="world-map" '
        f'viewBox="{VIEWBOX}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<g fill="{LAND}" stroke="{EDGE}" stroke-width="0.4">',
        *(c.reached if c.code in wanted else c.land for c in drawing),
        "</g>",
        *(c.marker for c in drawing if c.marker and c.code in wanted),
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - codes and paths come from the vendored file, the title is escaped
