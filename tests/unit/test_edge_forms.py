"""Every form checks its input at the edge through BaseForm: the rules themselves."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, Form, IntegerField, StringField

import sponsorship
from sponsorship.web.forms import BaseForm, Bounded


def _form_classes():
    for info in pkgutil.walk_packages(sponsorship.__path__, "sponsorship."):
        if info.name.endswith(".forms"):
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, Form) and cls.__module__ == module.__name__:
                    yield cls


def test_every_form_of_the_app_is_a_base_form():
    classes = list(_form_classes())
    assert len(classes) > 20
    assert [c.__name__ for c in classes if not issubclass(c, BaseForm)] == []


class _Numbers(BaseForm):
    class Meta:
        csrf = False

    cost = DecimalField(validators=[Bounded(0, 100)])
    count = IntegerField()
    text = StringField()


def _form(app, **data):
    with app.test_request_context():
        form = _Numbers(formdata=MultiDict(data))
        form.validate()
        return {name: list(field.errors) for name, field in form._fields.items()}


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf", "1e309"])
def test_a_decimal_that_is_not_finite_or_beyond_bounds_is_refused_once(app, value):
    errors = _form(app, cost=value)["cost"]
    assert len(errors) == 1


def test_decimals_beyond_the_column_are_refused(app):
    assert _form(app, cost="1.00005")["cost"] == ["Use at most 4 decimals."]
    assert _form(app, cost="1.0000")["cost"] == []


def test_a_whole_number_defaults_to_the_integer_column(app):
    assert _form(app, count=str(2**31 - 1))["count"] == []
    assert _form(app, count=str(2**31))["count"] == ["Enter at most 2,147,483,647."]
    assert _form(app, count=str(-(2**31)))["count"] == ["Enter at least -2,147,483,647."]


def test_text_keeps_tab_and_line_breaks_and_refuses_other_controls(app):
    assert _form(app, text="a\tb\r\nc")["text"] == []
    for bad in ("\x00", "\x1b", "\x7f", "\x9f", "\ufffe", "\uffff", "\ufdd0"):
        assert _form(app, text=f"a{bad}b")["text"], repr(bad)


def test_a_decimal_field_without_its_bounds_is_a_programming_error(app):
    class Unbounded(BaseForm):
        amount = DecimalField()

    with app.test_request_context(), pytest.raises(TypeError, match="Bounded"):
        Unbounded(formdata=None, meta={"csrf": False})


def test_bounded_reads_its_limits_as_exact_decimals():
    bound = Bounded(Decimal("0.00000001"), 1000, 8)
    assert bound.field_flags == {"min": "0.00000001", "max": "1000"}
