"""The history workbook: one sheet per kind of record, its columns, and the template.

Sheet and column names are the workbook's keys and stay in English in every language;
the template's first sheet explains each column in the administrator's language.
Records are found again by natural keys, so importing a workbook twice adds nothing
the second time: a meeting by its kind and first day, a donor by its name, a
contribution by its reference, a delegate by meeting, State and name, an award and
its attendance by their delegate.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from sponsorship.models import AwardStatus, Gender, MeetingKind, RegionalGroup, Theme

TEXT, DATE, MONEY, INT, BOOL, CHOICE, RATE = (
    "text",
    "date",
    "money",
    "int",
    "bool",
    "choice",
    "rate",
)

#: The decisions and answers an awards row may give.
DECISIONS = (AwardStatus.OFFERED, AwardStatus.WAITLISTED, AwardStatus.REJECTED)
RESPONSES = (
    AwardStatus.ACCEPTED,
    AwardStatus.DECLINED,
    AwardStatus.EXPIRED,
    AwardStatus.CANCELLED,
)
#: Cost columns of the awards (estimate) and attendance (actual) sheets.
COST_COLUMNS = ("airfare", "dsa", "terminal", "visa", "other")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool
    help: object
    choices: tuple[str, ...] = ()


def _choices(enum) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _costs(stage) -> tuple[Column, ...]:
    return tuple(Column(name, MONEY, False, stage) for name in COST_COLUMNS)


_MEETING_REF = _l("The code of a meeting on the meetings sheet.")
_STATE = _l("ISO 3166 alpha-3 code of the State (e.g. TCD).")
_DELEGATE = _l("The delegate's name, as on the delegates sheet.")

SHEETS: dict[str, tuple[Column, ...]] = {
    "meetings": (
        Column("code", TEXT, True, _l("A short code the other sheets use, e.g. MSP16.")),
        Column("kind", CHOICE, True, _l("Kind of meeting."), _choices(MeetingKind)),
        Column("number", INT, False, _l("Ordinal of the meeting in its kind (16).")),
        Column("title", TEXT, True, _l("Title of the meeting.")),
        Column("venue", TEXT, True, _l("Venue.")),
        Column("city", TEXT, True, _l("City.")),
        Column("starts_on", DATE, True, _l("First day (YYYY-MM-DD).")),
        Column("ends_on", DATE, True, _l("Last day (YYYY-MM-DD).")),
        Column("dsa_rate", MONEY, True, _l("Daily subsistence allowance per night.")),
        Column("dsa_currency", TEXT, False, _l("Currency of the rates (the base currency).")),
        Column("terminal_expenses", MONEY, False, _l("Terminal expenses per delegate.")),
        Column(
            "themes",
            TEXT,
            False,
            _l("Themes of its sessions, separated by commas (general if empty)."),
        ),
    ),
    "donors": (
        Column("name", TEXT, True, _l("Name of the donor.")),
        Column("short_name", TEXT, False, _l("Short name.")),
        Column("country_iso3", TEXT, False, _l("ISO alpha-3 code when the donor is a State.")),
        Column("org_identifier", TEXT, False, _l("IATI organisation identifier.")),
    ),
    "contributions": (
        Column("reference", TEXT, True, _l("The contribution's unique reference.")),
        Column("donor", TEXT, True, _l("The donor's name, as on the donors sheet.")),
        Column("currency", TEXT, True, _l("ISO 4217 code of the money as given.")),
        Column("amount", MONEY, True, _l("Amount in that currency.")),
        Column("pledged_on", DATE, True, _l("Day of the pledge.")),
        Column("received_on", DATE, False, _l("Day the money was received (empty: pledged).")),
        Column("exchange_rate", RATE, False, _l("Base currency per unit (1 for the base).")),
        Column("spend_by", DATE, False, _l("Money not committed by this day lapses.")),
        Column("earmark_meeting", TEXT, False, _l("Earmark: a meeting's code.")),
        Column(
            "earmark_kind", CHOICE, False, _l("Earmark: kind of meeting."), _choices(MeetingKind)
        ),
        Column("earmark_year", INT, False, _l("Earmark: year of the meeting.")),
        Column(
            "earmark_region",
            CHOICE,
            False,
            _l("Earmark: regional group."),
            _choices(RegionalGroup),
        ),
        Column("earmark_theme", CHOICE, False, _l("Earmark: theme."), _choices(Theme)),
        Column("notes", TEXT, False, _l("Notes.")),
    ),
    "delegates": (
        Column("meeting", TEXT, True, _MEETING_REF),
        Column("state", TEXT, True, _STATE),
        Column("name", TEXT, True, _l("Full name of the delegate.")),
        Column("gender", CHOICE, True, _l("Gender."), _choices(Gender)),
        Column("function", TEXT, False, _l("Function.")),
        Column("organisation", TEXT, False, _l("Organisation.")),
        Column("email", TEXT, False, _l("E-mail address.")),
        Column("nationality", TEXT, False, _l("ISO alpha-3 nationality (the State's if empty).")),
        Column("passport_number", TEXT, False, _l("Passport number.")),
        Column("departure_city", TEXT, False, _l("City of departure.")),
        Column("first_time", BOOL, False, _l("First meeting of the delegate (yes or no).")),
        Column("survivor", BOOL, False, _l("Mine survivor (yes or no).")),
        Column("submitted_on", DATE, False, _l("Day the State applied.")),
    ),
    "awards": (
        Column("meeting", TEXT, True, _MEETING_REF),
        Column("state", TEXT, True, _STATE),
        Column("delegate", TEXT, True, _DELEGATE),
        Column("decision", CHOICE, True, _l("The decision."), _choices(DECISIONS)),
        Column("decided_on", DATE, True, _l("Day of the decision (the offer).")),
        Column(
            "response",
            CHOICE,
            False,
            _l("The answer to an offer (needed for an offer)."),
            _choices(RESPONSES),
        ),
        Column("responded_on", DATE, False, _l("Day of the answer.")),
        *_costs(_l("Estimated cost of this kind, in the base currency, committed by the offer.")),
        Column("reason", TEXT, False, _l("Reason given for a rejection or a cancellation.")),
    ),
    "attendance": (
        Column("meeting", TEXT, True, _MEETING_REF),
        Column("state", TEXT, True, _STATE),
        Column("delegate", TEXT, True, _DELEGATE),
        Column("attended", BOOL, True, _l("Whether the accepted delegate attended (yes or no).")),
        Column("paid_on", DATE, False, _l("Day the costs were paid (the meeting's first day).")),
        *_costs(_l("Actual cost of this kind paid, in the base currency.")),
        Column(
            "overspend",
            CHOICE,
            False,
            _l("Actual costs above the commitment: allocate or absorb."),
            ("allocate", "absorb"),
        ),
        Column("report_received_on", DATE, False, _l("Day the delegate's report came in.")),
    ),
}


def template_workbook() -> bytes:
    """The empty workbook, with a first sheet explaining every column."""
    wb = Workbook()
    about = wb.active
    about.title = "about"
    about.append([_("History workbook")])
    about["A1"].font = Font(bold=True)
    about.append(
        [
            _(
                "Fill one row per record on each sheet, from the second row. Dates are"
                " YYYY-MM-DD, amounts are numbers in the base currency unless a currency is"
                " given. Rows already in the programme are left as they are."
            )
        ]
    )
    about.append([])
    about.append([_("Sheet"), _("Column"), _("Required"), _("Values"), _("Meaning")])
    for cell in about[about.max_row]:
        cell.font = Font(bold=True)
    for sheet, columns in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([c.name for c in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for c in columns:
            about.append(
                [sheet, c.name, _("yes") if c.required else "", ", ".join(c.choices), str(c.help)]
            )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
