"""Forms of signing in, setting a password and inviting. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from sponsorship.models import Role
from sponsorship.web.forms import BaseForm, choices


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    next = HiddenField()


class SetPasswordForm(BaseForm):
    # The policy itself (length, guessability) is the service's: accounts/passwords.py.
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


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


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])


class CodeForm(BaseForm):
    """A TOTP code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=20)])


class ProfileForm(BaseForm):
    name = StringField(_l("Full name"), validators=[InputRequired(), Length(max=200)])
    locale = SelectField(
        _l("Language"),
        choices=choices([("en", "English"), ("fr", "Français"), ("es", "Español")]),
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])


class PasswordConfirmForm(BaseForm):
    """Turning two-factor sign-in off asks for the password again."""

    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])


class StateForm(BaseForm):
    state_id = SelectField(_l("State"), coerce=int, validators=[InputRequired()])
