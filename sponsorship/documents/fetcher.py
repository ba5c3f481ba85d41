"""The only way a letter reaches anything outside its own HTML.

WeasyPrint fetches stylesheets, fonts, images and attachments through a URL
fetcher. Its default one opens `file:`, `http(s):` and `ftp:` URLs and follows
redirects, and it embeds whatever a `<link rel=attachment>` names, local files
included. This fetcher serves exactly two things:

* the app's own static files, named `static:<path under static/>`, resolved
  inside the top-level `static/` directory (no `..`, no symlink leading out);
* `data:` URIs;

and in both cases only the kinds of resource a letter is drawn with
(stylesheets, fonts, images), so nothing else can be embedded as an
attachment even through an allowed URL. Everything else raises, before any
file or socket is opened: the base class's network and file handlers are never
used. Raising `FatalURLFetchingError` (with `fail_on_errors=True`, the
default here) stops the rendering instead of quietly printing a letter
without its letterhead or font.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

#: The scheme our templates and stylesheet use for static files. It is not a
#: network scheme on purpose: nothing could ever resolve it but this fetcher.
STATIC_SCHEME = "static"

#: Top-level `static/` directory of the project (sponsorship/documents/ -> ../../static).
STATIC_ROOT = Path(__file__).resolve().parent.parent.parent / "static"

#: What a letter may be drawn with, by file suffix.
STATIC_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

#: Media types accepted in `data:` URIs.
DATA_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/svg+xml",
        "font/woff2",
        "font/woff",
        "font/ttf",
        "font/otf",
        "text/css",
    }
)

#: A data: URI larger than this is refused (bounded memory whatever the input).
MAX_DATA_BYTES = 2 * 1024 * 1024


class RefusedURL(ValueError):
    """The letter asked for something it may not have."""


class LetterURLFetcher(URLFetcher):
    """Serves `static:` files under `root` and `data:` URIs; refuses the rest."""

    def __init__(self, root: Path | str = STATIC_ROOT, *, fail_on_errors: bool = True) -> None:
        # allowed_protocols and allow_redirects are belt and braces: `fetch`
        # below never hands a URL to the base class's urllib handlers.
        super().__init__(
            timeout=1,
            allowed_protocols=(STATIC_SCHEME, "data"),
            allow_redirects=False,
            fail_on_errors=fail_on_errors,
        )
        self.root = Path(root).resolve(strict=True)

    # WeasyPrint calls the fetcher as `fetcher(url)`, which calls `fetch`; `open`
    # is what urllib-style callers use. All three end here.
    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not isinstance(url, str):
            raise RefusedURL("URL must be a string")
        scheme, sep, _ = url.partition(":")
        if not sep:
            raise RefusedURL(f"relative URL refused: {url[:200]!r}")
        scheme = scheme.lower()
        if scheme == "data":
            return self._fetch_data(url)
        if scheme == STATIC_SCHEME:
            return self._fetch_static(url)
        raise RefusedURL(f"scheme {scheme!r} refused: {url[:200]!r}")

    def open(self, url, data=None, timeout=None):  # noqa: A003 - urllib's name
        full_url = getattr(url, "full_url", url)
        return self.fetch(full_url)

    def resolve_static(self, url: str) -> Path:
        """The file a `static:` URL names, or `RefusedURL`."""
        parts = urlsplit(url)
        if parts.scheme.lower() != STATIC_SCHEME:
            raise RefusedURL(f"not a static URL: {url[:200]!r}")
        if parts.netloc or parts.query:
            raise RefusedURL(f"static URL with a host or query refused: {url[:200]!r}")
        raw_path = unquote(parts.path)
        if "\x00" in raw_path or "\\" in raw_path:
            raise RefusedURL(f"static URL with a NUL or backslash refused: {url[:200]!r}")
        relative = PurePosixPath(raw_path.lstrip("/"))
        if not relative.parts or any(part in ("..", ".") for part in relative.parts):
            raise RefusedURL(f"static path escapes or is empty: {url[:200]!r}")
        # resolve() follows symlinks: a link pointing out of static/ lands
        # outside root and is refused just like `..`.
        try:
            path = (self.root / relative).resolve()
            path.is_file()
        except OSError as error:  # a name too long for the filesystem, a loop of links
            raise RefusedURL(f"static path cannot be opened: {url[:200]!r}") from error
        if not path.is_relative_to(self.root):
            raise RefusedURL(f"static path leads out of static/: {url[:200]!r}")
        if not path.is_file():
            raise RefusedURL(f"no such static file: {url[:200]!r}")
        if path.suffix.lower() not in STATIC_TYPES:
            raise RefusedURL(f"static file type refused: {url[:200]!r}")
        return path

    def _fetch_static(self, url: str) -> URLFetcherResponse:
        path = self.resolve_static(url)
        mime_type = STATIC_TYPES[path.suffix.lower()]
        headers = {"Content-Type": mime_type}
        if mime_type in ("text/css", "image/svg+xml"):
            headers["Content-Type"] = f"{mime_type}; charset=utf-8"
        return URLFetcherResponse(url, path.read_bytes(), headers)

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise RefusedURL("malformed data: URI")
        params = [p.strip() for p in header.split(";")]
        mime_type = (params[0] or "text/plain").lower()
        if mime_type not in DATA_TYPES:
            raise RefusedURL(f"data: URI of type {mime_type!r} refused")
        if len(payload) > MAX_DATA_BYTES * 2:
            raise RefusedURL("data: URI too large")
        if "base64" in (p.lower() for p in params[1:]):
            try:
                body = base64.b64decode(unquote(payload), validate=False)
            except (binascii.Error, ValueError) as error:
                raise RefusedURL("data: URI is not valid base64") from error
        else:
            body = unquote_to_bytes(payload)
        if len(body) > MAX_DATA_BYTES:
            raise RefusedURL("data: URI too large")
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})
