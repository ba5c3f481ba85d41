"""Forms of the letter and document pages. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from sponsorship.web.forms import BaseForm, choices, strip

LANGUAGE_CHOICES = choices([("en", "English"), ("fr", "Français"), ("es", "Español")])


class RevokeForm(BaseForm):
    #: Asked on the confirmation page; it goes into the audit trail.
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[InputRequired(_l("Give the reason for revoking.")), Length(max=500)],
    )


class CorrespondenceLanguageForm(BaseForm):
    language = SelectField(_l("Language of letters and mail"), choices=LANGUAGE_CHOICES)


class VisaLetterForm(BaseForm):
    passport_name = StringField(
        _l("Name as printed in the passport"),
        validators=[InputRequired(), Length(max=200)],
        filters=[strip],
    )
    passport_number = StringField(
        _l("Passport number"), validators=[InputRequired(), Length(max=50)], filters=[strip]
    )
    passport_expiry = DateField(_l("Passport valid until"), validators=[InputRequired()])
    language = SelectField(_l("Language of the letter"), choices=LANGUAGE_CHOICES)


class ReissueForm(BaseForm):
    kind = SelectField(
        choices=choices([(kind, kind) for kind in ("offer", "confirmation", "visa", "certificate")])
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
