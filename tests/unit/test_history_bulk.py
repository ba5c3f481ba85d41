"""The history import's bulk path (an in-memory ledger plan, written in batches) keeps
the live ledger's books: for the same workbook it chooses the same contributions, moves
the same amounts on the same days and writes the same audit events as the live
ledger row by row; the books balance after it; an attendance row for an award imported
earlier goes through the live ledger on the written balances; and the fast sheet
reader reads what openpyxl reads."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from sponsorship.funding import books
from sponsorship.history import importer
from sponsorship.history.xlsx_rows import Book
from sponsorship.models import (
    Allocation,
    AuditEvent,
    Award,
    AwardCostLine,
    Contribution,
    Delegate,
    RegionalGroup,
)
from tests.factories import StateFactory
from tests.history_data import STATE_CODES, published_rows, published_workbook, workbook_bytes

D = Decimal
REGIONS = (
    RegionalGroup.AFRICAN,
    RegionalGroup.ASIA_PACIFIC,
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN,
)


@pytest.fixture
def states(db):
    """The fixture's States in three regions, two of them not (yet) States Parties."""
    made = [
        StateFactory(
            iso3=code,
            iso2=None,
            regional_group=REGIONS[n % 3],
            convention_status="not_party" if n in (3, 7) else "state_party",
        )
        for n, code in enumerate(STATE_CODES)
    ]
    db.session.commit()
    return made


def _contribution(reference: str, amount, received: date, **earmarks) -> dict:
    return {
        "reference": reference,
        "donor": "Norway",
        "currency": "CHF",
        "amount": D(amount),
        "pledged_on": received,
        "received_on": received,
        **earmarks,
    }


def _earmarked_rows() -> dict[str, list[dict]]:
    """The published years paid from small contributions with every kind of earmark,
    so that offers split across several and the priority rule decides; plus a
    rejection, a cancellation, a no-show and overspends allocated and absorbed."""
    sheets = published_rows()
    sheets["contributions"] = [
        _contribution("GEN-1", 30000, date(2017, 1, 5)),
        _contribution("YEAR-2017", 9000, date(2017, 2, 1), earmark_year=2017),
        _contribution("MSP16", 11000, date(2017, 3, 1), earmark_meeting="MSP16"),
        _contribution("IS-KIND", 7000, date(2017, 3, 2), earmark_kind="intersessional"),
        _contribution("ASIA", 6000, date(2017, 3, 3), earmark_region="asia_pacific"),
        _contribution("UNIV", 5000, date(2017, 3, 4), earmark_theme="universalization"),
        _contribution("VA-SOON", 4000, date(2017, 3, 5), spend_by=date(2017, 5, 1)),
        _contribution("LAPSED", 9000, date(2017, 3, 6), spend_by=date(2017, 4, 1)),
        _contribution("GEN-2018", 40000, date(2018, 1, 15)),
    ]
    awards, attendance = sheets["awards"], sheets["attendance"]
    awards[2] = {**awards[2], "decision": "rejected", "response": None, "reason": "late"}
    awards[5] = {**awards[5], "response": "cancelled", "reason": "visa refused"}
    gone = {(awards[n]["meeting"], awards[n]["delegate"]) for n in (2, 5)}
    attendance[:] = [r for r in attendance if (r["meeting"], r["delegate"]) not in gone]
    attendance[0] = {**attendance[0], "attended": "no", "airfare": D(900), "dsa": None}
    attendance[1] = {**attendance[1], "airfare": D(1700), "overspend": "allocate"}
    attendance[2] = {**attendance[2], "airfare": D(1600), "overspend": "absorb"}
    attendance[3] = {**attendance[3], "airfare": D(1200), "report_received_on": date(2017, 7, 1)}
    return sheets


def _no_ids(value):
    """An event's values without what names rows by id (ids differ between runs)."""
    if isinstance(value, dict):
        return {k: _no_ids(v) for k, v in value.items() if k not in ("person", "delegate")}
    if isinstance(value, str):
        return re.sub(r"-\d{5}$", "-#", value)
    return value


def _books(db) -> dict:
    """Everything the money rows wrote, named by natural keys, in the order written."""
    name = select(Delegate.name).where(Delegate.id == Award.delegate_id).scalar_subquery()
    ref = select(Contribution.reference).where(Contribution.id == Allocation.contribution_id)
    allocation_award = select(Delegate.name).join(Award, Award.delegate_id == Delegate.id)
    return {
        "awards": db.session.execute(
            select(
                name,
                Award.status,
                Award.offered_at,
                Award.responded_at,
                Award.reconciled_at,
                Award.report_received_at,
                Award.decision_reason,
            ).order_by(name)
        ).all(),
        "lines": sorted(
            db.session.execute(
                select(
                    Delegate.name,
                    AwardCostLine.kind,
                    AwardCostLine.stage,
                    AwardCostLine.amount,
                    AwardCostLine.paid_on,
                )
                .join(Award, AwardCostLine.award_id == Award.id)
                .join(Delegate, Award.delegate_id == Delegate.id)
            ).all()
        ),
        "allocations": db.session.execute(
            select(
                allocation_award.where(Award.id == Allocation.award_id).scalar_subquery(),
                ref.scalar_subquery(),
                Allocation.amount,
                Allocation.status,
                Allocation.settled_at,
            ).order_by(Allocation.id)
        ).all(),
        "balances": db.session.execute(
            select(Contribution.reference, Contribution.committed, Contribution.spent).order_by(
                Contribution.reference
            )
        ).all(),
        "events": [
            (e.action, e.object_type, _no_ids(e.before), _no_ids(e.after))
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_type.in_(("Award", "Allocation")))
                .order_by(AuditEvent.id)
            )
        ],
    }


