"""Hostile input on every route, for every role, never makes the server fail.

Generated from `app.url_map`, not from a hand-kept list: every endpoint and method is
requested by each role with out-of-range, huge and negative ids in its path (and NUL,
control characters or 5,000 characters in its text segments), and every field of every
form a role is shown (found on the rendered pages, with their real actions and a valid
CSRF token; filters are sent by GET) is sent, one field at a time, with hostile values
over the form as the page filled it: huge and negative numbers, `1e309`, `NaN`,
`Infinity`, control characters (NUL among them), 10,000-character strings and wrong
types. Any answer of 500 or more fails the test, which prints what it did and what
failed, with its counts.

Each form's request runs inside a savepoint rolled back after it, so every hostile value
meets the data the page was rendered from: a withdrawal or a cancellation sent early
does not change the forms sent after it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
from argon2 import PasswordHasher
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from sponsorship.accounts import services as accounts
from sponsorship.jobs import queues
from sponsorship.models import (
    Airfare,
    ApplicationStatus,
    Award,
    AwardStatus,
    ContributionStatus,
    Letter,
    Role,
)
from tests.applicant_data import accepted_award_after_meeting
from tests.conftest import Auth, csrf_token
from tests.factories import (
    ApplicationFactory,
    ContributionFactory,
    DelegateFactory,
    StateFactory,
    UserFactory,
)
from tests.web.test_authorization import _applicant_objects

ROLES = ("anonymous", "applicant", "administrator", "donor")

#: Beyond PostgreSQL's INTEGER, beyond BIGINT and SQLite's INTEGER, and below zero.
BAD_IDS = (2**31, 2**63, -1)
#: In a text segment of a path (a State's code, a verification code, a token).
BAD_SEGMENTS = ("a\x00b", "\x01", "x" * 5_000)

NUMBERS = (
    "1e309",
    "NaN",
    "sNaN",
    "Infinity",
    "2147483648",
    "-9223372036854775809",
    "-1",
    "1e-400",
)
TEXTS = (
    "a\x00b",
    "\x01\x0b\x1b\x7f\x85\x9f",
    "\ufffe",
    '=HYPERLINK("http://evil.test","x")',
    "x" * 10_000,
)
#: Per kind of field: what a hostile or careless user would send there, plus what
#: belongs to another kind (a wrong type).
VALUES = {
    "number": (*NUMBERS, "\x00", "abc", ""),
    "text": (*TEXTS, "1e309", ""),
    "other": ("\x00", "x" * 10_000, "99999999999999999999", "-1", "NaN", "2030-02-30", ""),
}

#: Signing out would end the role's session for the requests after it.
NOT_POSTED = {"auth.logout"}


@dataclass
class FormSpec:
    """A form as a page renders it: where it posts, what a browser would send, and the
    kind of each field."""

    method: str
    action: str
    endpoint: str
    fields: list[tuple[str, str]]
    kinds: dict[str, str]

    def with_value(self, name: str, value: str) -> MultiDict:
        """The form with every value of `name` (one, or a checkbox group) replaced."""
        return MultiDict([*((n, v) for n, v in self.fields if n != name), (name, value)])


@dataclass
class Tally:
    requests: int = 0
    endpoints: set = field(default_factory=set)
    forms: int = 0
    fields: int = 0
    #: Forms whose untouched values were accepted (2xx/3xx): their fields reach the services.
    accepted_baselines: int = 0
    refused_baselines: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


def _plausible(element, kind: str) -> str:
    """A value a careful user would give a required field the page left empty; an
    optional one stays empty, as a user would leave it."""
    if element.get("required") is None:
        return ""
    soon = (date.today() + timedelta(days=60)).isoformat()
    return {
        "date": soon,
        "number": "1",
        "email": "fuzz@example.org",
        "tel": "+41 22 000 00 00",
        "password": "fuzz-password-123",
    }.get(kind, "Fuzz")


def _kind(element, kind: str, value: str) -> str:
    if kind == "number" or element.get("inputmode") in ("decimal", "numeric") or value.isdigit():
        return "number"
    if element.tag == "textarea" or kind in ("text", "email", "tel", "password", "search", "url"):
        return "text"
    if kind == "hidden":
        return "text"
    return "other"


def _form_spec(form, method: str, action: str, endpoint: str) -> FormSpec:
    """What a browser would send for `form` submitted with its first button."""
    pairs: list[tuple[str, str]] = []
    kinds: dict[str, str] = {}
    button_sent = False
    for element in form.xpath(".//input|.//select|.//textarea|.//button"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        kind = (element.get("type") or ("submit" if element.tag == "button" else "text")).lower()
        values: list[str] = []
        if element.tag == "select":
            options = element.xpath(".//option")
            chosen = [o for o in options if o.get("selected") is not None]
            values = [o.get("value", o.text_content()) for o in chosen] or [
                o.get("value") for o in options if o.get("value")
            ][:1]
        elif element.tag == "textarea":
            # As in a browser, a newline right after <textarea> is not part of the value.
            text = element.text_content().removeprefix("\n")
            values = [text or _plausible(element, "text")]
        elif kind in ("checkbox", "radio"):
            values = [element.get("value", "on")] if element.get("checked") is not None else []
        elif kind == "submit":
            values = [] if button_sent else [element.get("value", "")]
            button_sent = True
        elif kind == "file":
            continue
        else:
            values = [element.get("value") or _plausible(element, kind)]
        pairs += [(name, v) for v in values]
        if name != "csrf_token":
            kinds.setdefault(name, _kind(element, kind, element.get("value") or ""))
    return FormSpec(method, action, endpoint, pairs, kinds)


class Fuzzer:
    def __init__(self, app, db, users: dict, objects: dict) -> None:
        self.app, self.db, self.users, self.objects = app, db, users, objects
        self.sessions: dict[str, str | None] = {}
        self.clients = {role: self.signed_in(role) for role in ROLES}
        self.adapter = app.url_map.bind("localhost")
        self.tally = Tally()

    def signed_in(self, role: str):
        """A new browser for `role`, signed in unless anonymous: with the session cookie
        of the role's first sign-in (Argon2 makes signing in again slow on purpose)."""
        if role not in self.sessions:
            first = self.app.test_client()
            if role in self.users:
                Auth(first).login(self.users[role].email)
            cookie = first.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
            self.sessions[role] = cookie.value if cookie else None
        client = self.app.test_client()
        if self.sessions[role] is not None:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.sessions[role])
        return client

    def request(self, role: str, method: str, path: str, data=None, note: str = ""):
        """One request's status; a 5xx, or an exception escaping the app, is recorded."""
        return self.fetch(role, method, path, data, note)[0]

    def fetch(self, role: str, method: str, path: str, data=None, note: str = ""):
        """One request's status and HTML (if any); a 5xx, or an exception escaping the
        app, is recorded."""
        html = ""
        self.tally.requests += 1
        self.tally.endpoints.add((self.endpoint_of(path, method), method))
        try:
            if method == "GET" and data:  # a filter form: its fields go in the query
                base, _, query = path.partition("?")
                response = self.clients[role].get(
                    base, query_string=MultiDict([*parse_qsl(query), *data.items(multi=True)])
                )
            else:
                response = self.clients[role].open(path, method=method, data=data)
        except Exception as error:  # noqa: BLE001 - every escape is a finding
            status, detail = 500, f"{type(error).__name__}: {str(error)[:160]}"
        else:
            status, detail = response.status_code, ""
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
            response.close()
        self.tally.statuses[f"{status // 100}xx"] += 1
        if status >= 500:
            self.tally.failures.append((role, method, path[:100], note[:60], status, detail))
        return status, html

    def endpoint_of(self, path: str, method: str) -> str | None:
        return self.route_of(path, method)[0]

    def route_of(self, path: str, method: str) -> tuple[str | None, tuple]:
        """The endpoint `path` reaches, and its arguments other than ids: the decide
        route's three decisions are three forms, its delegates one."""
        try:
            endpoint, args = self.adapter.match(urlsplit(path).path, method=method)
        except HTTPException:
            return None, ()
        return endpoint, tuple(sorted((k, v) for k, v in args.items() if not isinstance(v, int)))

    def paths(self, rule) -> list[str]:
        """`rule` with real values for its arguments: one path per candidate object."""
        names = sorted(rule.arguments)
        combos = itertools.product(*(self.objects[name] for name in names))
        return [
            rule.build(dict(zip(names, c, strict=True)), append_unknown=False)[1] for c in combos
        ]

    def bad_paths(self, rule) -> list[str]:
        """`rule` with each argument in turn set to each out-of-range id (a number) or
        hostile segment (text); a choice of words (`any`) is left as it is."""
        real = {name: self.objects[name][0] for name in rule.arguments}
        paths = []
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                bad_values = BAD_IDS
            elif isinstance(converter, UnicodeConverter | PathConverter):
                bad_values = BAD_SEGMENTS
            else:
                continue
            paths += [
                rule.build({**real, name: bad}, append_unknown=False)[1] for bad in bad_values
            ]
        return paths

    def fuzz_paths(self, role: str) -> None:
        """Every route and method with its path arguments out of range, one at a time."""
        token = csrf_token(self.clients[role], "/login")
        for rule in self.app.url_map.iter_rules():
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token} if method == "POST" else None
                for path in self.bad_paths(rule):
                    self.request(role, method, path, data, note="path out of range")

    def discover(self, role: str) -> dict[tuple, FormSpec]:
        """Every form the role's pages show (posted, or a filter sent by GET), the first
        found for each route and method."""
        forms: dict[tuple, FormSpec] = {}
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            for path in self.paths(rule):
                status, html = self.fetch(role, "GET", path)
                if status != 200 or not html:
                    continue
                for form in lxml.html.fromstring(html).forms:
                    action = form.get("action") or path
                    method = (form.method or "GET").upper()
                    endpoint, args = self.route_of(action, method)
                    key = (endpoint, method, args)
                    if endpoint and endpoint not in NOT_POSTED and key not in forms:
                        forms[key] = _form_spec(form, method, action, endpoint)
        return forms

    def fuzz_form(self, role: str, spec: FormSpec) -> None:
        """The form as the page filled it, then each field in turn set to each hostile
        value; every post starts from the same data (a savepoint rolled back after it)."""
        token = csrf_token(self.clients[role], "/login")
        status = self.send_alone(role, spec, MultiDict(spec.fields), token, "as filled")
        self.tally.forms += 1
        self.tally.accepted_baselines += status < 400
        if status >= 400:
            self.tally.refused_baselines.append(f"{role} {spec.endpoint} {status}")
        for name, kind in spec.kinds.items():
            self.tally.fields += 1
            for value in VALUES[kind]:
                self.send_alone(
                    role, spec, spec.with_value(name, value), token, f"{name}={value[:30]!r}"
                )
        # A post may have signed the browser in as someone else (an invitation accepted)
        # or out: the next form starts from the role's own session again.
        self.clients[role] = self.signed_in(role)

    def send_alone(self, role: str, spec: FormSpec, data: MultiDict, token: str, note: str) -> int:
        connection = self.db.session.bind
        self.db.session.remove()
        savepoint = connection.begin_nested()
        try:
            if spec.method == "POST":
                data["csrf_token"] = token
            return self.request(role, spec.method, spec.action, data, note)
        finally:
            self.db.session.remove()
            savepoint.rollback()

    def sign_out(self, role: str) -> None:
        """Last, since it ends the session: signing out, with a hostile field too."""
        token = csrf_token(self.clients[role], "/login")
        self.request(role, "POST", "/logout", {"csrf_token": token, "next": "\x00" * 3})


