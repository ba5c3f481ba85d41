"""LetterContext -> PDF bytes, in a long-lived renderer.

Everything that costs time and does not depend on the letter is done once per
process: the FontConfiguration (with the bundled fonts loaded through the
fetcher), the parsed stylesheet, the Jinja templates and the translation
catalogues of each language. A render is then: Jinja fills the template with
primitives, WeasyPrint lays it out and writes PDF/A-3b.

Safety, in layers:
* the template environment is sandboxed and autoescapes, so user text
  (names, cities, titles...) can never become an element or attribute;
* every resource goes through `LetterURLFetcher` (static files and data: URIs
  only, rendering types only);
* attachments are dropped from the laid-out document before the PDF is
  written, whatever the HTML said.

Rendering is serialised per renderer (Pango and the shared font map are not
made for concurrent use); use processes, one renderer each, for parallel work.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import segno
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.css import ColorProfile
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from sponsorship.documents.context import LANGUAGES, CostLine, LetterContext
from sponsorship.documents.fetcher import STATIC_SCHEME, LetterURLFetcher
from sponsorship.documents.ua import PrintHTML

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIR = ROOT / "templates" / "documents" / "print"
TRANSLATIONS_DIR = ROOT / "sponsorship" / "translations"
#: Letter strings not yet merged into the .po catalogues (see that file).

TEMPLATE_NAME = "award_letter.html"
#: The template of each kind of document; they all extend _frame.html.
TEMPLATES = {
    "offer": TEMPLATE_NAME,
    "confirmation": TEMPLATE_NAME,
    "visa": "visa_letter.html",
    "certificate": "certificate.html",
}
STYLESHEET_URL = f"{STATIC_SCHEME}:letters/letter.css"

#: Babel locale used to format dates and amounts for each letter language.
#: English letters use day-month-year ("28 November 2026"), the usage of the
#: Convention's documents, rather than Babel's US default ("November 28, 2026").
FORMAT_LOCALES = {"en": "en_GB", "fr": "fr", "es": "es"}

#: PDF/A-3b: archival, and (unlike PDF/A-1/2) allows links. WeasyPrint embeds
#: every font, writes the sRGB output intent and the XMP metadata for it.
PDF_VARIANT = "pdf/a-3b"

#: Our name for the sRGB output intent PDF/A needs. Not "srgb": for that value
#: WeasyPrint 70 opens its sRGB2014.icc for every PDF and never closes the file
#: (a ResourceWarning per letter). We load the same profile once, closed, and
#: hand it over as a colour profile; the PDF's OutputIntent is the same.
OUTPUT_INTENT = "sRGB2014"


class _StableColorProfile(ColorProfile):
    """A colour profile that embeds the ICC file's own bytes.

    WeasyPrint embeds `ImageCmsProfile.tobytes()`, LittleCMS's re-serialisation,
    which changes once the profile has been used for colour transforms: a
    reused profile would make the same letter's bytes differ from one render
    to the next. The original bytes are the same every time.
    """

    def __init__(self, data: bytes, src: str) -> None:
        super().__init__(io.BytesIO(data), src, "relative-colorimetric", (["r"], ["g"], ["b"]))
        self._data = data

    @property
    def content(self) -> bytes:
        return self._data


def _load_srgb_profile() -> ColorProfile:
    data = (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
    return _StableColorProfile(data, "sRGB2014.icc")


_PLACEHOLDER_RE = re.compile(r"(%\((?:page|pages)\)s)")

#: Runs of non-space text longer than this get a break opportunity every
#: BREAK_EVERY characters (see `breakable`). No real name or address has one.
LONG_RUN = 40
BREAK_EVERY = 20
_LONG_RUN_RE = re.compile(r"\S{%d,}" % (LONG_RUN + 1))  # noqa: UP031
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def _warn_if_slow_subsetting() -> None:
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except ImportError:  # pragma: no cover - a WeasyPrint without the attribute
        return
    if harfbuzz_subset is None:  # pragma: no cover - depends on the machine
        logger.warning(
            "libharfbuzz-subset0 is not installed: WeasyPrint falls back to fontTools to "
            "subset fonts and each letter page takes about 0.5 s instead of about 0.08 s. "
            "Install it: sudo apt-get install -y libharfbuzz-subset0"
        )


# -- Translations -----------------------------------------------------------


def load_translations(language: str) -> gettext.NullTranslations:
    """The project's compiled catalogue for `language` (English when it has none)."""
    return Translations.load(str(TRANSLATIONS_DIR), [language], domain="messages")


def _split_run(run: str):
    """Cut `run` into pieces of about BREAK_EVERY characters, never inside a
    grapheme (before a combining mark or variation selector, around a ZWJ)."""
    start = 0
    while start < len(run):
        end = min(start + BREAK_EVERY, len(run))
        while end < len(run) and (
            unicodedata.combining(run[end]) or run[end] in _JOINERS or run[end - 1] in _JOINERS
        ):
            end += 1
        yield run[start:end]
        start = end


