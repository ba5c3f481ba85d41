"""Reports prepared by a job: no request builds one; a copy is served while its data
stamp is current; the page shows the progress and offers the last ready copy."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from sponsorship.models import ReportExport
from sponsorship.reporting import export_kinds
from sponsorship.reporting import pdf as reports_pdf
from sponsorship.storage import file_store
from tests.exports import run_jobs
from tests.factories import ContributionFactory, UserFactory


@pytest.fixture
def donor(db):
    user = UserFactory(donor_rep=True)
    ContributionFactory(donor=user.donor, reference="EXPORT-1")
    db.session.commit()
    return user


@pytest.fixture
def renders(monkeypatch):
    """Every PDF layout, counted (and skipped: the layout has its own tests)."""
    calls = []

    def fake(html, page_label="Page %(page)s of %(pages)s"):
        calls.append(html)
        return reports_pdf.ReportPDF(b"%PDF-1.7 fake " + str(len(calls)).encode(), 1)

    monkeypatch.setattr(reports_pdf, "render_pdf", fake)
    return calls


def _export_id(response) -> int:
    assert response.status_code == 303
    return int(re.search(r"/exports/(\d+)$", response.headers["Location"]).group(1))


def test_pdf_request_queues_job_and_never_renders(client, auth, donor, renders):
    auth.login(donor.email)
    first = client.get("/donor/report.pdf")
    export_id = _export_id(first)
    page = client.get(f"/donor/exports/{export_id}")
    assert page.status_code == 200
    assert page.headers["Refresh"] == "2"
    assert 'id="export-progress"' in page.get_data(as_text=True)
    assert renders == []
    assert _export_id(client.get("/donor/report.pdf")) == export_id  # one job per stamp
    assert [r["status"] for r in run_jobs()] == ["ready"]
    assert len(renders) == 1
    served = client.get("/donor/report.pdf")
    assert served.status_code == 200
    assert served.mimetype == "application/pdf"
    assert served.data == b"%PDF-1.7 fake 1"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert len(renders) == 1
    ready = client.get(f"/donor/exports/{export_id}")
    assert "Refresh" not in ready.headers
    assert client.get(f"/donor/exports/{export_id}/file").data == served.data


def test_write_makes_copy_stale_and_page_offers_last_copy(db, client, auth, donor):
    auth.login(donor.email)
    first = _export_id(client.get("/donor/report.xlsx"))
    run_jobs()
    assert client.get("/donor/report.xlsx").status_code == 200
    ContributionFactory(donor=donor.donor, reference="EXPORT-2")
    db.session.commit()
    second = _export_id(client.get("/donor/report.xlsx"))
    assert second != first
    page = client.get(f"/donor/exports/{second}").get_data(as_text=True)
    assert "Last ready copy, prepared" in page
    assert f"/donor/exports/{first}/file" in page
    old = client.get(f"/donor/exports/{first}/file")
    assert old.status_code == 200
    run_jobs()
    new = client.get("/donor/report.xlsx")
    pledged = [
        next(
            row[1]
            for row in load_workbook(io.BytesIO(r.data))["Summary"].iter_rows(values_only=True)
            if row[0] == "Pledged"
        )
        for r in (old, new)
    ]
    assert pledged[0] != pledged[1]  # the old copy is the data before the write


def test_another_donors_export_is_not_found(db, client, auth, donor):
    auth.login(donor.email)
    export_id = _export_id(client.get("/donor/report.csv"))
    run_jobs()
    auth.logout()
    other = UserFactory(donor_rep=True)
    db.session.commit()
    auth.login(other.email)
    assert client.get(f"/donor/exports/{export_id}").status_code == 404
    assert client.get(f"/donor/exports/{export_id}/file").status_code == 404


def test_failed_job_says_so_and_offers_to_try_again(client, auth, donor, monkeypatch):
    def broken(_donor_id, _progress):
        raise RuntimeError("boom")

    kind = export_kinds.KINDS["donor.xlsx"]
    monkeypatch.setitem(
        export_kinds.KINDS,
        "donor.xlsx",
        export_kinds.ExportKind(*list(vars(kind).values())[:4], broken),
    )
    auth.login(donor.email)
    export_id = _export_id(client.get("/donor/report.xlsx"))
    assert [r["status"] for r in run_jobs()] == ["failed"]
    page = client.get(f"/donor/exports/{export_id}")
    assert "could not be prepared" in page.get_data(as_text=True)
    assert "Refresh" not in page.headers
    assert client.get(f"/donor/exports/{export_id}/file").status_code == 404


def test_only_the_newest_copies_stay_stored(db, client, auth, donor):
    auth.login(donor.email)
    for n in range(4):
        ContributionFactory(donor=donor.donor, reference=f"PRUNE-{n}")
        db.session.commit()
        client.get("/donor/report.csv")
        run_jobs()
    ready = db.session.query(ReportExport).filter_by(kind="donor.csv", status="ready").all()
    assert len(ready) == 2
    assert len(file_store().keys("exports/")) == 2
