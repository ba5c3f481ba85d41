"""Award letters: context -> PDF, with a fetcher that reaches nothing but our static files.

No database and no app: the letters package must work without either.
"""

from __future__ import annotations

import io
import json
import re
import socket
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
import segno
from babel.support import Translations
from jinja2.sandbox import SandboxedEnvironment
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError, fetch

from sponsorship.documents import render as letters_render
from sponsorship.documents.context import CostLine, LetterContext, LetterContextError
from sponsorship.documents.fetcher import STATIC_ROOT, LetterURLFetcher, RefusedURL
from sponsorship.documents.render import (
    TEMPLATE_DIR,
    TRANSLATIONS_DIR,
    LetterRenderer,
    breakable,
    page_counter_css,
    render_letter,
)
from tests.letter_data import sample_context

HOSTILE = {
    "attachment": "<link rel=attachment href=file:///etc/passwd>",
    "metadata_ip": "<img src=http://169.254.169.254/>",
    "style": "<style>*{display:none}</style>",
    "css_injection": '"></td><td style="background:url(file:///etc/passwd)">x{color:red}</td>',
    "css_import": "</style><style>@import url(http://evil.example/)</style>",
    "right_to_left": "שלום مرحبا",
    # U+1F600 is in DejaVu Sans (fonts-dejavu-core, part of set-up), the fallback for
    # characters our Latin font lacks; an emoji no installed font has prints as a box.
    "emoji": "😀 Zoë Ñandú",
}

#: LetterContext fields a person types somewhere (applicant or administrator).
USER_TEXT_FIELDS = (
    "state_name",
    "addressee",
    "delegate_name",
    "delegate_function",
    "meeting_title",
    "venue",
    "city",
    "departure_city",
    "signatory_name",
    "signatory_title",
)