def breakable(value) -> Markup:
    """Escape `value` and offer a line break (<wbr>) inside very long unbroken runs.

    `overflow-wrap: break-word` alone also wraps them, but WeasyPrint then lays
    out the whole remaining run again for every line: a 10,000-character name
    took 5 s. With break opportunities it lays out like ordinary words. Text
    under LONG_RUN characters per word is untouched.
    """
    text = str(value)
    parts: list[Markup] = []
    last = 0
    for match in _LONG_RUN_RE.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<wbr>").join(escape(piece) for piece in _split_run(match.group())))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def page_counter_css(label: str) -> str:
    """`@page` footer content from a translated "Page %(page)s of %(pages)s"."""
    parts = []
    for piece in _PLACEHOLDER_RE.split(label):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return "@page { @bottom-right { content: %s; } }" % " ".join(parts)  # noqa: UP031


# -- The renderer -----------------------------------------------------------


@dataclass(frozen=True)
class _Language:
    code: str
    format_locale: str
    translations: gettext.NullTranslations
    template: Template
    #: Every kind's template, by kind (`template` is the offer's).
    templates: dict[str, Template]
    page_css: CSS


class LetterRenderer:
    """Renders letters; build one per process and keep it."""

    def __init__(
        self,
        fetcher: LetterURLFetcher | None = None,
        font_config: FontConfiguration | None = None,
    ) -> None:
        self.fetcher = fetcher if fetcher is not None else LetterURLFetcher()
        self.font_config = font_config if font_config is not None else FontConfiguration()
        # Parsing the stylesheet registers its @font-face fonts in font_config,
        # fetched once here through the fetcher.
        self.stylesheet = CSS(
            url=STYLESHEET_URL, url_fetcher=self.fetcher, font_config=self.font_config
        )
        self.languages = {code: self._load_language(code) for code in LANGUAGES}
        self.srgb_profile = _load_srgb_profile()
        # Decoded images (the letterhead) kept across letters.
        self._cache: dict = {}
        self._lock = threading.Lock()

    def _load_language(self, code: str) -> _Language:
        translations = load_translations(code)
        env = SandboxedEnvironment(
            loader=FileSystemLoader(str(TEMPLATE_DIR)),
            autoescape=True,
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            auto_reload=False,
        )
        env.install_gettext_translations(translations, newstyle=True)
        env.filters["breakable"] = breakable
        page_css = CSS(
            string=page_counter_css(translations.gettext("Page %(page)s of %(pages)s")),
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )
        return _Language(
            code=code,
            format_locale=FORMAT_LOCALES[code],
            translations=translations,
            template=env.get_template(TEMPLATE_NAME),
            templates={kind: env.get_template(name) for kind, name in TEMPLATES.items()},
            page_css=page_css,
        )

    # The three steps are public so previews, tests and the benchmark can use
    # each one on its own.

    def template_values(self, ctx: LetterContext) -> dict:
        """The primitives the template sees: the context, formatted for its locale."""
        locale = self.languages[ctx.language].format_locale

        def money(value: str) -> str:
            return format_currency(Decimal(value), ctx.currency, locale=locale)

        def long_date(value: str) -> str:
            return format_date(date.fromisoformat(value), "long", locale=locale)

        def number(value: str) -> str:
            return format_decimal(Decimal(value), locale=locale)

        return {
            **self._series_values(ctx, long_date),
            "lang": ctx.language,
            "reference": ctx.reference,
            "version": ctx.version,
            "issue_date": long_date(ctx.issue_date),
            "issue_date_iso": ctx.issue_date,
            "state_name": ctx.state_name,
            "addressee": ctx.addressee,
            "address_lines": ctx.address_lines,
            "delegate_name": ctx.delegate_name,
            "delegate_function": ctx.delegate_function,
            "meeting_title": ctx.meeting_title,
            "meeting_start": long_date(ctx.meeting_start),
            "meeting_end": long_date(ctx.meeting_end),
            "venue": ctx.venue,
            "city": ctx.city,
            "departure_city": ctx.departure_city,
            "cost_lines": tuple(
                {
                    "kind": line.kind,
                    "description": line.description,
                    "quantity": number(line.quantity),
                    "unit_amount": money(line.unit_amount),
                    "amount": money(line.amount),
                }
                for line in ctx.cost_lines
            ),
            "total": money(ctx.total),
            "dsa_nights": ctx.dsa_nights,
            "dsa_rate": money(ctx.dsa_rate),
            "has_terminal_expenses": Decimal(ctx.terminal_expenses) > 0,
            "terminal_expenses": money(ctx.terminal_expenses),
            "visa_covered": ctx.visa_covered,
            "report_due_days": ctx.report_due_days,
            "answer_deadline": long_date(ctx.answer_deadline),
            "answer_url": ctx.answer_url,
            "verification_code": ctx.verification_code,
            "verification_url": ctx.verification_url,
            "signatory_name": ctx.signatory_name,
            "signatory_title": ctx.signatory_title,
            "qr_png": qr_png(ctx.verification_url),
            # Who pays what, when the State or another body pays a share.
            "cofunded_by": ctx.cofunded_by,
            "cofunded_amount": money(ctx.cofunded_amount) if ctx.cofunded_amount else "",
            "fund_share": money(ctx.fund_share) if ctx.cofunded_amount else "",
        }

    @staticmethod
    def _series_values(ctx: LetterContext, long_date) -> dict:
        """What the confirmation, visa letter and certificate add to the offer's values."""
        return {
            "kind": ctx.kind,
            "travel_out_on": long_date(ctx.travel_out_on) if ctx.travel_out_on else "",
            "travel_back_on": long_date(ctx.travel_back_on) if ctx.travel_back_on else "",
            "passport_name": ctx.passport_name or ctx.delegate_name,
            "passport_number": ctx.passport_number,
            "passport_expiry": long_date(ctx.passport_expiry) if ctx.passport_expiry else "—",
        }

    def render_html(self, ctx: LetterContext) -> str:
        """The letter's final HTML (what WeasyPrint is given)."""
        language = self.languages[ctx.language]
        return language.templates[ctx.kind].render(self.template_values(ctx))

    def stylesheets(self, language: str) -> list[CSS]:
        return [self.stylesheet, self.languages[language].page_css]

    def lay_out(self, html: str, language: str, html_class: type[HTML] = PrintHTML) -> Document:
        """Final letter HTML laid out with this renderer's fetcher, fonts and stylesheets
        (`html_class`: the tests lay letters out with WeasyPrint's own too)."""
        return html_class(
            string=html, base_url=f"{STATIC_SCHEME}:", url_fetcher=self.fetcher
        ).render(
            font_config=self.font_config,
            color_profiles={OUTPUT_INTENT: self.srgb_profile},
            stylesheets=self.stylesheets(language),
            pdf_variant=PDF_VARIANT,
            output_intent=OUTPUT_INTENT,
            cache=self._cache,
        )

    def html_to_pdf(self, html: str, language: str) -> bytes:
        """PDF/A-3b bytes from final letter HTML, with this renderer's fetcher and fonts."""
        with self._lock:
            document = self.lay_out(html, language)
            # Nothing is ever attached to a letter: drop <link rel=attachment>
            # files and <a rel=attachment> annotations before they are fetched.
            document.metadata.attachments = []
            for page in document.pages:
                page.links[:] = [link for link in page.links if link[0] != "attachment"]
            return document.write_pdf(pdf_variant=PDF_VARIANT, output_intent=OUTPUT_INTENT)

    def render(self, ctx: LetterContext) -> bytes:
        return self.html_to_pdf(self.render_html(ctx), ctx.language)


