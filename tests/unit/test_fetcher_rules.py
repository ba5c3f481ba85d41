"""Rules of the letters' URL fetcher that a mutation run found unguarded.

Each guard is tested on its own, with a URL only that guard stops (so removing any one
of them fails a test), and the `data:` size limits at their boundaries.
"""

from __future__ import annotations

import base64
import urllib.request

import pytest
from weasyprint.urls import URLFetchingError, fetch

from sponsorship.documents.fetcher import (
    MAX_DATA_BYTES,
    STATIC_ROOT,
    LetterURLFetcher,
    RefusedURL,
)

SVG = "static:img/letterhead.svg"


@pytest.fixture
def fetcher() -> LetterURLFetcher:
    return LetterURLFetcher()


@pytest.fixture
def own_root(tmp_path):
    root = tmp_path / "static"
    (root / "img").mkdir(parents=True)
    (root / "img" / "logo.SVG").write_text("<svg/>")
    (root / "img" / "dot.png").write_bytes(b"\x89PNG")
    (root / "plain.css").write_text("p{}")
    return root


# --- What is served, and how it is labelled -------------------------------------------


def test_fetch_static_stylesheet_and_svg_say_they_are_utf8(fetcher):
    """Rule: text resources are labelled UTF-8, so a letterhead's accents draw right."""
    svg = fetcher.fetch(SVG)
    css = fetcher.fetch("static:letters/letter.css")
    assert svg.headers.get_param("charset") == "utf-8"
    assert css.headers.get_param("charset") == "utf-8"
    assert svg.content_type == "image/svg+xml"
    assert css.content_type == "text/css"


def test_fetch_static_binary_has_no_charset(own_root):
    """Rule: a binary resource carries its type and no text charset."""
    response = LetterURLFetcher(own_root).fetch("static:img/dot.png")
    assert response.content_type == "image/png"
    assert response.headers.get_param("charset") is None
    assert response.read() == b"\x89PNG"


def test_fetch_static_suffix_is_matched_without_case(own_root):
    """Rule: a file's kind is read from its suffix whatever its case."""
    response = LetterURLFetcher(own_root).fetch("static:img/logo.SVG")
    assert response.content_type == "image/svg+xml"
    assert response.read() == b"<svg/>"


def test_fetch_scheme_is_matched_without_case(fetcher):
    """Rule: URL schemes are case-insensitive (STATIC:, DATA:)."""
    assert (
        fetcher.fetch("STATIC:img/letterhead.svg").read()
        == (STATIC_ROOT / "img/letterhead.svg").read_bytes()
    )
    assert fetcher.fetch("DATA:image/png;base64,iVBORw0KGgo=").read() == b"\x89PNG\r\n\x1a\n"


def test_open_serves_a_plain_url_string_as_fetch_does(fetcher):
    """Rule: urllib-style callers get exactly what `fetch` gives."""
    assert fetcher.open(SVG).read() == fetcher.fetch(SVG).read()
    with pytest.raises(RefusedURL, match="scheme 'http' refused"):
        fetcher.open(urllib.request.Request("http://example.org/"))


def test_fetcher_called_by_weasyprint_without_fail_on_errors_only_warns():
    """Rule: `fail_on_errors` is handed to WeasyPrint: off, a refusal is a warning."""
    lenient = LetterURLFetcher(fail_on_errors=False)
    with pytest.raises(URLFetchingError), fetch(lenient, "http://example.org/"):
        pass


# --- Each guard on its own ------------------------------------------------------------


def test_fetch_refuses_a_url_that_is_not_a_string(fetcher):
    """Rule: only text URLs; bytes are refused before any parsing."""
    with pytest.raises(RefusedURL, match=r"^URL must be a string$"):
        fetcher.fetch(SVG.encode())


def test_fetch_refuses_a_relative_url_as_relative(fetcher):
    """Rule: a relative URL (no scheme at all) is refused as such."""
    with pytest.raises(RefusedURL, match="relative URL refused"):
        fetcher.fetch("img/letterhead.svg")


def test_resolve_static_refuses_another_scheme(fetcher):
    """Rule: only `static:` URLs resolve to files."""
    with pytest.raises(RefusedURL, match="not a static URL"):
        fetcher.resolve_static("file:img/letterhead.svg")


