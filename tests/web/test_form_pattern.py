"""Every form of the app answers with one pattern (GOV.UK's; issue 23).

Each form a role is shown (found on the rendered pages, as the fuzz test finds them) is
submitted twice: with every field the user can type in emptied, and with a wrong value
in each field that has a shape (a number, a date, an e-mail address, a choice). The
answer is either success, which redirects (post/redirect/get), or the form again with:

- an error summary at the top that takes the focus (role=alert, autofocus), with a link
  to each field in error, and each link's target on the page;
- the message at the field (`<id>-error`, tied by aria-describedby, aria-invalid);
- what was typed kept;
- the page at its own URL: the 422 answers the URL the form was found on, or a redirect
  brings the browser back there with the errors shown.

A form whose hidden fields are refused answers 400 (no user could send it): not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from werkzeug.datastructures import MultiDict

from tests.conftest import csrf_token
from tests.web.test_fuzz import (
    NOT_POSTED,
    ROLES,
    Fuzzer,
    _form_spec,
    world,  # noqa: F401 - the fuzz test's users and objects
)

#: What a careless user types where a shape is expected.
WRONG = {"number": "abc", "date": "2030-02-30", "email": "not an address", "select": "zzz"}


@dataclass
class Found:
    page: str
    action: str
    endpoint: str
    fields: list[tuple[str, str]]
    #: name -> (kind, id) of the fields a user types in or chooses from.
    visible: dict[str, tuple[str, str]]


def _visible(form) -> dict[str, tuple[str, str]]:
    fields = {}
    for element in form.xpath(".//input|.//select|.//textarea"):
        name, kind = element.get("name"), (element.get("type") or "text").lower()
        if not name or name == "csrf_token" or kind in ("hidden", "submit", "file"):
            continue
        if kind in ("checkbox", "radio"):
            continue  # a choice left empty is a valid answer; its group is checked below
        if element.tag == "select":
            kind = "select"
        elif element.get("inputmode") in ("decimal", "numeric") or kind == "number":
            kind = "number"
        fields.setdefault(name, (kind, element.get("id") or ""))
    return fields


class FormWalker(Fuzzer):
    def found(self, role: str) -> list[Found]:
        """Every POST form the role's pages show, the first of each endpoint."""
        seen, forms = set(), []
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            for path in self.paths(rule):
                status, html = self.fetch(role, "GET", path)
                if status != 200 or not html:
                    continue
                for form in lxml.html.fromstring(html).forms:
                    action = form.get("action") or path
                    if (form.method or "GET").upper() != "POST":
                        continue
                    endpoint, args = self.route_of(action, "POST")
                    visible = _visible(form)
                    if not endpoint or endpoint in NOT_POSTED or not visible:
                        continue
                    if (endpoint, args) in seen:
                        continue
                    seen.add((endpoint, args))
                    spec = _form_spec(form, "POST", action, endpoint)
                    forms.append(Found(path, action, endpoint, spec.fields, visible))
        return forms

    def submit(self, role: str, found: Found, data: MultiDict):
        """The response to `data` (a savepoint keeps the data as the page showed it),
        following a redirect back to the form's page."""
        connection = self.db.session.bind
        self.db.session.remove()
        savepoint = connection.begin_nested()
        try:
            data["csrf_token"] = csrf_token(self.clients[role], "/login")
            response = self.clients[role].post(found.action, data=data)
            landed = found.action
            if response.status_code in (301, 302, 303):
                location = urlsplit(response.headers["Location"])
                landed = location.path
                if landed == urlsplit(found.page).path:
                    response = self.clients[role].get(response.headers["Location"])
                else:
                    return response.status_code, landed, ""
            return response.status_code, landed, response.get_data(as_text=True)
        finally:
            self.db.session.remove()
            savepoint.rollback()


def _problems(found: Found, status: int, landed: str, html: str, typed: dict) -> list[str]:
    """What the answer does against the pattern (empty: nothing)."""
    if status == 400 or (status in (301, 302, 303) and not html):
        return []  # hidden fields refused; or success, redirected elsewhere (PRG)
    tree = lxml.html.fromstring(html) if html else None
    summary = tree.xpath("//*[contains(@class, 'error-summary')]") if tree is not None else []
    if status == 200 and not summary:
        return []  # redirected back to its page, done (PRG)
    problems = []
    if status >= 500:
        return [f"answered {status}"]
    if urlsplit(found.page).path != landed:
        problems.append(f"left its page {found.page} for {landed}")
    if not summary:
        return [*problems, f"answered {status} without an error summary"]
    box = summary[0]
    if box.get("role") != "alert" or box.get("autofocus") is None:
        problems.append("the summary does not take the focus")
    ids = {e.get("id") for e in tree.xpath("//*[@id]")}
    targets = [a.get("href", "")[1:] for a in box.xpath(".//a[starts-with(@href, '#')]")]
    for target in targets:
        if target not in ids:
            problems.append(f"the summary links to #{target}, not on the page")
    for element in tree.xpath("//*[@aria-invalid='true']"):
        ident = element.get("id")
        if ident not in targets:
            problems.append(f"field {ident} in error is not linked from the summary")
        if f"{ident}-error" not in ids:
            problems.append(f"field {ident} has no message at it")
    for name, value in typed.items():
        kind, ident = found.visible[name]
        if kind in ("select", "date") or not ident:
            continue
        element = tree.xpath(f"//*[@id='{ident}']")
        kept = element and (element[0].get("value") or element[0].text_content()) == value
        if element and not kept:
            problems.append(f"{name}: {value!r} was not kept")
    return problems


def _walk(fuzzer: FormWalker, role: str, found: Found, report: list, counts: dict) -> None:
    empty = MultiDict(
        [(n, "" if n in found.visible else v) for n, v in found.fields]
        + [(n, "") for n in found.visible if n not in dict(found.fields)]
    )
    status, landed, html = fuzzer.submit(role, found, empty)
    counts["submissions"] += 1
    counts["summaries"] += "error-summary" in html
    for problem in _problems(found, status, landed, html, {}):
        report.append(f"{role} {found.endpoint} (empty): {problem}")
    typed = {n: WRONG[k] for n, (k, _id) in found.visible.items() if k in WRONG}
    if not typed:
        return
    data = MultiDict([(n, v) for n, v in found.fields if n not in typed] + list(typed.items()))
    status, landed, html = fuzzer.submit(role, found, data)
    counts["submissions"] += 1
    counts["summaries"] += "error-summary" in html
    for problem in _problems(found, status, landed, html, typed):
        report.append(f"{role} {found.endpoint} (wrong values): {problem}")


def test_every_form_answers_empty_and_wrong_values_with_the_error_pattern(app, db, world):  # noqa: F811
    users, objects = world
    fuzzer = FormWalker(app, db, users, objects)
    report: list[str] = []
    counts = {"forms": 0, "submissions": 0, "summaries": 0}
    for role in ROLES:
        fuzzer.sessions.pop(role, None)
        fuzzer.clients[role] = fuzzer.signed_in(role)
        for found in fuzzer.found(role):
            counts["forms"] += 1
            _walk(fuzzer, role, found, report, counts)
            fuzzer.clients[role] = fuzzer.signed_in(role)
    print(f"\nforms: {counts}")
    assert counts["forms"] > 20 and counts["summaries"] > 10
    assert not report, "\n".join(report)