class RecordingFetcher(LetterURLFetcher):
    """The real fetcher, noting every URL it is asked for (served or refused)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def fetch(self, url, headers=None):
        self.calls.append(url)
        return super().fetch(url, headers)


def flat(text: str) -> str:
    """Text without whitespace, zero-width spaces or bidi controls.

    PDF text extraction inserts line breaks where lines wrap (and pypdf extra
    spaces when a page mixes fonts); what matters is the characters, in order.
    """
    return re.sub(r"[\s\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]+", "", text)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_files(reader: PdfReader) -> list:
    """Everything a PDF could carry as a file: the EmbeddedFiles tree, AF, file annotations."""
    root = reader.trailer["/Root"]
    found = []
    names = root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("EmbeddedFiles")
    if "/AF" in root:
        found.append("AF")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append("FileAttachment")
    return found


@pytest.fixture(scope="module")
def fetcher() -> RecordingFetcher:
    return RecordingFetcher()


@pytest.fixture(scope="module")
def renderer(fetcher) -> LetterRenderer:
    return LetterRenderer(fetcher=fetcher)


# -- Languages and locale formatting ----------------------------------------


LANGUAGE_CASES = {
    "en": {
        "state_name": "Cambodia",
        "expect": [
            "What the sponsorship covers",
            "Dear Sir or Madam,",
            "2 November 2026",  # issue date
            "16 November 2026",  # answer deadline
            "1 December 2026 to 5 December 2026",
            "CHF4,132.00",
            "for 5 nights, at CHF412.00 per night",
            "within 30 days of its close",
            "Page 1 of 1",
        ],
    },
    "fr": {
        "state_name": "Cambodge",
        "expect": [
            "Ce que couvre le parrainage",
            "Madame, Monsieur,",
            "2 novembre 2026",
            "au plus tard le 16 novembre 2026",
            "du 1 décembre 2026 au 5 décembre 2026",
            "4 132,00 CHF",
            "pour 5 nuits, à 412,00 CHF par nuit",
            "dans un délai de 30 jours après sa clôture",
            "Page 1 sur 1",
        ],
    },
    "es": {
        "state_name": "Camboya",
        "expect": [
            "Qué cubre el patrocinio",
            "Señora, señor:",
            "2 de noviembre de 2026",
            "a más tardar el 16 de noviembre de 2026",
            "del 1 de diciembre de 2026 al 5 de diciembre de 2026",
            "4.132,00 CHF",
            "para 5 noches, a razón de 412,00 CHF por noche",
            "en un plazo de 30 días desde su clausura",
            "Página 1 de 1",
        ],
    },
}


@pytest.mark.parametrize("language", sorted(LANGUAGE_CASES))
def test_render_language_shows_its_text_and_locale_formats(renderer, language):
    case = LANGUAGE_CASES[language]
    pdf = renderer.render(sample_context(language=language, state_name=case["state_name"]))

    text = flat(pdf_text(pdf))
    for expected in case["expect"]:
        assert flat(expected) in text, expected
    assert flat(case["state_name"]) in text


def test_render_english_has_no_french_or_spanish_text(renderer):
    text = pdf_text(renderer.render(sample_context()))

    assert "parrainage" not in text
    assert "patrocinio" not in text


def test_render_one_night_and_one_day_use_singular(renderer):
    ctx = sample_context(language="fr", dsa_nights=1, report_due_days=1)

    text = flat(pdf_text(renderer.render(ctx)))

    assert flat("pour 1 nuit, à 412,00 CHF par nuit") in text
    assert flat("dans un délai de 1 jour après sa clôture") in text


def test_render_single_day_meeting_shows_one_date(renderer):
    ctx = sample_context(meeting_start="2026-12-01", meeting_end="2026-12-01")

    text = flat(pdf_text(renderer.render(ctx)))

    assert flat("1 December 2026") in text
    assert flat("December 2026 to") not in text


def test_render_visa_not_covered_omits_visa_line(renderer):
    ctx = sample_context(visa_covered=False)

    text = pdf_text(renderer.render(ctx))

    assert "The visa fee, if the visa is granted." not in text
    assert "Obtaining a visa" in text  # the condition stays: the visa is always theirs to get


def test_render_second_version_says_it_replaces_earlier_ones(renderer):
    text = flat(pdf_text(renderer.render(sample_context(version=2))))

    assert flat("This version replaces all earlier versions of this document.") in text
    assert flat("Version 2") in text


def test_render_module_function_uses_the_shared_renderer():
    pdf = render_letter(sample_context(language="es", state_name="Camboya"))

    assert pdf.startswith(b"%PDF-1.7")
    assert letters_render.get_renderer() is letters_render.get_renderer()


# -- What the PDF is -------------------------------------------------------


def test_render_pdf_reads_back_delegate_name_and_reference(renderer):
    ctx = sample_context(delegate_name="María-José Ñúñez Öztürk")

    reader = PdfReader(io.BytesIO(renderer.render(ctx)))
    text = reader.pages[0].extract_text()

    assert "María-José Ñúñez Öztürk" in text
    assert "SP-2026-MSP22-0007" in text
    assert "K7Q2-M9XD" in text
    assert "https://sponsorship.example.org/offers/7/answer" in text


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_render_metadata_sets_title_author_subject_language(renderer, language):
    reader = PdfReader(io.BytesIO(renderer.render(sample_context(language=language))))

    meta = reader.metadata
    assert "SP-2026-MSP22-0007" in meta.title
    assert meta.author
    assert "Sokha Chenda Lim" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == language


def test_render_pdf_declares_pdfa_3b_with_output_intent_and_embedded_fonts(renderer):
    pdf = renderer.render(sample_context())
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]

    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(=\"|>)3", xmp)
    assert re.search(r"pdfaid:conformance(=\"|>)B", xmp)
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intents[0].get_object()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.get_object())
    assert embedded_files(reader) == []


def test_render_uses_the_bundled_font(renderer):
    reader = PdfReader(io.BytesIO(renderer.render(sample_context())))

    fonts = {
        str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    }

    assert fonts and all("Letter-Sans" in name for name in fonts), fonts


def test_render_is_one_a4_page_with_page_counter(renderer):
    reader = PdfReader(io.BytesIO(renderer.render(sample_context())))

    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)
    assert "Page 1 of 1" in reader.pages[0].extract_text()


def _images(pdf: bytes) -> list:
    """The raster images drawn on the letter's pages, as pypdf reads them."""
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def test_render_qr_code_is_the_verification_address_module_for_module(renderer):
    ctx = sample_context()

    codes = [i.image for i in _images(renderer.render(ctx)) if i.image.size[0] < 200]

    assert len(codes) == 1
    # One dark or light square of QR_SCALE pixels per module, no quiet zone (the
    # frame's white padding is the quiet zone): sampling each module's centre gives
    # back exactly the code segno makes of the address.
    matrix = segno.make(ctx.verification_url, error="m", micro=False).matrix
    scale = letters_render.QR_SCALE
    image = codes[0].convert("L")
    assert image.size == (len(matrix) * scale, len(matrix) * scale)
    centre = scale // 2
    read = [
        [image.getpixel((x * scale + centre, y * scale + centre)) < 128 for x in range(len(row))]
        for y, row in enumerate(matrix)
    ]
    assert read == [[bool(m) for m in row] for row in matrix]