class _Recorder(queues.EmbeddedQueue):
    """The embedded queue, but a job is only remembered, never run."""

    def enqueue(self, name, **kwargs):
        return name


def _payment_objects(session, award, admin) -> dict:
    """An entered payment, a filed claim with its receipt and a pending request (issue
    22): their pages then show the approval, decision and reimbursement forms."""
    from sponsorship.models import (
        ApprovalKind,
        ApprovalRequest,
        Claim,
        ClaimCategory,
        ClaimReceipt,
        ClaimStatus,
        Payment,
        PaymentKind,
    )

    payment = Payment(
        award=award,
        kind=PaymentKind.DSA_CASH,
        currency="CHF",
        amount=Decimal("100"),
        exchange_rate=Decimal(1),
        rate_date=date.today(),
        base_amount=Decimal("100"),
        paid_on=date.today(),
        paid_by="Cashier",
        entered_by_id=admin.id,
        four_eyes=False,
        outside_fund=Decimal(0),
    )
    claim = Claim(
        award=award,
        category=ClaimCategory.TERMINAL,
        currency="EUR",
        amount=Decimal("80"),
        receipts=[
            ClaimReceipt(
                key="receipts/none.pdf",
                sha256="0" * 64,
                content_type="application/pdf",
                filename="r.pdf",
                size=1,
            )
        ],
    )
    approved = Claim(
        award=award,
        category=ClaimCategory.VISA,
        currency="CHF",
        amount=Decimal("60"),
        status=ClaimStatus.APPROVED,
        approved_amount=Decimal("60"),
    )
    # Asked by another administrator, so the fuzzed one is shown the approval form.
    request = ApprovalRequest(
        kind=ApprovalKind.RECONCILIATION,
        award=award,
        amount=Decimal("5000"),
        currency="CHF",
        requested_by=UserFactory(),
    )
    session.add_all([payment, claim, approved, request])
    session.flush()
    return {
        "payment_id": [payment.id],
        "claim_id": [claim.id, approved.id],
        "receipt_id": [claim.receipts[0].id],
        "request_id": [request.id],
    }


