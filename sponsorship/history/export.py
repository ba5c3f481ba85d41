"""A programme's past as a history workbook: the rows the import would need to bring
the same meetings, money and delegates into another installation.

Used to measure the import at scale (the scale generator's twenty years, written to
the template: tests/bench/bench_history.py). Only meetings that have ended are
written (the import is for the past); cancelled pledges are left out (the workbook
has no column for a cancellation).
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sponsorship.core import money
from sponsorship.extensions import db
from sponsorship.history.template import COST_COLUMNS, SHEETS
from sponsorship.models import (
    Application,
    Award,
    AwardStatus,
    Contribution,
    ContributionStatus,
    CostStage,
    Delegate,
    Donor,
    Meeting,
)

ACCEPTED = {AwardStatus.ACCEPTED, AwardStatus.ATTENDED, AwardStatus.NO_SHOW}
ANSWERS = {AwardStatus.DECLINED, AwardStatus.EXPIRED, AwardStatus.CANCELLED}


def _code(meeting: Meeting) -> str:
    return f"M{meeting.id}"


def _meetings(ended: list[Meeting]) -> list[dict]:
    return [
        {
            "code": _code(m),
            "kind": m.kind.value,
            "number": m.number,
            "title": m.title,
            "venue": m.venue,
            "city": m.city,
            "starts_on": m.starts_on,
            "ends_on": m.ends_on,
            "dsa_rate": m.dsa_rate,
            "dsa_currency": m.dsa_currency,
            "terminal_expenses": m.terminal_expenses,
            "themes": ",".join(dict.fromkeys(s.theme.value for s in m.sessions)),
        }
        for m in ended
    ]


def _contributions(codes: dict[int, str]) -> list[dict]:
    rows = []
    stmt = (
        select(Contribution, Donor.name)
        .join(Donor, Donor.id == Contribution.donor_id)
        .where(Contribution.status != ContributionStatus.CANCELLED)
        .order_by(Contribution.id)
    )
    base = money.base_currency()
    for c, donor in db.session.execute(stmt):
        if c.earmark_meeting_id is not None and c.earmark_meeting_id not in codes:
            continue  # money for a meeting still to come
        # Money in the base currency is at a rate of 1 (the funds' rule); the scale
        # generator gives some of it another rate, so its base amount is what is kept.
        in_base = c.currency == base and c.base_amount is not None
        rows.append(
            {
                "reference": c.reference,
                "donor": donor,
                "currency": c.currency,
                "amount": c.base_amount if in_base else c.amount,
                "pledged_on": c.pledged_on,
                "received_on": c.received_on,
                "exchange_rate": 1 if in_base else c.exchange_rate,
                "spend_by": c.spend_by,
                "earmark_meeting": codes.get(c.earmark_meeting_id),
                "earmark_kind": c.earmark_meeting_kind and c.earmark_meeting_kind.value,
                "earmark_year": c.earmark_year,
                "earmark_region": c.earmark_region and c.earmark_region.value,
                "earmark_theme": c.earmark_theme and c.earmark_theme.value,
            }
        )
    return rows


def _costs(award: Award, stage: CostStage) -> dict:
    sums: dict[str, object] = defaultdict(int)
    for line in award.cost_lines:
        if line.stage == stage:
            sums[line.kind.value if line.kind.value in COST_COLUMNS else "other"] += line.amount
    return dict(sums)


def _award(award: Award, base: dict) -> dict | None:
    status = award.status
    if award.offered_at is not None:
        if status in ACCEPTED:
            response = AwardStatus.ACCEPTED
        elif status in ANSWERS:
            response = status
        else:
            return None  # still open
        decided = award.offered_at.date()
        answered = award.responded_at.date() if award.responded_at else decided
        return {
            **base,
            "decision": "offered",
            "decided_on": decided,
            "response": response.value,
            "responded_on": max(answered, decided),
            "reason": award.decision_reason,
            **_costs(award, CostStage.ESTIMATE),
        }
    if status in (AwardStatus.WAITLISTED, AwardStatus.REJECTED):
        estimate = _costs(award, CostStage.ESTIMATE)
        if status == AwardStatus.WAITLISTED and not estimate:
            return None
        return {
            **base,
            "decision": status.value,
            "decided_on": award.created_at.date(),
            "reason": award.decision_reason,
            **estimate,
        }
    return None


def _attendance(award: Award, base: dict, meeting: Meeting) -> dict | None:
    if award.status not in (AwardStatus.ATTENDED, AwardStatus.NO_SHOW):
        return None
    return {
        **base,
        "attended": "yes" if award.status == AwardStatus.ATTENDED else "no",
        "paid_on": meeting.starts_on,
        "overspend": "absorb",
        "report_received_on": award.report_received_at and award.report_received_at.date(),
        **_costs(award, CostStage.ACTUAL),
    }


def _people(ended: list[Meeting]) -> tuple[list[dict], list[dict], list[dict]]:
    delegates, awards, attendance = [], [], []
    by_id = {m.id: m for m in ended}
    stmt = (
        select(Delegate)
        .join(Application, Application.id == Delegate.application_id)
        .where(Application.meeting_id.in_(list(by_id)))
        .options(
            selectinload(Delegate.application).selectinload(Application.state),
            selectinload(Delegate.award).selectinload(Award.cost_lines),
        )
        .order_by(Application.meeting_id, Application.id, Delegate.position, Delegate.id)
    )
    seen: set[tuple] = set()
    for d in db.session.scalars(stmt):
        meeting = by_id[d.application.meeting_id]
        state = d.application.state.iso3
        name = d.name
        while (meeting.id, state, name.lower()) in seen:
            name = f"{d.name} ({d.id})"
        seen.add((meeting.id, state, name.lower()))
        base = {"meeting": _code(meeting), "state": state}
        delegates.append(
            {
                **base,
                "name": name,
                "gender": d.gender.value,
                "function": d.function,
                "organisation": d.organisation,
                "email": d.email,
                "nationality": d.nationality,
                "passport_number": d.passport_number,
                "departure_city": d.departure_city,
                "first_time": "yes" if d.first_time else "no",
                "survivor": "yes" if d.survivor else "no",
                "submitted_on": d.application.submitted_at and d.application.submitted_at.date(),
            }
        )
        if d.award is None:
            continue
        row = _award(d.award, {**base, "delegate": name})
        if row is not None:
            awards.append(row)
            attended = _attendance(d.award, {**base, "delegate": name}, meeting)
            if attended is not None:
                attendance.append(attended)
    return delegates, awards, attendance


def programme_rows(before: date) -> dict[str, list[dict]]:
    """Every sheet's rows for the meetings that ended before `before`."""
    ended = db.session.scalars(
        select(Meeting)
        .where(Meeting.ends_on < before)
        .options(selectinload(Meeting.sessions))
        .order_by(Meeting.starts_on)
    ).all()
    codes = {m.id: _code(m) for m in ended}
    donors = [
        {
            "name": d.name,
            "short_name": d.short_name,
            "country_iso3": d.country_iso3,
            "org_identifier": d.org_identifier,
        }
        for d in db.session.scalars(select(Donor).order_by(Donor.id))
    ]
    delegates, awards, attendance = _people(ended)
    return {
        "meetings": _meetings(ended),
        "donors": donors,
        "contributions": _contributions(codes),
        "delegates": delegates,
        "awards": awards,
        "attendance": attendance,
    }


def workbook(rows: dict[str, list[dict]]) -> bytes:
    """The rows as a template workbook (write-only: twenty years are large)."""
    wb = Workbook(write_only=True)
    for name, columns in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.append([c.name for c in columns])
        for row in rows.get(name, []):
            ws.append([_cell(row.get(c.name)) for c in columns])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None or isinstance(value, int | str | date):
        return value
    return str(value)  # Decimal: exact digits, read back as a number
