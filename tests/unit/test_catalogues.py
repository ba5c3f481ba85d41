"""The French and Spanish catalogues are complete, and no page shows English in French.

The messages are extracted afresh from the code (as `make extract-messages` does, with
the same keywords), so a string added without `make update-messages` fails here, not
in front of a French-speaking delegate.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from sponsorship.devdata import demo
from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.models import Delegate, DelegateReport, Donor, Meeting, MeetingSession
from tests.conftest import Auth, post_form
from tests.crawl import crawl, html_of

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "sponsorship" / "translations"
LANGUAGES = ("fr", "es")
#: The Makefile's `extract-messages` keywords; the test checks they have not drifted.
KEYWORDS = ("_l", "lazy_gettext", "ngettext:1,2")
#: %(name)s, %s, %d and {name}; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdif]|\{\w*\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list:
    """Every message in the code and templates right now, as a fresh template."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
    for keyword in KEYWORDS:
        argv += ["-k", keyword]
    argv += ["--no-location", "-o", str(pot), str(ROOT / "sponsorship"), str(ROOT / "templates")]
    # babel.cfg's patterns are relative to the directory being walked: walk from ROOT.
    argv[-2:] = [str(ROOT)]
    CommandLineInterface().run(argv)
    with pot.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, list | tuple) else [message.string]


def key(msgid) -> str | tuple:
    """read_mo gives a plural's id as a list, read_po as a tuple."""
    return tuple(msgid) if isinstance(msgid, list | tuple) else msgid


def test_extract_keywords_match_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text()
    line = next(ln for ln in makefile.splitlines() if "pybabel extract" in ln)
    assert re.findall(r"-k (\S+)", line) == list(KEYWORDS)


def test_extraction_finds_the_messages(extracted) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted}
    # One from Python, one from a template, one plural: extraction saw all three kinds.
    assert "Sign in" in ids and "Skip to main content" in ids
    assert any(isinstance(m.id, tuple) for m in extracted)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_translated_and_not_fuzzy(extracted, lang) -> None:
    cat = catalogue(lang)
    problems = []
    for m in extracted:
        found = cat.get(m.id)
        if found is None:
            problems.append(f"missing (run make update-messages): {m.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {m.id!r}")
        elif not all(strings(found)):
            problems.append(f"untranslated: {m.id!r}")
    assert not problems, f"{lang}: {len(problems)} problem(s)\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang) -> None:
    problems = []
    for m in catalogue(lang):
        if not m.id or not all(strings(m)):
            continue
        if isinstance(m.id, tuple):
            # A plural form may leave the number out ("un État"), never add a name.
            allowed = placeholders(m.id[0]) | placeholders(m.id[1])
            for form in m.string:
                if not placeholders(form) <= allowed:
                    problems.append(f"{m.id[0]!r}: {form!r}")
        elif placeholders(m.string) != placeholders(m.id):
            problems.append(f"{m.id!r}: {m.string!r}")
    assert not problems, f"{lang}: placeholders differ\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_the_po(lang) -> None:
    mo_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "run make translations"
    with mo_path.open("rb") as f:
        compiled = {key(m.id): strings(m) for m in read_mo(f) if m.id}
    wanted = {
        key(m.id): strings(m) for m in catalogue(lang) if m.id and not m.fuzzy and all(strings(m))
    }
    stale = sorted(str(k) for k in wanted if compiled.get(k) != wanted[k])
    assert not stale, f"{lang}: messages.mo is older than the .po (make translations): {stale[:5]}"


#: French sets : ; ? ! off with a non-breaking space (U+00A0 or the narrow U+202F), so
#: they never start a line; a plain space, or none, before one at a word's end is wrong.
FRENCH_PUNCTUATION = re.compile(r"(?<![\u00a0\u202f])[:;?!](?=\s|$|»)")


def test_french_typography_non_breaking_space_before_punctuation() -> None:
    wrong = [
        form
        for m in catalogue("fr")
        if m.id
        for form in strings(m)
        if FRENCH_PUNCTUATION.search(form)
    ]
    assert not wrong, wrong


def test_spanish_questions_and_exclamations_open_with_inverted_marks() -> None:
    wrong = [
        form
        for m in catalogue("es")
        if m.id
        for form in strings(m)
        if ("?" in form and "¿" not in form) or ("!" in form and "¡" not in form)
    ]
    assert not wrong, wrong


# --- English left on French pages -----------------------------------------------------

#: Text a user perceives besides the page's text nodes.
SPOKEN_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