def test_render_qr_code_is_drawn_without_smoothing(renderer):
    reader = PdfReader(io.BytesIO(renderer.render(sample_context())))

    images = [x.get_object() for x in reader.pages[0]["/Resources"]["/XObject"].values()]
    smoothing = {str(x["/Filter"]): x["/Interpolate"] for x in images}
    # The QR code is the one image WeasyPrint re-encodes (the emblem is copied as JPEG).
    assert smoothing == {"/FlateDecode": False, "/DCTDecode": True}


def test_render_emblem_is_the_jpeg_copied_as_it_is(renderer):
    emblem = (STATIC_ROOT / "img" / "letterhead.jpg").read_bytes()

    reader = PdfReader(io.BytesIO(renderer.render(sample_context())))

    streams = [x.get_object() for x in reader.pages[0]["/Resources"]["/XObject"].values()]
    jpegs = [x for x in streams if "/DCTDecode" in str(x.get("/Filter"))]
    assert len(jpegs) == 1
    assert jpegs[0].get_data() == emblem


# -- Hostile input ---------------------------------------------------------


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_render_hostile_text_in_every_field_is_shown_as_typed_and_fetches_nothing(
    renderer, fetcher, payload
):
    ctx = sample_context(
        **{field: payload for field in USER_TEXT_FIELDS},
        address_lines=(payload, payload),
        cost_lines=(
            CostLine("airfare", payload, "1", "1850.00", "1850.00"),
            CostLine("other", payload, "1", "10.00", "10.00"),
        ),
    )
    fetcher.calls.clear()

    pdf = renderer.render(ctx)

    reader = PdfReader(io.BytesIO(pdf))
    assert embedded_files(reader) == []
    # The letterhead may come from the image cache; whatever was fetched is ours.
    assert all(url.startswith(("static:", "data:")) for url in fetcher.calls), fetcher.calls
    # Nothing was drawn but the emblem and the QR code: no image came from the text.
    assert len({image.data for image in _images(pdf)}) == 2
    text = flat(pdf_text(pdf))
    # Shown as typed in every place it is printed (table, sentences, heading...).
    assert text.count(flat(payload)) >= len(USER_TEXT_FIELDS) + 2
    # The metadata carries it as typed too (name and meeting in the subject).
    assert reader.metadata.subject.count(payload) == 2


def test_render_html_escapes_user_text_so_it_creates_no_element(renderer):
    ctx = sample_context(**{field: HOSTILE["attachment"] for field in USER_TEXT_FIELDS})

    html = renderer.render_html(ctx)

    assert "<link" not in html
    assert "<img src=http" not in html
    assert "&lt;link rel=attachment href=file:///etc/passwd&gt;" in html
    assert html.count('<img class="emblem" src="static:img/letterhead.jpg"') == 1
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="">', html)) == 1
    assert re.findall(r"<(?:style|link|script|object|embed|iframe)\b", html) == []


def test_render_template_environment_is_sandboxed_and_autoescaped(renderer):
    for language in renderer.languages.values():
        env = language.template.environment
        assert isinstance(env, SandboxedEnvironment)
        assert env.autoescape is True


@pytest.mark.parametrize(
    "name",
    [(HOSTILE["attachment"] + " ") * 250, 'Ñandú<&>"' * 1250],
    ids=["words", "unbroken"],
)
def test_render_ten_thousand_character_name_wraps_onto_pages_and_reads_back(
    renderer, fetcher, name
):
    name = name[:10_000]
    ctx = sample_context(delegate_name=name)
    fetcher.calls.clear()

    pdf = renderer.render(ctx)

    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages > 1
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert embedded_files(reader) == []
    assert all(url.startswith(("static:", "data:")) for url in fetcher.calls)
    # The name's table cell runs across pages; page footers and the cell beside
    # it are printed in between. Take those out and the name is there, whole.
    text = flat(pdf_text(pdf))
    text = re.sub(r"SP-2026-MSP22-0007Page\d+of\d+", "", text)
    text = text.replace(flat("Meeting Twenty-Second Meeting of the States Parties"), "")
    assert flat(name) in text


