"""Forms shared by several blueprints. Forms parse and check shape; rules live in services.

Every form is a `BaseForm`, whose binding does, once for all of them, what no field may
forget: strip surrounding whitespace, refuse control characters in text, and put a
`Bounded` check first on every number (the bounds are in `web/bounds.py`).

One error pattern for every form (GOV.UK's; issue 23). In the template::

    {% from "macros/forms.html" import error_summary, field %}
    {{ error_summary(form) }}        {# at the top: takes the focus, links to each field #}
    {{ field(form.amount, hint=_("In the contribution's currency.")) }}

and in the view: validate everything at once (cross-field checks in the form's
`validate`, as field errors: `add_field_error`), show a service's refusal at its field
(`refusal(form.field)`) or at the top (`form.form_errors`), keep what was typed, and
answer on the form's own URL: a form posted to its page's URL renders again with 422; a
form posted from another page (a card among others) calls `redirect_with_errors`, and
that page's view builds the form with `kept_form`. Success
redirects (post/redirect/get). Irreversible actions ask first: `web/confirm.py`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask import redirect, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
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
from wtforms.widgets import TextInput

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


_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


class LocalDecimalField(DecimalField):
    """An amount typed as the user's language writes it ("1 234,50" in French, "1,234.50"
    in English); a plain "1234.50" is understood in every language."""

    #: Text, not type="number": a browser empties a number input holding "abc" or
    #: "1 234,50" before sending it, and the value would be lost instead of corrected.
    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, places=None, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = re.sub(r"\s", "", valuelist[0])
        try:
            self.data = _parse_local(raw)
        except (NumberFormatError, InvalidOperation, ValueError):
            self.data = None
            raise ValueError(_l("Enter a number, such as 1234.50.")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(
            self.data, locale=get_locale(), decimal_quantization=False, group_separator=False
        )


def _parse_local(raw: str) -> Decimal:
    try:
        return parse_decimal(raw, locale=get_locale(), strict=True)
    except NumberFormatError:
        if _PLAIN_DECIMAL.match(raw):
            return Decimal(raw)
        raise


# --- Errors of a form posted from another page -----------------------------------------

_KEPT = "_kept_form"
#: What a cookie session can carry: longer values are cut (the user retypes them).
_KEPT_VALUE_CHARS = 500


def add_field_error(field, message: str) -> None:
    """An error found after validation (a cross-field check, a service's refusal)."""
    field.errors = [*field.errors, message]


def redirect_with_errors(form, url: str):
    """Back to `url`, the page the form lives on, with its typed values and errors kept
    for that page (`kept_form`): the browser stays on the page's own URL, and the page
    shows the summary and the errors at their fields."""
    csrf = getattr(form.meta, "csrf_field_name", "csrf_token")
    session[_KEPT] = {
        "form": type(form).__name__,
        "path": url.split("#")[0].split("?")[0],
        "prefix": form._prefix,
        "values": [
            (f.name, str(v)[:_KEPT_VALUE_CHARS])
            for f in form
            # Never a password into the session cookie: the user types it again.
            if f.short_name != csrf and not isinstance(f, PasswordField)
            for v in (f.raw_data or [])
            if isinstance(v, str)  # not an uploaded file: the user attaches it again
        ],
        "errors": {f.name: [str(e) for e in f.errors] for f in form if f.errors},
        "form_errors": [str(e) for e in form.form_errors],
    }
    return redirect(url)


def kept_form(form_class, prefix: str = "", **kwargs):
    """The `form_class` form refused just now on this page (`redirect_with_errors`),
    rebuilt with what was typed and its errors, once; None when there is none."""
    kept = session.get(_KEPT)
    wanted = (form_class.__name__, f"{prefix}-" if prefix else "", request.path)
    if not kept or (kept.get("form"), kept.get("prefix"), kept.get("path")) != wanted:
        return None
    session.pop(_KEPT, None)
    form = form_class(formdata=MultiDict(kept["values"]), prefix=prefix, **kwargs)
    for field in form:
        field.errors = list(kept["errors"].get(field.name, []))
    form.form_errors = list(kept["form_errors"])
    return form