@pytest.mark.parametrize("url", ["static://host/img/letterhead.svg", SVG + "?v=1"])
def test_resolve_static_refuses_a_host_or_a_query(fetcher, url):
    """Rule: a static URL names a path and nothing else."""
    with pytest.raises(RefusedURL, match="host or query"):
        fetcher.resolve_static(url)


@pytest.mark.parametrize("url", ["static:img/letterhead.svg%00.css", "static:img\\letterhead.svg"])
def test_resolve_static_refuses_nul_and_backslash(fetcher, url):
    """Rule: NUL and backslash are refused outright, not left to the filesystem."""
    with pytest.raises(RefusedURL, match="NUL or backslash"):
        fetcher.resolve_static(url)


def test_resolve_static_refuses_dot_dot_even_when_it_stays_inside(fetcher):
    """Rule: `..` is refused wherever it leads, not only when it leads out."""
    with pytest.raises(RefusedURL, match="escapes or is empty"):
        fetcher.resolve_static("static:img/../img/letterhead.svg")


@pytest.mark.parametrize("url", ["static:", "static:/"])
def test_resolve_static_refuses_an_empty_path(fetcher, url):
    """Rule: the static root itself is not a file to serve."""
    with pytest.raises(RefusedURL, match="escapes or is empty"):
        fetcher.resolve_static(url)


def test_resolve_static_refuses_a_directory(fetcher):
    """Rule: only files are served."""
    with pytest.raises(RefusedURL, match="no such static file"):
        fetcher.resolve_static("static:img")


def test_resolve_static_returns_the_file_inside_static(fetcher):
    """Rule: a good static URL names a file inside static/."""
    assert (
        fetcher.resolve_static("static:/img/letterhead.svg") == STATIC_ROOT / "img/letterhead.svg"
    )


# --- data: URIs -------------------------------------------------------------------------


def test_data_uri_without_a_comma_is_refused_as_malformed(fetcher):
    """Rule: a data: URI without its comma is malformed."""
    with pytest.raises(RefusedURL, match=r"^malformed data: URI$"):
        fetcher.fetch("data:image/png;base64")


def test_data_uri_without_a_type_is_plain_text_and_refused(fetcher):
    """Rule: a data: URI without a type is text/plain, which a letter is not drawn with."""
    with pytest.raises(RefusedURL, match="'text/plain' refused"):
        fetcher.fetch("data:,hello")


def test_data_uri_type_and_base64_flag_are_read_without_case_and_spaces(fetcher):
    """Rule: media types and the base64 flag are case-insensitive."""
    response = fetcher.fetch("data:IMAGE/PNG ; BASE64 ,iVBORw0KGgo=")
    assert response.content_type == "image/png"
    assert response.read() == b"\x89PNG\r\n\x1a\n"


def test_data_uri_with_broken_base64_is_refused(fetcher):
    """Rule: undecodable base64 is refused, not passed on half-read."""
    with pytest.raises(RefusedURL, match=r"^data: URI is not valid base64$"):
        fetcher.fetch("data:image/png;base64,iVBORw0KGgo")


def test_data_uri_of_exactly_the_limit_is_served(fetcher):
    """Rule: a data: body up to MAX_DATA_BYTES (2 MiB) is accepted."""
    assert MAX_DATA_BYTES == 2 * 1024 * 1024
    body = fetcher.fetch("data:text/css," + "a" * MAX_DATA_BYTES).read()
    assert len(body) == MAX_DATA_BYTES


def test_data_uri_one_byte_over_the_limit_is_refused(fetcher):
    """Rule: a decoded data: body over MAX_DATA_BYTES is refused."""
    with pytest.raises(RefusedURL, match=r"^data: URI too large$"):
        fetcher.fetch("data:text/css," + "a" * (MAX_DATA_BYTES + 1))


def test_data_uri_base64_over_the_limit_is_refused(fetcher):
    """Rule: the limit holds for the decoded base64 body too."""
    payload = base64.b64encode(b"\0" * (MAX_DATA_BYTES + 3)).decode()
    assert len(payload) <= 2 * MAX_DATA_BYTES
    with pytest.raises(RefusedURL, match=r"^data: URI too large$"):
        fetcher.fetch("data:font/woff2;base64," + payload)