def test_html_to_pdf_drops_attachments_even_when_the_html_asks(renderer, fetcher):
    # What if the template itself were wrong: the attachment URL is one the fetcher
    # would serve, so only the renderer's second layer keeps it out.
    html = (
        '<html lang="en"><head><title>t</title>'
        '<link rel="attachment" href="static:letters/letter.css" title="css"></head>'
        '<body><p>Hello</p><a rel="attachment" href="static:img/letterhead.svg">logo</a>'
        "</body></html>"
    )
    fetcher.calls.clear()

    pdf = renderer.html_to_pdf(html, "en")

    assert embedded_files(PdfReader(io.BytesIO(pdf))) == []
    assert "static:letters/letter.css" not in fetcher.calls


@pytest.mark.parametrize(
    "src",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "static:../config.py",
    ],
)
def test_html_to_pdf_with_a_forbidden_resource_stops_rendering(renderer, src):
    html = f'<html><body><img src="{src}"></body></html>'

    with pytest.raises(FatalURLFetchingError):
        renderer.html_to_pdf(html, "en")


# -- Rebuilding from the stored snapshot ------------------------------------


def test_rebuild_from_snapshot_gives_the_same_text_and_bytes(renderer):
    ctx = sample_context(language="fr", state_name="Cambodge", delegate_name="Zoë d'Arc")
    snapshot = json.loads(json.dumps(ctx.to_dict()))  # as stored in the letters table

    rebuilt = LetterContext.from_dict(snapshot)
    first, second = renderer.render(ctx), renderer.render(rebuilt)

    assert rebuilt == ctx
    assert pdf_text(second) == pdf_text(first)
    assert second == first  # same sha256: an issued letter can be re-verified


def test_rebuild_with_a_fresh_renderer_gives_the_same_bytes(renderer):
    ctx = sample_context()

    assert LetterRenderer().render(ctx) == renderer.render(ctx)


def test_to_dict_holds_only_json_primitives():
    data = sample_context().to_dict()

    assert json.loads(json.dumps(data)) == data
    assert isinstance(data["cost_lines"][0]["amount"], str)
    assert data["schema"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unexpected": 1}, "unknown snapshot keys"),
        ({"total": 4132.0}, "decimal string"),
        ({"language": "de"}, "language"),
        ({"answer_url": "javascript:alert(1)"}, "http(s) URL"),
        ({"verification_url": "file:///etc/passwd"}, "http(s) URL"),
        ({"issue_date": "02/11/2026"}, "ISO date"),
        ({"schema": 99}, "schema"),
    ],
)
def test_from_dict_with_bad_snapshot_raises(change, message):
    data = {**sample_context().to_dict(), **change}

    with pytest.raises(LetterContextError, match=re.escape(message)):
        LetterContext.from_dict(data)


def test_from_dict_without_a_field_raises():
    data = sample_context().to_dict()
    del data["delegate_name"]

    with pytest.raises(LetterContextError):
        LetterContext.from_dict(data)


def test_context_is_frozen():
    ctx = sample_context()

    with pytest.raises(AttributeError):
        ctx.delegate_name = "Someone else"  # type: ignore[misc]
    assert replace(ctx, delegate_name="B").delegate_name == "B"


# -- The fetcher -----------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Fail loudly if anything tries to open a socket or a urllib handler."""

    def refuse(*args, **kwargs):
        raise AssertionError("network or urllib used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/font.woff2",
        "ftp://example.org/file",
        "gopher://example.org/",
        "javascript:alert(1)",
        "img/letterhead.svg",
        "static:../config.py",
        "static:/../config.py",
        "static:css/../../config.py",
        "static:%2e%2e/config.py",
        "static:img/%2e%2e/%2e%2e/config.py",
        "static:img\\..\\..\\config.py",
        "static://evil.example/img/letterhead.svg",
        "static:img/letterhead.svg?x=1",
        "static:",
        "static:img/missing.svg",
        "data:text/plain,secret",
        "data:application/octet-stream;base64,c2VjcmV0",
        "data:text/html,<script>1</script>",
    ],
)
def test_fetcher_refuses_anything_but_our_static_files_and_data(no_network, url):
    fetcher = LetterURLFetcher()

    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    with pytest.raises(FatalURLFetchingError), fetch(fetcher, url):
        pass


def test_fetcher_open_with_a_request_refuses_without_urllib(no_network):
    fetcher = LetterURLFetcher()

    with pytest.raises(RefusedURL):
        fetcher.open(urllib.request.Request("http://example.org/redirect"))


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (tmp_path / "secret.css").write_text("body{}")
    (root / "link.css").symlink_to(tmp_path / "secret.css")
    (root / "ok.css").write_text("p{}")
    fetcher = LetterURLFetcher(root)

    with pytest.raises(RefusedURL, match="out of static"):
        fetcher.fetch("static:link.css")
    assert fetcher.fetch("static:ok.css").read() == b"p{}"


