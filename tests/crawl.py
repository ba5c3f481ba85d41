"""The pages of a journey, found by following its links rather than by a hand-kept list.

Both the catalogue scan (test client, French) and the accessibility walk (Chromium,
three languages) need "every page a role can reach"; a list kept by hand goes stale
as soon as someone adds a page, a crawl does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

#: Not pages: files, the letter document itself, polling endpoints, signing out.
SKIP = re.compile(
    r"(\.(csv|xlsx|zip|pdf)$|/download$|/note$|/letter$|/letter/preview$|/status$|^/logout)"
)


def pattern(path: str) -> str:
    """The route behind a path: ids and ISO codes folded, so each route counts once."""
    path = re.sub(r"/\d+(?=/|$)", "/<n>", path)
    return re.sub(r"/[A-Z]{3}(?=/|$)", "/<iso3>", path)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and "download" not in dict(attrs):
                self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def html_of(response) -> str:
    """A test-client response's HTML, or "" for a file (a PDF the crawl should skip)."""
    return response.get_data(as_text=True) if response.mimetype == "text/html" else ""


def crawl(
    get: Callable[[str], tuple[int, str, str]],
    start: str,
    *,
    per_route: int = 2,
    limit: int = 60,
) -> list[str]:
    """Local paths reachable from `start` by GET links, at most `per_route` per route.

    `get(path)` returns (status, content type, body). Pages that do not answer 200
    with HTML are left out, so a broken link shows as a missing page, not a crash.
    """
    seen: set[str] = set()
    per: dict[str, int] = {}
    queue, pages = [start], []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        route = pattern(urlsplit(path).path)
        if per.get(route, 0) >= per_route:
            continue
        status, ctype, body = get(path)
        if status != 200 or not ctype.startswith("text/html"):
            continue
        per[route] = per.get(route, 0) + 1
        pages.append(path)
        for href in links(body):
            href = urldefrag(href).url
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if "/static/" in parts.path:
                continue
            queue.append(href)
    return pages
