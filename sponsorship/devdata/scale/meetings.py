"""The meetings and their sessions: an intersessional meeting in June and an MSP at the
end of each year (every fifth one a Review Conference)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sponsorship.devdata import names
from sponsorship.devdata.scale.bulk import Run, insert_ids
from sponsorship.models import Meeting, MeetingSession

D = Decimal

SESSIONS = {
    "msp": [
        ("Opening and general exchange of views", "general"),
        ("Article 5 extension requests", "mine_clearance"),
        ("Victim assistance", "victim_assistance"),
        ("Universalization", "universalization"),
    ],
    "intersessional": [
        ("Committee on Article 5 Implementation", "mine_clearance"),
        ("Committee on Victim Assistance", "victim_assistance"),
        ("Committee on Article 4 Implementation", "stockpile_destruction"),
        ("Committee on the Enhancement of Cooperation and Assistance", "general"),
    ],
}


def schedule(today: date, years: int) -> list[tuple[str, date, int]]:
    """(kind, first day, days) of 2 x `years` meetings: one in June, one at the end of the
    year, the last being the first that starts after `today` (the one in review)."""
    dates = [
        (kind, date(year, month, day), days)
        for year in range(today.year - years - 1, today.year + 2)
        for kind, month, day, days in (("intersessional", 6, 16, 4), ("msp", 11, 24, 5))
    ]
    upcoming = next(n for n, (_kind, starts, _days) in enumerate(dates) if starts > today)
    return dates[upcoming - 2 * years + 1 : upcoming + 1]


def _meeting(run: Run, kind: str, starts: date, days: int, msp_number: int, last_year: int) -> dict:
    year = starts.year
    review = kind == "msp" and year % 5 == 4
    titles = (
        names.intersessional_title(year)
        if kind == "intersessional"
        else names.review_conference_title(year)
        if review
        else names.numbered_msp_title(msp_number, year)
    )
    opens, closes = starts - timedelta(days=150), starts - timedelta(days=75)
    if starts > run.today:
        # The meeting in review: its window has closed, its queue is being decided.
        opens = min(opens, run.today - timedelta(days=60))
        closes = min(closes, run.today - timedelta(days=14))
    return {
        "kind": "review_conference" if review else kind,
        "number": None if kind == "intersessional" else msp_number,
        **titles,
        **names.place("Palais des Nations" if kind == "msp" else "CICG", "Geneva"),
        "starts_on": starts,
        "ends_on": starts + timedelta(days=days - 1),
        "applications_open_on": opens,
        "applications_close_on": closes,
        "window_open": False,
        "offer_response_days": 14,
        "dsa_rate": D("412.00") - D(2 * (last_year - year)),
        "dsa_currency": "CHF",
        "terminal_expenses": D("200.00"),
        "delegate_cap": 3,
        "report_due_days": 30,
        "_sessions": SESSIONS["msp" if kind == "msp" else "intersessional"],
    }


def meetings(run: Run, dates: list[tuple[str, date, int]]) -> list[dict]:
    """The meetings of `dates` (see `schedule`) with their sessions; each row gets its
    "id", "session_ids" and "session_days" (id -> day held)."""
    rows = []
    msp_number = 1
    last_year = dates[-1][1].year
    for kind, starts, days in dates:
        rows.append(_meeting(run, kind, starts, days, msp_number, last_year))
        if kind == "msp":
            msp_number += 1
    sessions = []
    for row in insert_ids(Meeting, rows):
        for n, (title, theme) in enumerate(row["_sessions"]):
            sessions.append(
                {
                    "meeting_id": row["id"],
                    **names.session_title(title),
                    "theme": theme,
                    "held_on": row["starts_on"] + timedelta(days=n % 4),
                }
            )
    by_meeting = defaultdict(dict)
    for s in insert_ids(MeetingSession, sessions):
        by_meeting[s["meeting_id"]][s["id"]] = s["held_on"]
    for row in rows:
        row["session_days"] = by_meeting[row["id"]]
        row["session_ids"] = list(row["session_days"])
    return rows