def test_fetcher_refuses_a_file_type_a_letter_is_not_drawn_with(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "app.js").write_text("alert(1)")

    with pytest.raises(RefusedURL, match="type refused"):
        LetterURLFetcher(root).fetch("static:app.js")


@pytest.mark.parametrize(
    ("url", "path", "content_type"),
    [
        ("static:img/letterhead.svg", "img/letterhead.svg", "image/svg+xml"),
        ("static:/img/letterhead.svg", "img/letterhead.svg", "image/svg+xml"),
        ("static:letters/letter.css", "letters/letter.css", "text/css"),
        (
            "static:fonts/noto-sans-latin-400-normal.woff2",
            "fonts/noto-sans-latin-400-normal.woff2",
            "font/woff2",
        ),
    ],
)
def test_fetcher_serves_our_static_files(no_network, url, path, content_type):
    response = LetterURLFetcher().fetch(url)

    assert response.read() == (STATIC_ROOT / path).read_bytes()
    assert response.content_type == content_type


@pytest.mark.parametrize(
    ("url", "body", "content_type"),
    [
        ("data:image/png;base64,iVBORw0KGgo=", b"\x89PNG\r\n\x1a\n", "image/png"),
        ("data:image/svg+xml,%3Csvg%2F%3E", b"<svg/>", "image/svg+xml"),
        ("data:text/css,p%7Bcolor:red%7D", b"p{color:red}", "text/css"),
    ],
)
def test_fetcher_serves_data_uris(no_network, url, body, content_type):
    response = LetterURLFetcher().fetch(url)

    assert response.read() == body
    assert response.content_type == content_type


def test_renderer_fetches_only_static_files_from_start_to_finish():
    fetcher = RecordingFetcher()

    LetterRenderer(fetcher=fetcher).render(sample_context())

    assert fetcher.calls, "fonts, stylesheet and letterhead come through the fetcher"
    # Our static files, and the QR code the renderer wrote as a PNG data: URI.
    assert all(url.startswith(("static:", "data:image/png;base64,")) for url in fetcher.calls), (
        fetcher.calls
    )
    assert "static:letters/letter.css" in fetcher.calls
    assert any(url.startswith("static:fonts/") for url in fetcher.calls)


# -- Helpers: breaking, page counter, translations -------------------------


def test_breakable_leaves_ordinary_text_alone():
    assert breakable("Wolfeschlegelsteinhausenbergerdorff <b>") == (
        "Wolfeschlegelsteinhausenbergerdorff &lt;b&gt;"
    )


def test_breakable_long_run_gets_break_opportunities_and_stays_escaped():
    result = breakable("<" * 45)

    assert str(result) == "&lt;" * 20 + "<wbr>" + "&lt;" * 20 + "<wbr>" + "&lt;" * 5


def test_breakable_never_splits_a_combining_mark_from_its_letter():
    run = "e\u0301" * 30  # 60 code points, 30 accented letters

    pieces = str(breakable(run)).split("<wbr>")

    assert len(pieces) > 1
    assert all(not piece.startswith("\u0301") for piece in pieces)
    assert "".join(pieces) == run


def test_page_counter_css_keeps_translated_words_around_counters():
    css = page_counter_css('Página %(page)s "de" %(pages)s')

    assert 'content: "Página " counter(page) " \\"de\\" " counter(pages);' in css


def _template_messages() -> list[tuple[str, str | tuple]]:
    env = SandboxedEnvironment(extensions=["jinja2.ext.i18n"])
    source = (TEMPLATE_DIR / "award_letter.html").read_text(encoding="utf-8")
    messages = [message for _, _, message in env.extract_translations(source)]
    render_source = Path(letters_render.__file__).read_text(encoding="utf-8")
    messages += re.findall(r'gettext\("([^"]+)"\)', render_source)
    return messages


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_letter_string_has_a_translation(language):
    compiled = getattr(Translations.load(str(TRANSLATIONS_DIR), [language]), "_catalog", {})
    messages = [m[0] if isinstance(m, tuple) else m for m in _template_messages()]

    missing = [m for m in messages if m not in compiled and (m, 0) not in compiled]

    assert len(messages) > 40
    assert missing == []
