"""Forms shared by several blueprints. Forms parse and check shape; rules live in services.

Every form is a `BaseForm`, whose binding does, once for all of them, what no field may
forget: strip surrounding whitespace, refuse control characters in text, and put a
`Bounded` check first on every number (the bounds are in `web/bounds.py`).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, StopValidation

from sponsorship.web.bounds import MAX_INTEGER, MONEY_PLACES, is_text


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_pairs(enum_cls, labels) -> list[tuple[str, str]]:
    return [(m.value, labels[m.value]) for m in enum_cls]


def enum_choices(enum_cls, labels) -> list:
    return choices(enum_pairs(enum_cls, labels))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form, field) -> None:
    """Refuse text holding a character `is_text` refuses; every text field has this."""
    value = field.data
    if isinstance(value, str) and not all(map(is_text, value)):
        raise StopValidation(_l("This text contains characters that are not allowed."))


class Bounded:
    """A number that is finite, within [minimum, maximum] and has at most `places`
    decimals (what its column keeps).

    First in its field's chain, and it stops the chain: no later check, and no service,
    ever meets NaN, Infinity, 1e309 or a value no column can hold.
    """

    def __init__(self, minimum=0, maximum=MAX_INTEGER, places: int = MONEY_PLACES) -> None:
        self.minimum, self.maximum, self.places = Decimal(minimum), Decimal(maximum), places
        # As NumberRange did: the input carries min and max for the browser.
        self.field_flags = {"min": format(self.minimum, "f"), "max": format(self.maximum, "f")}

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():  # NaN, sNaN, Infinity, and 1e309 as a float
            raise StopValidation(_("Enter a number, such as 1234.50."))
        if number > self.maximum:
            raise StopValidation(_("Enter at most %(max)s.", max=_number(self.maximum)))
        if number < self.minimum:
            raise StopValidation(_("Enter at least %(min)s.", min=_number(self.minimum)))
        if number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise StopValidation(_("Use at most %(num)d decimals.", num=self.places))


def _number(value: Decimal) -> str:
    return format_decimal(value, locale=get_locale(), decimal_quantization=False)


_UNFILTERED = (PasswordField, FieldList, FormField)
_NOT_TEXT = (PasswordField, CSRFTokenField)


def _edge_validators(field_class, validators: list) -> list:
    """`validators` with the checks every field of its kind must run first (a new list:
    the declaration, shared by every instance of the form, is left as it is)."""
    bounds = [v for v in validators if isinstance(v, Bounded)]
    rest = [v for v in validators if not isinstance(v, Bounded)]
    if issubclass(field_class, IntegerField):
        # Whole numbers default to their INTEGER column's range.
        return [*(bounds or [Bounded(-MAX_INTEGER, MAX_INTEGER, 0)]), *rest]
    if issubclass(field_class, DecimalField | FloatField):
        if not bounds:
            # Money has no natural bound: each field documents its own (web/bounds.py).
            raise TypeError(f"{field_class.__name__} without Bounded(...): say its maximum")
        return [*bounds, *rest]
    if issubclass(field_class, StringField) and not issubclass(field_class, _NOT_TEXT):
        return [no_control_characters, *(v for v in validators if v is not no_control_characters)]
    return validators


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from every text field, refuses control characters
    in it, and checks every number against its bounds before anything else."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            args, kwargs = list(unbound_field.args), dict(unbound_field.kwargs)
            filters = kwargs.get("filters", [])
            # Password as typed; list and form fields take no filters (their fields do).
            if strip not in filters and field_class not in _UNFILTERED:
                kwargs["filters"] = [*filters, strip]
            # Validators come second when positional, else as a keyword.
            if len(args) > 1:
                args[1] = _edge_validators(field_class, list(args[1] or []))
            else:
                validators = list(kwargs.get("validators") or [])
                kwargs["validators"] = _edge_validators(field_class, validators)
            bound = UnboundField(field_class, *args, name=unbound_field.name, **kwargs)
            return bound.bind(form=form, **options)


class LanguageForm(BaseForm):
    lang = HiddenField(validators=[InputRequired()])
    next = HiddenField()


class ConfirmForm(BaseForm):
    """A confirmation with nothing to ask but its CSRF token (web/confirm.py)."""
