"""Forms shared by several blueprints. Forms parse and check shape; rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from sponsorship.models import Role


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


_UNFILTERED = (PasswordField, FieldList, FormField)


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            # Password as typed; list and form fields take no filters (their fields do).
            if _strip not in filters and unbound_field.field_class not in _UNFILTERED:
                unbound_field.kwargs["filters"] = [*filters, _strip]
            return unbound_field.bind(form=form, **options)


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    next = HiddenField()


class SetPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(BaseForm):
    lang = HiddenField(validators=[InputRequired()])
    next = HiddenField()


class InviteForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Email(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[InputRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=choices(
            [
                (Role.APPLICANT.value, _l("Applicant (a State's representative)")),
                (Role.ADMINISTRATOR.value, _l("Administrator")),
                (Role.DONOR.value, _l("Donor representative")),
            ]
        ),
    )
    state_id = SelectField(_l("State (applicants)"), coerce=int, validators=[Optional()])
    donor_id = SelectField(_l("Donor (donor representatives)"), coerce=int, validators=[Optional()])
    locale = SelectField(
        _l("Language"),
        choices=choices([("en", "English"), ("fr", "Français"), ("es", "Español")]),
    )
