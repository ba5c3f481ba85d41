"""Forms shared by several blueprints. Forms parse and check shape; rules live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, PasswordField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_pairs(enum_cls, labels) -> list[tuple[str, str]]:
    return [(m.value, labels[m.value]) for m in enum_cls]


def enum_choices(enum_cls, labels) -> list:
    return choices(enum_pairs(enum_cls, labels))


def strip(value):
    return value.strip() if isinstance(value, str) else value


_UNFILTERED = (PasswordField, FieldList, FormField)


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            # Password as typed; list and form fields take no filters (their fields do).
            if strip not in filters and unbound_field.field_class not in _UNFILTERED:
                unbound_field.kwargs["filters"] = [*filters, strip]
            return unbound_field.bind(form=form, **options)


class LanguageForm(BaseForm):
    lang = HiddenField(validators=[InputRequired()])
    next = HiddenField()
