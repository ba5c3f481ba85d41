"""The applicant's forms. They parse and check shape; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sponsorship.web.bounds import MAX_DELEGATES
from sponsorship.web.forms import BaseForm, choices

#: A hard ceiling on delegate rows a request may carry; the meeting's cap is the rule.
MAX_DELEGATE_ROWS = MAX_DELEGATES

GENDERS = [
    ("", _l("Choose…")),
    ("female", _l("Female")),
    ("male", _l("Male")),
    ("other", _l("Other")),
    ("undisclosed", _l("Prefers not to say")),
]
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]


def _text(label, max_length: int, field_class=StringField, **kwargs):
    # BaseForm adds the refusal of control characters to every text field.
    return field_class(label, validators=[Optional(), Length(max=max_length)], **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _ContainerMeta:
    """BaseForm strips every field; lists of sub-forms take no filters."""

    def bind_field(self, form, unbound_field, options):
        if unbound_field.field_class in (FieldList, FormField):
            return unbound_field.bind(form=form, **options)
        return BaseForm.Meta.bind_field(self, form, unbound_field, options)


class DelegateForm(BaseForm):
    class Meta:
        csrf = False

    name = _text(_l("Full name"), 200)
    gender = SelectField(_l("Gender"), choices=choices(GENDERS), validators=[Optional()])
    function = _text(_l("Function"), 200)
    organisation = _text(_l("Organisation"), 200)
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), Email(), Length(max=254)],
    )
    phone = _text(_l("Telephone"), 50, TelField)
    nationality = SelectField(_l("Nationality"), validators=[Optional()])
    passport_number = _text(_l("Passport number"), 50)
    passport_expiry = DateField(_l("Passport valid until"), validators=[Optional()])
    departure_city = _text(_l("Departure city"), 120)
    first_time = BooleanField(_l("First time at a meeting of the Convention"))
    survivor = BooleanField(_l("Mine survivor"))
    accessibility_needs = _text(_l("Accessibility needs"), 2000, TextAreaField)


class ApplicationForm(BaseForm):
    class Meta(_ContainerMeta):
        pass

    sessions = MultiCheckboxField(_l("Sessions the delegates will serve"), coerce=int)
    statement_planned = BooleanField(_l("A national statement is planned"))
    presentation_planned = BooleanField(_l("A presentation is planned"))
    national_role = _text(_l("National role of the delegation"), 2000, TextAreaField)
    language = SelectField(_l("Language of correspondence"), choices=choices(LANGUAGES))
    consent_personal_data = BooleanField(
        _l(
            "I confirm that the delegates agree to the processing of their personal data "
            "for this sponsorship."
        )
    )
    note = FileField(_l("Nomination note (note verbale), PDF"))
    #: A signed reference to a note already uploaded, so it survives a re-render.
    note_token = HiddenField()
    delegates = FieldList(FormField(DelegateForm), min_entries=1, max_entries=MAX_DELEGATE_ROWS)


class AcceptOfferForm(BaseForm):
    departure_city = _text(_l("Departure city"), 120)
    travel_out_on = DateField(_l("Travel out on"), validators=[Optional()])
    travel_back_on = DateField(_l("Travel back on"), validators=[Optional()])


class DeclineOfferForm(BaseForm):
    reason = _text(_l("Reason for declining"), 2000, TextAreaField)


class ReportForm(BaseForm):
    sessions = MultiCheckboxField(_l("Sessions attended"), coerce=int)
    statement_delivered = BooleanField(_l("The national statement was delivered"))
    comments = _text(_l("Comments"), 5000, TextAreaField)
    quote_consent = BooleanField(
        _l("The donors funding this delegate may quote these comments (without any name)")
    )


class ConfirmForm(BaseForm):
    """A POST with nothing but its CSRF token (withdraw)."""