def test_data_uri_longer_than_twice_the_limit_is_refused_before_decoding(fetcher):
    """Rule: memory is bounded by the URI's length, whatever it would decode to: a URI of
    more than 2 x MAX_DATA_BYTES characters is refused even if it decodes to a few bytes."""
    padding = "!" * (2 * MAX_DATA_BYTES)
    with pytest.raises(RefusedURL, match=r"^data: URI too large$"):
        fetcher.fetch("data:image/png;base64," + padding + "iVBORw0KGgo=")
    # Exactly twice the limit is still read (and decodes to little).
    at_limit = "!" * (2 * MAX_DATA_BYTES - 12) + "iVBORw0KGgo="
    assert fetcher.fetch("data:image/png;base64," + at_limit).read() == b"\x89PNG\r\n\x1a\n"


def test_fetcher_rooted_at_a_missing_folder_fails_at_once(tmp_path):
    """Rule: a fetcher whose static folder is missing fails when built, not per letter."""
    with pytest.raises(FileNotFoundError):
        LetterURLFetcher(tmp_path / "missing")


def test_data_uri_payload_may_contain_commas(fetcher):
    """Rule: only the first comma ends a data: URI's header."""
    assert fetcher.fetch("data:text/css,a,b{c:d}").read() == b"a,b{c:d}"


LONG = "x/" * 150  # longer than 200 characters, each name short


@pytest.mark.parametrize(
    "url",
    [
        "relative/" + LONG,
        "http://" + LONG,
        "static:img/" + LONG,  # no such file
        "static:img/" + LONG + "\\",
        "static:../" + LONG,
        "static:img/" + LONG + "?q",
    ],
)
def test_refusal_quotes_at_most_200_characters_of_the_url(fetcher, url):
    """Rule: a refusal quotes the URL cut to 200 characters, so a huge URL cannot flood
    the logs."""
    with pytest.raises(RefusedURL) as refused:
        fetcher.fetch(url)
    assert repr(url[:200]) in str(refused.value)
    assert repr(url[:201]) not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "guard"),
    [
        ("file:" + LONG, "not a static URL"),
        ("static:" + LONG + "a.js", "type refused"),
    ],
)
def test_resolve_static_refusal_quotes_at_most_200_characters(own_root, url, guard):
    """Rule: the same 200-character cut for the static guards."""
    (own_root / LONG).mkdir(parents=True)
    (own_root / LONG / "a.js").write_text("1")
    with pytest.raises(RefusedURL, match=guard) as refused:
        LetterURLFetcher(own_root).resolve_static(url)
    assert repr(url[:200]) in str(refused.value)
    assert repr(url[:201]) not in str(refused.value)


def test_symlink_refusal_quotes_at_most_200_characters(tmp_path):
    """Rule: the same cut when a link leads out of static/."""
    root = tmp_path / "static"
    root.mkdir()
    (tmp_path / "secret.css").write_text("p{}")
    name = "l/" * 120 + "link.css"
    (root / name).parent.mkdir(parents=True)
    (root / name).symlink_to(tmp_path / "secret.css")
    url = "static:" + name
    with pytest.raises(RefusedURL, match="out of static") as refused:
        LetterURLFetcher(root).fetch(url)
    assert repr(url[:200]) in str(refused.value)
    assert repr(url[:201]) not in str(refused.value)


def test_static_name_too_long_for_the_filesystem_is_refused(fetcher):
    """Rule: whatever a static URL names, the answer is a file or `RefusedURL`, never
    an operating-system error."""
    url = "static:img/" + "x" * 300 + ".svg"
    with pytest.raises(RefusedURL, match="cannot be opened") as refused:
        fetcher.fetch(url)
    assert repr(url[:200]) in str(refused.value)
    assert repr(url[:201]) not in str(refused.value)


def test_fetch_response_carries_the_url_asked_for(fetcher, own_root):
    """Rule: a response names the URL it answers (WeasyPrint resolves relative
    references in a stylesheet against it)."""
    assert fetcher.fetch(SVG).url == SVG
    data = "data:text/css,p{}"
    assert fetcher.fetch(data).url == data


def test_fetch_static_file_names_are_taken_as_written(own_root):
    """Rule: only leading slashes are dropped from a static path, nothing else."""
    (own_root / "XX.css").write_text("q{}")
    assert LetterURLFetcher(own_root).fetch("static:/XX.css").read() == b"q{}"
