"""Issue 7, done when: in real Chromium donor@demo.test sees its contributions and
their use with charts, downloads the CSV, XLSX, PDF, 360Giving and IATI files (each
parsed here, the open data validated against the official schemas), and another
donor's detail is refused."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Contribution, Donor
from tests.e2e.conftest import sign_in
from tests.unit.test_reports_opendata import assert_valid_360giving, assert_valid_iati


def _contribution_ids(app) -> tuple[int, int]:
    """Norway's contribution and another donor's."""
    with app.app_context():
        rows = db.session.execute(
            select(Contribution.id, Donor.name).join(Donor).order_by(Contribution.id)
        ).all()
        db.session.remove()
    mine = next(cid for cid, name in rows if name == "Norway")
    theirs = next(cid for cid, name in rows if name != "Norway")
    return mine, theirs


def _download(page: Page, name: str) -> bytes:
    """A report from the dashboard: at once when a current copy is ready, else from the
    page of the job preparing it, which refreshes itself until the copy is ready."""
    dashboard = page.url
    page.get_by_role("link", name=name).click()
    with page.expect_download(timeout=120_000) as info:
        page.locator("#export-download").click(timeout=120_000)
    data = Path(info.value.path()).read_bytes()
    page.goto(dashboard)
    return data


def test_donor_sees_its_money_downloads_every_report_and_not_another_donors(page: Page, own_site):
    app, base = own_site
    mine, theirs = _contribution_ids(app)

    sign_in(page, "donor@demo.test", base)

    expect(page.locator("h1")).to_have_text("Norway")
    contributions = page.locator("#contrib-title + .table-scroll table")
    expect(contributions).to_contain_text("NO-2025-01")
    expect(page.locator("#outcomes-title")).to_have_text("What your money paid for")
    # Headline cards, then the trend and the map: each an image with a title and its
    # data table beside it.
    expect(page.locator("#card-states .stat-value")).to_have_text("4")
    expect(page.locator("svg.world-map[role=img] > title")).to_have_count(1)
    expect(page.locator("#map-title ~ .table-scroll table")).to_contain_text("Chad")
    expect(page.locator("figure.chart-figure svg[role=img] > title")).to_have_count(1)
    # At 1280 px every column of the awards table is in view, none hidden off-screen.
    awards = page.locator("#awards-title + .table-scroll")
    assert awards.evaluate("e => e.scrollWidth <= e.clientWidth")
    expect(page.locator("#awards-title + .table-scroll table")).to_contain_text("SP-2025-MSP22-")

    # A chart per breakdown on their own page, reached from the donor's menu.
    page.get_by_role("navigation", name="Your report").get_by_role(
        "link", name="Who your money sponsored"
    ).click()
    charts = page.locator("figure.chart-figure")
    expect(charts).to_have_count(4)
    for n in range(4):
        expect(charts.nth(n).locator("svg[role=img] > title")).to_have_count(1)
    page.get_by_role("link", name="Overview").click()

    data = _download(page, "Download the report (CSV)").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0][0] == "Reference" and rows[0][-2:] == ["Amount", "Currency"]
    assert len(rows) == 5 and all(r[0].startswith("SP-2025-MSP22-") for r in rows[1:])

    workbook = load_workbook(io.BytesIO(_download(page, "Download the report (XLSX)")))
    totals = list(workbook["Summary"].iter_rows(values_only=True))[1:]
    assert totals and all(isinstance(r[1], int | float) and r[2] == "CHF" for r in totals)

    pdf = PdfReader(io.BytesIO(_download(page, "Download the report (PDF)")))
    assert pdf.metadata.title == "Report to Norway on its contributions"
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "NO-2025-01" in text and "What your money paid for" in text

    grants = json.loads(_download(page, "Open data: grants (360Giving JSON)"))
    assert_valid_360giving(grants)
    assert {o["name"] for g in grants["grants"] for o in g["fundingOrganization"]} == {"Norway"}

    activity = assert_valid_iati(_download(page, "Open data: activity (IATI XML)"))
    assert activity.find(".//sector").get("code") == "15250"

    # Its own contribution in detail; another donor's is refused like a missing one.
    page.locator(f"a[href='/donor/contributions/{mine}']").click()
    expect(page.locator("h1")).to_contain_text("NO-2025-01")
    expect(page.locator("#use-title")).to_be_visible()
    response = page.goto(f"{base}/donor/contributions/{theirs}")
    assert response.status == 404
    assert "NO-2025-01" not in page.content()
    response = page.goto(f"{base}/admin/funds/contributions/{theirs}")
    assert response.status == 403
