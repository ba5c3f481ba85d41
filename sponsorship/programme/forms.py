"""Forms of the meeting and State pages. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from sponsorship.models import ConventionStatus, MeetingKind, RegionalGroup, Theme
from sponsorship.web.bounds import MAX_COST, MAX_DELEGATES
from sponsorship.web.forms import BaseForm, Bounded, choices, enum_choices
from sponsorship.web.labels import (
    CONVENTION_LABELS,
    MEETING_KIND_LABELS,
    REGION_LABELS,
    THEME_LABELS,
)


class SessionForm(BaseForm):
    """One row of a meeting's sessions; a row without a title is ignored."""

    class Meta:
        csrf = False

    id = HiddenField()
    title = StringField(_l("Session"), validators=[Length(max=200)])
    theme = SelectField(_l("Theme"), choices=enum_choices(Theme, THEME_LABELS))
    held_on = DateField(_l("Held on"), validators=[Optional()])
    remove = BooleanField(_l("Remove"))


class MeetingForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=enum_choices(MeetingKind, MEETING_KIND_LABELS))
    number = IntegerField(
        _l("Number (22 for the Twenty-Second MSP)"), validators=[Optional(), Bounded(1, 999)]
    )
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    venue = StringField(_l("Venue"), validators=[InputRequired(), Length(max=200)])
    city = StringField(_l("City"), validators=[InputRequired(), Length(max=100)])
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    applications_open_on = DateField(_l("Applications open on"), validators=[InputRequired()])
    applications_close_on = DateField(_l("Applications close on"), validators=[InputRequired()])
    offer_response_days = IntegerField(
        _l("Days to answer an offer"),
        default=14,
        validators=[InputRequired(), Bounded(1, 365)],
    )
    dsa_rate = DecimalField(
        _l("DSA rate per night"), places=2, validators=[InputRequired(), Bounded(0, MAX_COST)]
    )
    dsa_currency = StringField(
        _l("DSA currency (ISO code)"), validators=[InputRequired(), Length(min=3, max=3)]
    )
    terminal_expenses = DecimalField(
        _l("Terminal expenses"), places=2, default=0, validators=[Optional(), Bounded(0, MAX_COST)]
    )
    delegate_cap = IntegerField(
        _l("Delegates per State"),
        default=1,
        validators=[InputRequired(), Bounded(1, MAX_DELEGATES)],
    )
    report_due_days = IntegerField(
        _l("Days after the meeting to report"),
        default=30,
        validators=[InputRequired(), Bounded(0, 365)],
    )
    sessions = FieldList(FormField(SessionForm), min_entries=0)


class WindowForm(BaseForm):
    open = HiddenField(validators=[InputRequired()])


class StateForm(BaseForm):
    convention_status = SelectField(
        _l("Convention status"), choices=enum_choices(ConventionStatus, CONVENTION_LABELS)
    )
    entry_into_force = DateField(_l("Entry into force"), validators=[Optional()])
    article5_deadline = DateField(_l("Article 5 clearance deadline"), validators=[Optional()])
    article5_extension_pending = BooleanField(_l("Article 5 extension request pending"))
    article4_stockpile_pending = BooleanField(_l("Stockpiled mines still to destroy (Article 4)"))
    significant_survivors = BooleanField(_l("Significant number of mine survivors"))
    ldc = BooleanField(_l("Least-developed country"))
    oda_eligible = BooleanField(_l("ODA-eligible"))
    mission_address = TextAreaField(
        _l("Address for letters"), validators=[Optional(), Length(max=1000)]
    )


class StateFilterForm(BaseForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=60)])
    region = SelectField(
        _l("Regional group"),
        choices=choices(
            [("", _l("All")), *((r.value, REGION_LABELS[r.value]) for r in RegionalGroup)]
        ),
        validators=[Optional()],
    )