def _person_of(db_session, delegates) -> int:
    from sponsorship.models import Person

    person = Person(name="Fuzz Person")
    db_session.add(person)
    for delegate in delegates:
        delegate.person = person
    db_session.flush()
    return person.id


@pytest.fixture
def world(app, db, tmp_path, monkeypatch):
    """A user per role, and candidate values for every path argument."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    # Jobs run outside requests (and would commit on their own thread): only recorded.
    monkeypatch.setattr(app.extensions[queues.EXTENSION], "queue", _Recorder(app))
    # Signing in with an unknown address verifies a dummy Argon2 hash, slow on purpose
    # (0.2 s); the same path with a cheap hash keeps the fuzz of the login form quick.
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("no such user"))
    state = StateFactory(entry_into_force=date(1999, 3, 1))
    db.session.add(Airfare(region=state.regional_group, amount=Decimal("900")))
    users = {
        "applicant": UserFactory(role=Role.APPLICANT, state=state),
        "administrator": UserFactory(),
        "donor": UserFactory(donor_rep=True),
    }
    _user, token = accounts.invite(
        users["administrator"],
        timedelta(hours=1),
        email="invited@example.org",
        name="Invited",
        role=Role.ADMINISTRATOR,
    )
    ids = _applicant_objects(db.session, state)
    contribution = ContributionFactory(donor=users["donor"].donor)
    # A pledge still to receive: its page shows the receipt and cancellation forms.
    pledge = ContributionFactory(
        donor=users["donor"].donor,
        status=ContributionStatus.PLEDGED,
        received_on=None,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
    )
    # A delegate still to price and decide on, and one back from the meeting: the pages
    # then show the pricing, decision, cost and reconciliation forms.
    pending = DelegateFactory(
        application=ApplicationFactory(state=state, status=ApplicationStatus.IN_REVIEW)
    )
    attended = accepted_award_after_meeting(state, name="Back From Geneva")
    attended.status = AwardStatus.ATTENDED
    db.session.flush()
    offer, accepted = db.session.get(Award, ids["offer"]), db.session.get(Award, ids["accepted"])
    awards = [offer, accepted, attended]
    money_rows = _payment_objects(db.session, attended, users["administrator"])
    objects = {
        "application_id": [
            ids["draft"],
            ids["submitted"],
            pending.application_id,
            *(a.delegate.application_id for a in awards),
        ],
        "award_id": [a.id for a in awards],
        "delegate_id": [pending.id, offer.delegate_id],
        "meeting_id": [
            ids["fresh_meeting"],
            *{a.delegate.application.meeting_id for a in awards},
        ],
        "contribution_id": [pledge.id, contribution.id],
        "donor_id": [users["donor"].donor_id],
        "letter_id": [ids["letter"]],
        # A prepared report's page: none exists until one is asked for (test_exports.py).
        "export_id": [0],
        # Sessions are rows made when the fuzzer's clients sign in: the first one's.
        "session_id": [1],
        # The administrators' user pages (deactivate, reset, sign out everywhere).
        "user_id": [users["applicant"].id],
        "decision": ["offer", "waitlist", "reject"],
        "iso3": [state.iso3],
        "token": [token],
        "code": [db.session.get(Letter, ids["letter"]).verification_code],
        "filename": ["img/logo.svg"],
        **money_rows,
        # A person with two participations: its page shows the merge and split forms.
        "person_id": [_person_of(db.session, [pending, offer.delegate])],
    }
    from sponsorship.models import DonorsGroupMember, Slate
    from tests.slate_data import slate_data

    slate_world = slate_data(db)
    slate = Slate(
        meeting_id=slate_world.meeting.id,
        method="optimal",
        chosen=[a.id for a in slate_world.africans],
        figures={
            "slate": {
                "states": 4,
                "delegates": 4,
                "money": "2000",
                "women": 4,
                "first_time": 0,
                "score": 1,
            },
            "rank_order": {
                "states": 3,
                "delegates": 3,
                "money": "2000",
                "women": 3,
                "first_time": 0,
                "score": 1,
            },
            "rows": [],
        },
        quorum=2,
        deadline=date.today() + timedelta(days=7),
    )
    db.session.add(slate)
    db.session.add(DonorsGroupMember(user_id=users["donor"].id))
    db.session.flush()
    objects["slate_id"] = [slate.id]
    objects["meeting_id"].append(slate_world.meeting.id)
    db.session.commit()
    return users, objects


def test_no_input_makes_the_server_fail(app, db, world):
    users, objects = world
    fuzzer = Fuzzer(app, db, users, objects)
    for role in ROLES:
        # A fresh sign-in per role: the roles before may have ended its session (signing
        # out ends every session of an account, and so do several administrator forms).
        fuzzer.sessions.pop(role, None)
        fuzzer.clients[role] = fuzzer.signed_in(role)
        fuzzer.fuzz_paths(role)
        for spec in fuzzer.discover(role).values():
            fuzzer.fuzz_form(role, spec)
        fuzzer.sign_out(role)
    tally = fuzzer.tally
    routes = {
        (r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
    }
    failures = "\n".join(" ".join(map(repr, f)) for f in tally.failures[:400])
    print(
        f"\nfuzz: {len(routes & tally.endpoints)} of {len(routes)} endpoint-methods, "
        f"{len(ROLES)} roles, {tally.forms} forms ({tally.accepted_baselines} accepted as "
        f"filled), {tally.fields} fields, {tally.requests} requests, "
        f"{dict(sorted(tally.statuses.items()))}, 5xx: {len(tally.failures)}\n"
        f"forms refused as filled: {tally.refused_baselines}\n"
        f"endpoint-methods not reached: {sorted(routes - tally.endpoints)}\n{failures}"
    )
    assert not tally.failures, f"{len(tally.failures)} server errors:\n{failures}"
