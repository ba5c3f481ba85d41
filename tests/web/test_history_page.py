"""The administrators' history page: template download, upload, preview, confirm."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from sponsorship.models import Award, HistoryImport
from tests.conftest import csrf_token
from tests.factories import StateFactory, UserFactory
from tests.history_data import STATE_CODES, published_rows, published_workbook, workbook_bytes

PAGE = "/admin/history/"


@pytest.fixture
def admin(app, db, auth, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    for code in STATE_CODES:
        StateFactory(iso3=code, iso2=None)
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


def _upload(client, data: bytes, name: str = "history.xlsx"):
    return client.post(
        PAGE,
        data={"csrf_token": csrf_token(client, PAGE), "workbook": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _awards(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Award))


def test_template_download_explains_every_sheet(client, admin):
    response = client.get(PAGE + "template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "about",
        "meetings",
        "donors",
        "contributions",
        "delegates",
        "awards",
        "attendance",
    ]
    explained = {(r[0], r[1]) for r in book["about"].iter_rows(min_row=5, values_only=True)}
    assert ("awards", "decided_on") in explained and ("attendance", "paid_on") in explained


def test_upload_previews_then_confirm_imports(client, db, admin):
    response = _upload(client, published_workbook())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Import this workbook" in html and "43" in html
    assert _awards(db) == 0
    sha = html.split('name="sha256" type="hidden" value="')[1][:64]
    response = client.post(
        PAGE + "confirm",
        data={"csrf_token": csrf_token(client, PAGE), "sha256": sha, "filename": "history.xlsx"},
    )
    assert response.status_code == 302
    assert _awards(db) == 43
    page = client.get(PAGE).get_data(as_text=True)
    assert sha in page and db.session.scalar(select(HistoryImport.sha256)) == sha


def test_upload_with_errors_lists_each_row_and_offers_no_import(client, db, admin):
    sheets = published_rows()
    sheets["delegates"][4] = {**sheets["delegates"][4], "gender": "robot"}
    response = _upload(client, workbook_bytes(sheets))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<td>delegates</td><td class="num">6</td><td>gender</td>' in html
    assert "Import this workbook" not in html
    assert _awards(db) == 0


def test_confirm_unknown_workbook_changes_nothing(client, db, admin):
    response = client.post(
        PAGE + "confirm", data={"csrf_token": csrf_token(client, PAGE), "sha256": "a" * 64}
    )
    assert response.status_code == 302
    assert _awards(db) == 0


def test_upload_of_something_else_is_reported(client, db, admin):
    response = _upload(client, b"%PDF-1.4 not a workbook", "note.pdf")
    assert response.status_code == 422
    assert "This is not an XLSX workbook." in response.get_data(as_text=True)