def _tried(db, monkeypatch, data: bytes, *, bulk: bool) -> dict:
    """The books a dry run of the import wrote, read just before it was rolled back."""
    seen: dict = {}
    write = importer._write

    def reading(ctx):
        write(ctx)
        seen.update(_books(db))

    monkeypatch.setattr(importer, "_write", reading)
    outcome = importer.run(data, None, dry_run=True, bulk=bulk)
    monkeypatch.undo()
    assert outcome.errors == []
    return seen


def test_bulk_import_writes_the_books_the_live_ledger_writes(db, states, monkeypatch):
    data = workbook_bytes(_earmarked_rows())
    live = _tried(db, monkeypatch, data, bulk=False)
    bulk = _tried(db, monkeypatch, data, bulk=True)
    assert len({row[1] for row in live["allocations"]}) >= 6  # the earmarks were used
    for part in ("awards", "lines", "allocations", "balances", "events"):
        assert bulk[part] == live[part], part


def test_bulk_import_balances_the_books(db, states):
    outcome = importer.run(workbook_bytes(_earmarked_rows()), None)
    assert outcome.errors == []
    assert all(line.ok for line in books.check_books())
    lapsed = db.session.scalar(select(Contribution).where(Contribution.reference == "LAPSED"))
    assert (lapsed.committed, lapsed.spent) == (0, 0)


def test_attendance_for_an_award_imported_before_goes_through_the_live_ledger(db, states):
    sheets = _earmarked_rows()
    first = {**sheets, "attendance": sheets["attendance"][:5]}
    assert importer.run(workbook_bytes(first), None).errors == []
    outcome = importer.run(workbook_bytes(sheets), None)
    assert outcome.errors == [] and outcome.present["attendance"] == 5
    assert outcome.added["attendance"] == len(sheets["attendance"]) - 5
    assert all(line.ok for line in books.check_books())
    at_once = _books(db)
    assert {r[1] for r in at_once["awards"]} >= {"attended", "no_show", "declined"}


def _openpyxl_rows(data: bytes, name: str) -> list[list]:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
    wb.close()
    return [r for r in rows if any(v is not None for v in r)]


def _trimmed(rows) -> list[list]:
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


def test_sheet_reader_reads_what_openpyxl_reads(db):
    wb = Workbook()
    ws = wb.active
    ws.title = "odd"
    ws.append(["text", "int", "float", "date", "flag", "empty", "formula"])
    ws.append(["Ünïcode", 7, 1234.5, datetime(2017, 6, 7), True, None, "=1+1"])
    ws["C5"] = "after a gap"
    ws["H5"] = date(2018, 1, 2)
    buffer = io.BytesIO()
    wb.save(buffer)
    for data, names in ((buffer.getvalue(), ["odd"]), (published_workbook(), None)):
        book = Book(data)
        for name in names or book.sheetnames:
            ours = [values for _n, values in book.rows(name)]
            assert _trimmed(ours) == _trimmed(_openpyxl_rows(data, name)), name
    numbers = [n for n, _values in Book(buffer.getvalue()).rows("odd")]
    assert numbers == [1, 2, 5]


def _held(cid: int, available, **earmarks):
    from types import SimpleNamespace

    from sponsorship.models import ContributionStatus

    values = {
        "earmark_meeting_id": None,
        "earmark_meeting_kind": None,
        "earmark_year": None,
        "earmark_region": None,
        "earmark_theme": None,
        "spend_by": None,
        **earmarks,
    }
    return SimpleNamespace(
        id=cid, status=ContributionStatus.RECEIVED, available=D(available), **values
    )


def test_choose_takes_allowed_money_in_the_order_given_until_covered():
    """Rule (`earmarks.choose`, shared by the live ledger and the import's plan): money
    the purpose does not allow, or past its spend-by, or used up, gives nothing; the
    rest gives what it can, in the order given, and only what is still needed."""
    from sponsorship.funding.earmarks import Purpose, choose
    from sponsorship.models import MeetingKind, Theme

    purpose = Purpose(1, MeetingKind.MSP, 2017, RegionalGroup.AFRICAN, frozenset({Theme.GENERAL}))
    funds = [
        _held(1, 500, earmark_year=2018),
        _held(2, 300, spend_by=date(2017, 1, 1)),
        _held(3, 0),
        _held(4, 250, earmark_region=RegionalGroup.AFRICAN),
        _held(5, 1000),
        _held(6, 1000),
    ]
    takes, short = choose(purpose, D(600), date(2017, 6, 1), funds)
    assert [(c.id, amount) for c, amount in takes] == [(4, D(250)), (5, D(350))]
    assert short == 0
    takes, short = choose(purpose, D(3000), date(2017, 6, 1), funds)
    assert sum(amount for _c, amount in takes) == D(2250) and short == D(750)
