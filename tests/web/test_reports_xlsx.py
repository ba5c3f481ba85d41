"""XLSX exports keep numbers as numbers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from sponsorship.devdata.demo import DEMO_PASSWORD
from tests.exports import download

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_donor_xlsx_has_typed_cells(db, client, auth, runner):
    _demo(runner)
    auth.login("donor@demo.test", DEMO_PASSWORD)
    response = download(client, "/donor/report.xlsx")
    assert response.mimetype == XLSX
    wb = load_workbook(io.BytesIO(response.data))
    summary = list(wb["Summary"].iter_rows(values_only=True))
    assert summary[0] == ("Figure", "Amount", "Currency")
    assert all(isinstance(r[1], int | float) and r[2] == "CHF" for r in summary[1:])


def test_programme_xlsx_has_typed_cells(db, client, auth, runner):
    _demo(runner)
    auth.login("admin@demo.test", DEMO_PASSWORD)
    response = download(client, "/admin/reports/programme.xlsx")
    assert response.mimetype == XLSX
    ws = load_workbook(io.BytesIO(response.data))["Programme"]
    row = next(ws.iter_rows(min_row=2, max_row=2))
    assert isinstance(row[3].value, int)
    assert isinstance(row[4].value, int)