#: Pixels per QR module. The image is drawn without smoothing (image-rendering:
#: pixelated in letter.css), and with four pixels a module stays sharp even in a
#: viewer that smooths anyway.
QR_SCALE = 4


def qr_png(url: str) -> str:
    """The QR code of `url` as a PNG data: URI (the letter's fetcher serves data: URIs).

    A small raster costs WeasyPrint far less than the same code as SVG, whose path
    it parses and draws point by point in Python on every letter.
    """
    code = segno.make(url, error="m", micro=False)
    return code.png_data_uri(scale=QR_SCALE, border=0, dark="#12202e")


_warn_if_slow_subsetting()

_renderer: LetterRenderer | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> LetterRenderer:
    """The process's renderer, built on first use (so importing stays cheap)."""
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = LetterRenderer()
    return _renderer


def render_letter(ctx: LetterContext) -> bytes:
    """The award letter for `ctx` as PDF/A-3b bytes."""
    return get_renderer().render(ctx)


def _sample_context(language: str) -> LetterContext:
    """A made-up letter with every part of the layout, used only to warm a renderer."""
    return LetterContext(
        reference="SP-0000-WARM-0000",
        version=2,
        language=language,
        issue_date="2026-01-05",
        state_name="Aaaa",
        addressee="Permanent Mission",
        address_lines=("Street 1", "1200 City"),
        delegate_name="Áá Ññ Ŋŋ",
        delegate_function="Director",
        meeting_title="Meeting",
        meeting_start="2026-02-02",
        meeting_end="2026-02-06",
        venue="Venue",
        city="City",
        departure_city="Town",
        currency="CHF",
        cost_lines=(CostLine("airfare", "Town - City", "1", "1000.00", "1000.00"),),
        total="1000.00",
        dsa_nights=4,
        dsa_rate="100.00",
        terminal_expenses="100.00",
        visa_covered=True,
        report_due_days=30,
        answer_deadline="2026-01-20",
        answer_url="https://example.org/a",
        verification_code="WARM-0000",
        verification_url="https://example.org/verify/WARM-0000",
        signatory_name="Name",
        signatory_title="Title",
    )


def warm_up() -> None:
    """Build this process's renderer and lay out one letter.

    The first letter of a process pays for loading fonts and filling WeasyPrint's
    caches; a bulk run does it before forking its rendering processes, so each of
    them starts hot.
    """
    get_renderer().render(_sample_context(LANGUAGES[0]))
