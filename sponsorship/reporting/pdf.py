"""Reports as PDF: final report HTML in, PDF bytes out, behind the letters' fetcher.

The HTML comes from a Jinja template with autoescaping (templates/reporting/pdf_*.html),
so donor, State and meeting names are text, never markup. WeasyPrint then reaches
resources only through `LetterURLFetcher`, the one the award letters use: the app's
own static files (`static:` URLs) and `data:` URIs, nothing on the network or the
file system. Attachments are dropped before the PDF is written, whatever the HTML
says. The fonts are the letters' bundled Noto Sans, loaded once per process.

Charts are inline SVG (vector in the PDF). Tables repeat their header on each page
and never split a row (static/reports/report.css).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from sponsorship.documents.fetcher import STATIC_SCHEME, LetterURLFetcher
from sponsorship.documents.render import breakable, page_counter_css

STYLESHEET_URL = f"{STATIC_SCHEME}:reports/report.css"


@dataclass(frozen=True)
class ReportPDF:
    data: bytes
    pages: int


class ReportRenderer:
    """Lays out report HTML; build one per process and keep it (fonts load once)."""

    def __init__(self, fetcher: LetterURLFetcher | None = None) -> None:
        self.fetcher = fetcher if fetcher is not None else LetterURLFetcher()
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(
            url=STYLESHEET_URL, url_fetcher=self.fetcher, font_config=self.font_config
        )
        self._footers: dict[str, CSS] = {}
        # Pango and the shared font map are not made for concurrent use.
        self._lock = threading.Lock()

    def _footer(self, page_label: str) -> CSS:
        """The "Page X of Y" footer for a translated "Page %(page)s of %(pages)s"."""
        css = self._footers.get(page_label)
        if css is None:
            css = self._footers[page_label] = CSS(
                string=page_counter_css(page_label),
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            )
        return css

    def render(self, html: str, page_label: str = "Page %(page)s of %(pages)s") -> ReportPDF:
        with self._lock:
            document = HTML(
                string=html, base_url=f"{STATIC_SCHEME}:", url_fetcher=self.fetcher
            ).render(
                font_config=self.font_config,
                stylesheets=[self.stylesheet, self._footer(page_label)],
            )
            # A report embeds nothing: drop <link rel=attachment> files and
            # <a rel=attachment> annotations before they are ever fetched.
            document.metadata.attachments = []
            for page in document.pages:
                page.links[:] = [link for link in page.links if link[0] != "attachment"]
            return ReportPDF(document.write_pdf(), len(document.pages))


_renderer: ReportRenderer | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> ReportRenderer:
    """The process's renderer, built on first use."""
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = ReportRenderer()
    return _renderer


def render_pdf(html: str, page_label: str = "Page %(page)s of %(pages)s") -> ReportPDF:
    return get_renderer().render(html, page_label)


def report_pdf(template: str, **context) -> bytes:
    """A report template rendered to PDF in the reader's language; its title is the PDF's."""
    html = render_template(
        template,
        lang=str(get_locale() or "en")[:2],
        generated=datetime.now(UTC),
        breakable=breakable,
        **context,
    )
    return render_pdf(html, _("Page %(page)s of %(pages)s")).data
