"""The history workbook fixture: the programme's published 2017 and 2018 figures.

2017: 27 delegates sponsored for CHF 67,000, of which 20,000 for the intersessional
meetings (8 delegates) and 47,000 for the Sixteenth Meeting of the States Parties
(19 delegates). 2018 intersessional meetings: 16 offered, 10 attended, CHF 24,271
(6 declined). Built here, row by row, so that what it holds can be read.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

from sponsorship.history.template import SHEETS

D = Decimal
#: States of the fixture: codes of the user-assigned range (never a real State).
STATE_CODES = tuple(f"QH{chr(65 + n)}" for n in range(10))

MEETINGS = [
    {
        "code": "IS2017",
        "kind": "intersessional",
        "title": "Intersessional Meetings 2017",
        "venue": "Palais des Nations",
        "city": "Geneva",
        "starts_on": date(2017, 6, 7),
        "ends_on": date(2017, 6, 9),
        "dsa_rate": D("412"),
        "themes": "mine_clearance, victim_assistance",
    },
    {
        "code": "MSP16",
        "kind": "msp",
        "number": 16,
        "title": "Sixteenth Meeting of the States Parties",
        "venue": "Austria Center Vienna",
        "city": "Vienna",
        "starts_on": date(2017, 12, 18),
        "ends_on": date(2017, 12, 21),
        "dsa_rate": D("357"),
        "themes": "general",
    },
    {
        "code": "IS2018",
        "kind": "intersessional",
        "title": "Intersessional Meetings 2018",
        "venue": "Palais des Nations",
        "city": "Geneva",
        "starts_on": date(2018, 6, 6),
        "ends_on": date(2018, 6, 8),
        "dsa_rate": D("412"),
        "themes": "general",
    },
]
DONORS = [
    {"name": "Norway", "country_iso3": "NOR", "org_identifier": "XM-DAC-8"},
    {"name": "Australia", "country_iso3": "AUS", "org_identifier": "XM-DAC-801"},
]
CONTRIBUTIONS = [
    {
        "reference": "NOR-2017-01",
        "donor": "Norway",
        "currency": "CHF",
        "amount": D("40000"),
        "pledged_on": date(2017, 2, 1),
        "received_on": date(2017, 3, 1),
    },
    {
        "reference": "AUS-2017-01",
        "donor": "Australia",
        "currency": "AUD",
        "amount": D("40000"),
        "pledged_on": date(2017, 2, 20),
        "received_on": date(2017, 4, 10),
        "exchange_rate": D("0.75"),
        "earmark_year": 2017,
    },
    {
        "reference": "NOR-2018-01",
        "donor": "Norway",
        "currency": "CHF",
        "amount": D("40000"),
        "pledged_on": date(2018, 1, 15),
        "received_on": date(2018, 2, 15),
    },
]


def _people(
    code: str,
    costs: list[tuple[D, D]],
    offered_on: date,
    answers: list[str],
    again: tuple[str, int] = ("", 0),
):
    """Delegate, award and attendance rows for one meeting: (ticket, DSA) per delegate.
    `again` = (meeting, k): the first k delegates are the same people (same passport) as
    the first k of that earlier meeting."""
    meeting = next(m for m in MEETINGS if m["code"] == code)
    delegates, awards, attendance = [], [], []
    for n, ((ticket, dsa), answer) in enumerate(zip(costs, answers, strict=True)):
        state, name = STATE_CODES[n % len(STATE_CODES)], f"{code} delegate {n + 1}"
        delegates.append(
            {
                "meeting": code,
                "state": state,
                "name": name,
                "gender": "female" if n % 2 else "male",
                "function": "Director",
                "organisation": "Mine Action Centre",
                "email": f"{code.lower()}.{n + 1}@example.org",
                "passport_number": f"P{again[0] if n < again[1] else code}{n:03d}",
                "departure_city": "Capital",
            }
        )
        awards.append(
            {
                "meeting": code,
                "state": state,
                "delegate": name,
                "decision": "offered",
                "decided_on": offered_on,
                "response": answer,
                "responded_on": offered_on.replace(day=offered_on.day + 7),
                "airfare": ticket,
                "dsa": dsa,
            }
        )
        if answer == "accepted":
            attendance.append(
                {
                    "meeting": code,
                    "state": state,
                    "delegate": name,
                    "attended": "yes",
                    "paid_on": meeting["starts_on"],
                    "airfare": ticket,
                    "dsa": dsa,
                }
            )
    return delegates, awards, attendance


def published_rows() -> dict[str, list[dict]]:
    """Every sheet's rows for the published 2017 and 2018 figures."""
    is2017 = _people("IS2017", [(D(1500), D(1000))] * 8, date(2017, 4, 20), ["accepted"] * 8)
    msp16 = _people(
        "MSP16",
        [(D(1500), D(1000))] * 18 + [(D(1000), D(1000))],
        date(2017, 10, 16),
        ["accepted"] * 19,
        again=("IS2017", 8),
    )
    attended = [(D(1427), D(1000))] * 9 + [(D(1428), D(1000))]
    declined = [(D(1400), D(1000))] * 6
    is2018 = _people(
        "IS2018",
        attended + declined,
        date(2018, 4, 9),
        ["accepted"] * 10 + ["declined"] * 6,
        again=("IS2017", 4),
    )
    sheets = {
        "meetings": [dict(r) for r in MEETINGS],
        "donors": [dict(r) for r in DONORS],
        "contributions": [dict(r) for r in CONTRIBUTIONS],
    }
    for n, name in enumerate(("delegates", "awards", "attendance")):
        sheets[name] = is2017[n] + msp16[n] + is2018[n]
    return sheets


def workbook_bytes(sheets: dict[str, list[dict]]) -> bytes:
    """The rows as an XLSX workbook with the template's columns."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, columns in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.append([c.name for c in columns])
        for row in sheets.get(name, []):
            ws.append(
                [
                    float(v) if isinstance(v, Decimal) else v
                    for v in (row.get(c.name) for c in columns)
                ]
            )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def published_workbook() -> bytes:
    return workbook_bytes(published_rows())
