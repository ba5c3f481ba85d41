"""The audit trail's CSV is prepared by a job, like the reports: at twenty years it is
50,000 events written as sentences in the reader's language, seconds of work that no
web request waits on. Each filter is its own export; the page of the one coming leads
back to the trail with the same filter."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from sponsorship.audit_viewer import trail
from sponsorship.models import ReportExport, User
from sponsorship.reporting import prepared
from tests.exports import download, run_jobs


@pytest.fixture
def admin(db, runner, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    auth.login("admin@demo.test", "demo-password")
    return db.session.scalar(sa.select(User).where(User.email == "admin@demo.test"))


def _export_id(response) -> int:
    assert response.status_code == 303, response.status_code
    return int(re.search(r"/admin/reports/exports/(\d+)$", response.headers["Location"]).group(1))


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_audit_csv_request_queues_a_job_then_serves_its_filter(app, db, client, admin):
    url = f"/admin/audit/trail.csv?money=y&actor={admin.id}&page=3"
    export_id = _export_id(client.get(url))
    page = client.get(f"/admin/reports/exports/{export_id}")
    assert page.status_code == 200 and page.headers["Refresh"] == "2"
    body = page.get_data(as_text=True)
    assert "Audit trail (CSV)" in body
    assert f'href="/admin/audit/?actor={admin.id}&amp;money=y"' in body  # back, same filter
    run_jobs()
    status = sa.select(ReportExport.status).where(ReportExport.id == export_id)
    assert db.session.scalar(status) == "ready"
    # The same filter in another order (and another page of the trail) is the same file.
    rows = _rows(client.get(f"/admin/audit/trail.csv?actor={admin.id}&money=y"))
    with app.test_request_context():
        expected = trail.export_rows(trail.TrailFilter(actor_id=admin.id, money_only=True))
    assert len(rows) > 2
    assert rows == [[str(cell) for cell in row] for row in expected]


def test_audit_csv_of_another_filter_is_another_export(db, client, admin):
    first = _export_id(client.get("/admin/audit/trail.csv?money=y"))
    run_jobs()
    assert client.get("/admin/audit/trail.csv?money=y").status_code == 200
    second = _export_id(client.get("/admin/audit/trail.csv?person=Amina"))
    assert second != first
    everything = _rows(download(client, "/admin/audit/trail.csv"))  # no filter: every event
    money = _rows(download(client, "/admin/audit/trail.csv?money=y"))
    assert len(money) < len(everything)
    scopes = db.session.scalars(sa.select(ReportExport.scope)).all()
    assert len(set(scopes)) == 3 and all(s.startswith("audit-") for s in scopes)


def test_audit_csv_is_written_in_the_readers_language(db, client, admin):
    admin.locale = "es"
    db.session.commit()
    export_id = _export_id(client.get("/admin/audit/trail.csv?money=y"))
    run_jobs()
    rows = _rows(client.get(f"/admin/reports/exports/{export_id}/file"))
    assert rows[0][0] == "Cuándo (UTC)"
    assert db.session.get(ReportExport, export_id).locale == "es"


def test_audit_export_is_not_a_donors_to_open(db, client, auth, admin):
    export_id = _export_id(client.get("/admin/audit/trail.csv?money=y"))
    run_jobs()
    auth.logout()
    auth.login("donor@demo.test", "demo-password")
    assert client.get(f"/donor/exports/{export_id}").status_code == 404
    assert client.get(f"/donor/exports/{export_id}/file").status_code == 404


def test_other_filters_copies_are_dropped_a_day_on(db, client, admin):
    from datetime import timedelta

    from sponsorship.models.base import utcnow
    from sponsorship.storage import NotStored, file_store

    old = _export_id(client.get("/admin/audit/trail.csv?person=Amina"))
    run_jobs()
    recent = _export_id(client.get("/admin/audit/trail.csv?award=X"))
    run_jobs()
    old_key = db.session.get(ReportExport, old).file_key
    db.session.execute(
        sa.update(ReportExport)
        .where(ReportExport.id == old)
        .values(requested_at=utcnow() - prepared.KEPT_WITH_PARAMS - timedelta(minutes=1))
    )
    db.session.commit()
    _export_id(client.get("/admin/audit/trail.csv?money=y"))
    run_jobs()
    db.session.expire_all()
    assert db.session.get(ReportExport, old) is None
    with pytest.raises(NotStored):
        file_store().get(old_key)
    assert db.session.get(ReportExport, recent).status == "ready"  # not a day old yet
