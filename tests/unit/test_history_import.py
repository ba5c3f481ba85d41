"""The history import: the published 2017 and 2018 figures come in from a workbook and
every report reads them back; a faulty workbook is reported row by row and changes
nothing; importing again changes nothing; a dry run changes nothing."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from sponsorship.history import importer
from sponsorship.models import (
    Allocation,
    AuditEvent,
    Award,
    AwardStatus,
    Contribution,
    HistoryImport,
    Letter,
    Meeting,
    OutboxMessage,
)
from sponsorship.reporting import opendata
from sponsorship.reporting import programme as reports
from tests.exports import download
from tests.factories import StateFactory, UserFactory
from tests.history_data import STATE_CODES, published_rows, published_workbook, workbook_bytes

D = Decimal
TABLES = (Meeting, Contribution, Award, Allocation, AuditEvent, HistoryImport)


@pytest.fixture
def states(db):
    made = [StateFactory(iso3=code, iso2=None) for code in STATE_CODES]
    db.session.commit()
    return made


def _counts(db) -> dict:
    return {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def _imported(db, states) -> importer.Outcome:
    outcome = importer.run(published_workbook(), None, filename="published.xlsx")
    assert outcome.errors == []
    return outcome


def test_import_published_figures_reproduce_the_programme_report(db, states):
    outcome = _imported(db, states)
    assert outcome.added == {
        "meetings": 3,
        "donors": 2,
        "contributions": 3,
        "delegates": 43,
        "awards": 43,
        "attendance": 37,
    }
    years = {ln.year: ln for ln in reports.lines("year")}
    assert (years[2017].attended, years[2017].actual, years[2017].funded) == (
        27,
        D(67000),
        D(67000),
    )
    assert (years[2018].offered, years[2018].attended, years[2018].actual) == (16, 10, D(24271))
    meetings = {ln.label: ln for ln in reports.lines("meeting")}
    assert meetings["Intersessional Meetings 2017"].actual == D(20000)
    assert meetings["Sixteenth Meeting of the States Parties"].actual == D(47000)
    assert meetings["Sixteenth Meeting of the States Parties"].attended == 19


def test_import_keeps_real_dates_and_fires_no_live_rule(db, states):
    _imported(db, states)
    award = db.session.scalars(select(Award).order_by(Award.id)).first()
    assert award.offered_at.date() == date(2017, 4, 20)
    assert award.responded_at.date() == date(2017, 4, 27)
    assert award.offer_deadline is None
    assert award.status == AwardStatus.ATTENDED and award.reconciled_at.date() == date(2017, 6, 7)
    assert {a.created_at.date() for a in db.session.scalars(select(Allocation))} <= {
        date(2017, 4, 20),
        date(2017, 10, 16),
        date(2018, 4, 9),
        date(2017, 6, 7),
        date(2017, 12, 18),
        date(2018, 6, 6),
        date(2018, 4, 16),
    }
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
    assert not any(m.window_open for m in db.session.scalars(select(Meeting)))


def test_import_marks_every_audit_event_with_the_sha256(db, states):
    outcome = _imported(db, states)
    events = db.session.scalars(select(AuditEvent)).all()
    assert events and all((e.after or {}).get("imported") == outcome.sha256 for e in events)
    kept = db.session.scalar(select(HistoryImport))
    assert kept.sha256 == outcome.sha256 and kept.filename == "published.xlsx"


def test_reimport_changes_nothing(db, states):
    _imported(db, states)
    before = _counts(db)
    again = importer.run(published_workbook(), None, filename="published.xlsx")
    assert again.errors == [] and not any(again.added.values())
    assert again.present["awards"] == 43
    assert _counts(db) == before


def test_dry_run_changes_nothing(db, states):
    before = _counts(db)
    outcome = importer.run(published_workbook(), None, dry_run=True)
    assert outcome.errors == [] and outcome.added["awards"] == 43
    assert _counts(db) == before


def _faulty() -> bytes:
    sheets = published_rows()
    sheets["meetings"][1] = {**sheets["meetings"][1], "starts_on": "18/12/2017"}
    sheets["contributions"][1] = {**sheets["contributions"][1], "donor": "Atlantis"}
    sheets["delegates"][0] = {**sheets["delegates"][0], "gender": "robot"}
    sheets["awards"][3] = {**sheets["awards"][3], "state": "ZZZ"}
    sheets["attendance"][2] = {**sheets["attendance"][2], "attended": "perhaps"}
    return workbook_bytes(sheets)


def test_faulty_workbook_reports_each_row_and_changes_nothing(db, states):
    before = _counts(db)
    outcome = importer.run(_faulty(), None)
    found = {(e.sheet, e.row, e.column) for e in outcome.errors}
    assert {
        ("meetings", 3, "starts_on"),
        ("contributions", 3, "donor"),
        ("delegates", 2, "gender"),
        ("awards", 5, "state"),
        ("attendance", 4, "attended"),
    } <= found
    assert _counts(db) == before


def test_faulty_workbook_reports_in_the_users_language(app, db, states):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        outcome = importer.run(_faulty(), None)
    message = next(e.message for e in outcome.errors if e.column == "starts_on")
    assert "AAAA-MM-JJ" in message


def test_not_a_workbook_is_reported(db):
    outcome = importer.run(b"not a workbook", None)
    assert [e.message for e in outcome.errors] == ["This is not an XLSX workbook."]


def test_offer_the_money_cannot_cover_is_refused_whole(db, states):
    sheets = published_rows()
    sheets["contributions"] = sheets["contributions"][:1]
    before = _counts(db)
    outcome = importer.run(workbook_bytes(sheets), None)
    assert any(e.sheet == "awards" and e.column == "decision" for e in outcome.errors)
    assert _counts(db) == before


# --- Every export, per year ----------------------------------------------------------


def _iati_per_year(xml: bytes, code: str) -> dict[int, Decimal]:
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for t in etree.fromstring(xml).iter("transaction"):
        if t.find("transaction-type").get("code") == code:
            day = date.fromisoformat(t.find("transaction-date").get("iso-date"))
            sums[day.year] += D(t.find("value").text)
    return dict(sums)


def test_open_data_per_year_equals_the_published_figures(db, states):
    _imported(db, states)
    xml = opendata.iati_activities()
    assert _iati_per_year(xml, "4") == {2017: D(67000), 2018: D(24271)}
    assert _iati_per_year(xml, "3") == {}
    years = {ln.year: ln.funded for ln in reports.lines("year")}
    assert _iati_per_year(xml, "4") == years
    grants = opendata.threesixty_giving()["grants"]
    per_year: dict[int, Decimal] = defaultdict(Decimal)
    people: dict[int, int] = defaultdict(int)
    for g in grants:
        year = date.fromisoformat(g["awardDate"]).year
        per_year[year] += D(str(g["amountAwarded"]))
        people[year] += g["numberOfPeople"]
    assert dict(per_year) == {2017: D(67000), 2018: D(24271)}
    assert dict(people) == {2017: 27, 2018: 10}


def test_csv_xlsx_and_pdf_show_the_published_figures(client, db, auth, states):
    _imported(db, states)
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    text = download(client, "/admin/reports/programme.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    years = {r["key"]: r for r in rows if r["level"] == "year"}
    assert (years["2017"]["attended"], D(years["2017"]["actual"])) == ("27", D(67000))
    assert (years["2018"]["offered"], years["2018"]["attended"]) == ("16", "10")
    assert D(years["2018"]["actual"]) == D(24271)
    book = load_workbook(io.BytesIO(download(client, "/admin/reports/programme.xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = [dict(zip(header, (c.value for c in r), strict=False)) for r in sheet.iter_rows(2)]
    xlsx_years = {str(r["key"]): r for r in cells if r["level"] == "year"}
    assert (xlsx_years["2017"]["attended"], xlsx_years["2017"]["actual"]) == (27, 67000)
    assert xlsx_years["2018"]["actual"] == 24271
    pdf = PdfReader(io.BytesIO(download(client, "/admin/reports/programme.pdf").data))
    flat = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    for figure in ("67,000.00", "24,271.00", "20,000.00", "47,000.00"):
        assert figure in flat


def test_offer_only_uses_money_received_by_its_day(db, states):
    """The money moves as a timeline: an offer of April 2017 cannot be paid from a
    contribution that arrived in 2018, even though the workbook lists it."""
    sheets = published_rows()
    for row in sheets["contributions"][:2]:
        row["received_on"] = date(2018, 1, 5)
        row["earmark_year"] = None
    before = _counts(db)
    outcome = importer.run(workbook_bytes(sheets), None)
    refused = [e for e in outcome.errors if e.sheet == "awards" and e.column == "decision"]
    assert refused and refused[0].row == 2
    assert _counts(db) == before


def test_cli_dry_run_changes_nothing_then_imports(db, runner, states, tmp_path):
    path = tmp_path / "published.xlsx"
    path.write_bytes(published_workbook())
    before = _counts(db)
    result = runner.invoke(args=["history", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "awards: 43 added" in result.output and "dry run" in result.output
    assert _counts(db) == before
    result = runner.invoke(args=["history", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Award)) == 43


def test_cli_reports_each_problem_and_fails(db, runner, states, tmp_path):
    path = tmp_path / "faulty.xlsx"
    path.write_bytes(_faulty())
    result = runner.invoke(args=["history", "import", str(path)])
    assert result.exit_code != 0
    assert "meetings row 3 starts_on: Not a date" in result.output
    assert db.session.scalar(select(func.count()).select_from(Award)) == 0


def test_rows_refering_to_a_faulty_row_are_not_reported_again(db, states):
    sheets = published_rows()
    sheets["meetings"][0] = {**sheets["meetings"][0], "starts_on": "7 June"}
    outcome = importer.run(workbook_bytes(sheets), None)
    assert [(e.sheet, e.row, e.column) for e in outcome.errors] == [("meetings", 2, "starts_on")]


def test_import_links_people_across_meetings(db, states):
    """Rule: a delegate named again at a later meeting (same passport) is the same person:
    the published years hold 43 participations of 31 people."""
    from sponsorship.models import Person

    _imported(db, states)
    assert reports.people_and_participations() == (31, 43)
    assert reports.people_and_participations(attended=True) == (25, 37)
    persons = db.session.scalar(select(func.count(Person.id)))
    importer.run(published_workbook(), None, filename="again.xlsx")
    assert db.session.scalar(select(func.count(Person.id))) == persons == 31


def test_import_queues_no_mail_even_to_states_with_applicants(db, states):
    """Rule: an imported decline happened years ago; its State's applicants are not
    mailed about it now (the live status-change mails stay silent during an import)."""
    from sponsorship.models import Role
    from tests.factories import UserFactory

    for state in states:
        UserFactory(role=Role.APPLICANT, state=state)
    db.session.commit()
    _imported(db, states)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_threesixty_recipients_count_people_grants_count_participations(db, states):
    """Rule: one grant per participation that holds money; its recipient is the person,
    so a reader counting distinct recipients counts people (25 attended, 37 times)."""
    _imported(db, states)
    grants = opendata.threesixty_giving()["grants"]
    assert len(grants) == 37
    assert len({g["recipientIndividual"]["id"] for g in grants}) == 25