class _Visible(HTMLParser):
    """The page's visible and announced text, one string per text node or attribute;
    scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def _add(self, text: str) -> None:
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            self.parts.append(text)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        attrs = dict(attrs)
        for name in SPOKEN_ATTRIBUTES:
            self._add(attrs.get(name) or "")
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self._add(attrs.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data) -> None:
        if not self._hidden:
            self._add(data)


def visible_parts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def visible_text(html: str) -> str:
    return " ".join(visible_parts(html))


def english_phrases(lang: str, min_words: int = 3) -> dict[str, str]:
    """Phrases of at least `min_words` words that exist only in English: each msgid's
    text between placeholders, unless the translation happens to contain it too."""
    phrases = {}
    for m in catalogue(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        translated = " ".join(strings(m))
        for msgid in ids:
            for fragment in PLACEHOLDER.split(msgid):
                fragment = re.sub(r"\s+", " ", fragment).strip(" .,:;()«»“”")
                if len(fragment.split()) >= min_words and fragment not in translated:
                    phrases[fragment] = msgid
    return phrases


#: Each demo account and the page it lands on.
JOURNEYS = {
    "applicant": ("applicant@demo.test", "/apply/"),
    "administrator": ("admin@demo.test", "/admin/"),
    "donor": ("donor@demo.test", "/donor/"),
}
#: Small English words that a French or Spanish interface text never contains.
ENGLISH = re.compile(r"\b(the|and|of|to|your|for|with|is|are|this|has|have|not|be|by)\b")
#: The bar charts cut their labels at this many characters (reports_charts).
CHART_LABEL = 28


@pytest.fixture
def demo_client(db, client):
    demo.seed_demo()
    db.session.commit()
    return client


def data_strings(db) -> list[str]:
    """What people typed, which the demo typed in English: meeting titles and places,
    session titles, delegates' functions and organisations, donors' names, and the
    post-meeting reports' comments a donor's page quotes."""
    columns = (
        Meeting.title,
        Meeting.venue,
        Meeting.city,
        MeetingSession.title,
        Delegate.function,
        Delegate.organisation,
        Donor.name,
        DelegateReport.comments,
    )
    values = {v for column in columns for v in db.session.scalars(select(column)) if v}
    values |= {v[:CHART_LABEL] for v in values}
    return sorted(values, key=len, reverse=True)


def pages_in(client, email: str, start: str, lang: str) -> dict[str, str]:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    Auth(client).login(email, DEMO_PASSWORD)
    bodies: dict[str, str] = {}

    def get(path: str):
        response = client.get(path)
        body = html_of(response)
        bodies[path] = body
        return response.status_code, response.content_type, body

    pages = crawl(get, start)
    return {p: bodies[p] for p in pages}


def without(text: str, data: list[str]) -> str:
    for value in data:
        text = text.replace(value, " ")
    return text


@pytest.mark.parametrize("journey", JOURNEYS)
def test_french_pages_show_no_english_messages(db, demo_client, journey) -> None:
    """A msgid of the catalogue, in English, on a French page: a string translated too
    early (at import), or the same words typed into a template outside gettext."""
    email, start = JOURNEYS[journey]
    pages = pages_in(demo_client, email, start, "fr")
    assert start in pages and len(pages) >= (1 if journey == "donor" else 5), list(pages)
    phrases = english_phrases("fr")
    data = data_strings(db)
    leaks = []
    for path, html in pages.items():
        assert '<html lang="fr">' in html, path
        text = without(visible_text(html), data)
        leaks += [f"{path}: {p!r}" for p in phrases if p in text]
    assert not leaks, "English text on French pages (outside gettext?):\n" + "\n".join(leaks)


@pytest.mark.parametrize("journey", JOURNEYS)
def test_french_pages_hold_no_untranslated_english_text(db, demo_client, journey) -> None:
    """Text that reads as English and is the same in the English and the French page:
    not in the catalogue at all (a template or a label outside gettext), or names
    shown in English (a State's, a language's)."""
    email, start = JOURNEYS[journey]
    french = pages_in(demo_client, email, start, "fr")
    data = data_strings(db)
    leaks = []
    for path, html in french.items():
        english = set(
            visible_parts(demo_client.get(path, headers={"Accept-Language": "en"}).data.decode())
        )
        for part in visible_parts(html):
            rest = without(part, data)
            if part in english and len(rest.split()) >= 3 and ENGLISH.search(rest):
                leaks.append(f"{path}: {part!r}")
    assert not leaks, "Untranslated English on French pages:\n" + "\n".join(sorted(set(leaks)))


def test_french_form_errors_are_french(db, demo_client) -> None:
    """The errors of a refused application (ours and WTForms' own) in French."""
    demo_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    Auth(demo_client).login("applicant@demo.test", DEMO_PASSWORD)
    meeting = db.session.scalar(select(Meeting).where(Meeting.window_open.is_(True)))
    path = f"/apply/meetings/{meeting.id}/apply"
    response = post_form(demo_client, path, {"action": "submit"}, page=path)
    html = html_of(response)
    assert "error-summary" in html, response.status_code
    data = data_strings(db)
    text = without(visible_text(html), data)
    leaks = [p for p in english_phrases("fr") if p in text]
    leaks += [p for p in visible_parts(html) if ENGLISH.search(without(p, data))]
    assert not leaks, leaks
