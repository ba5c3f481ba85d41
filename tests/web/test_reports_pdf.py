"""PDF reports: the figures read back from the PDF, tables that break cleanly across
pages, and hostile names printed as typed without anything being fetched."""

from __future__ import annotations

import io
import re
import socket
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.funding import ledger
from sponsorship.models import Donor
from sponsorship.reporting import donor as reports_donor
from sponsorship.reporting import pdf as reports_pdf
from sponsorship.reporting import programme as reports_programme
from tests.conftest import post_form
from tests.exports import download
from tests.factories import ContributionFactory, StateFactory, UserFactory
from tests.unit.test_ledger import award_for


def _demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _read(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, text


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_donor_pdf_reads_back_its_figures(db, client, auth, runner):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    reader, text = _read(download(client, "/donor/report.pdf"))
    norway = db.session.scalar(select(Donor).where(Donor.name == "Norway"))
    report = reports_donor.donor_report(norway)
    assert reader.metadata.title == "Report to Norway on its contributions"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    flat = _flat(text)
    for label, value in (
        ("Received", report.totals.received),
        ("Spent", report.totals.spent),
        ("Available", report.totals.available),
        ("Returned", report.totals.returned),
    ):
        assert f"{label} CHF{_money(value)}" in flat
    assert f"{report.outcomes.funded} participations" in flat
    for award in report.awards:
        assert award.reference in flat
    # A table per meeting, under its title, latest meeting first.
    at = flat.index("Awards your money funded")
    groups = report.awards_by_meeting()
    assert groups
    for meeting, awards in groups:
        at = flat.index(meeting, at)
        assert all(flat.index(a.reference) > at for a in awards)
    assert "By theme" in flat
    assert not reader.attachments


def test_programme_pdf_reads_back_its_figures(db, client, auth, runner):
    _demo(runner)
    auth.login("admin@demo.test", DEMO_PASSWORD)
    reader, text = _read(download(client, "/admin/reports/programme.pdf"))
    assert reader.metadata.title == "Sponsorship Programme report"
    flat = _flat(text)
    for ln in reports_programme.lines("year"):
        assert ln.label in flat
        assert f"CHF{_money(ln.actual)}" in flat
    shared = [ln for ln in reports_programme.lines("meeting") if ln.funded]
    assert shared, "the demo funds some meeting"
    # Each line's donors, after the tables: running text, not a column of the table.
    donors = flat.index("Donors and shares per meeting")
    for ln in shared:
        for name, amount, pct in reports_programme.shares(ln):
            assert f"{name}: CHF{_money(amount)} ({pct} %)" in flat[donors:]


def test_french_pdf_has_french_metadata(db, client, auth, runner):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    post_form(client, "/language", {"lang": "fr"}, page="/donor/")
    reader, _text = _read(download(client, "/donor/report.pdf"))
    assert reader.trailer["/Root"]["/Lang"] == "fr"


class RecordingFetcher(reports_pdf.LetterURLFetcher):
    """The letters' fetcher, noting every URL it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def fetch(self, url, headers=None):
        self.urls.append(url)
        return super().fetch(url, headers)


@pytest.fixture
def listener():
    """A TCP port on loopback that records whether anything connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.setblocking(False)
    yield sock
    sock.close()


def _connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
    except BlockingIOError:
        return False
    return True


def test_hostile_names_print_as_typed_and_fetch_nothing(
    db, client, auth, listener, tmp_path, monkeypatch
):
    port = listener.getsockname()[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("do not embed")
    donor_name = f'<img src="http://127.0.0.1:{port}/d.png"> & Co'
    state_name = f'<link rel="attachment" href="file://{secret}">Evilland'
    user = UserFactory(donor_rep=True, donor__name=donor_name)
    ContributionFactory(donor=user.donor, amount=Decimal("5000.00"))
    award = award_for("1200.00", state=StateFactory(name=state_name))
    award.delegate.function = f'<style>@import "http://127.0.0.1:{port}/x.css";</style>'
    ledger.allocate(award, UserFactory())
    db.session.commit()
    recording = RecordingFetcher()
    monkeypatch.setattr(reports_pdf, "_renderer", reports_pdf.ReportRenderer(recording))

    auth.login(user.email)
    reader, text = _read(download(client, "/donor/report.pdf"))

    flat = _flat(text).replace(" ", "")
    assert donor_name.replace(" ", "") in flat
    assert state_name.replace(" ", "") in flat
    assert not _connected(listener)
    assert not reader.attachments
    assert b"do not embed" not in download(client, "/donor/report.pdf").data
    assert recording.urls and all(u.startswith("static:") for u in recording.urls), recording.urls
    assert reader.metadata.title == f"Report to {donor_name} on its contributions"


def test_long_tables_repeat_their_header_and_keep_rows_whole(app):
    rows = "".join(
        f"<tr><td>Row {i:03d}</td><td>alpha {i:03d}<br>beta {i:03d}<br>gamma {i:03d}</td></tr>"
        for i in range(120)
    )
    html = (
        '<html lang="en"><head><title>Pages</title></head><body><h1>Pages</h1>'
        "<table><thead><tr><th>Reference</th><th>Detail</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
    with app.app_context():
        pdf = reports_pdf.ReportRenderer().render(html)
    reader = PdfReader(io.BytesIO(pdf.data))
    assert pdf.pages == len(reader.pages) > 2
    seen = set()
    for page in reader.pages:
        text = page.extract_text()
        assert "Reference" in text and "Detail" in text
        for i in range(120):
            parts = [f"{w} {i:03d}" in text for w in ("Row", "alpha", "beta", "gamma")]
            assert all(parts) or not any(parts), f"row {i} split across pages"
            if all(parts):
                seen.add(i)
    assert seen == set(range(120))


def test_render_report_embeds_only_the_bundled_font():
    pdf = reports_pdf.ReportRenderer().render(
        '<html lang="es"><body><h1>Informe</h1><p>Ŋŋ Ñandú <b>total</b></p></body></html>'
    )
    reader = PdfReader(io.BytesIO(pdf.data))
    used = reader.pages[0]["/Resources"]["/Font"].values()
    fonts = [str(font.get_object()["/BaseFont"]) for font in used]
    assert fonts and all("Letter-Sans" in name for name in fonts), fonts
