"""Every route x every role has an expected outcome.

The matrix is checked against `app.url_map`: a new route (or a new method on a
route) without an entry here fails `test_matrix_covers_every_route`, so nobody
can add a page without deciding who may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from sponsorship.accounts import services as accounts
from sponsorship.models import Award, Role
from tests.factories import StateFactory, UserFactory

ROLES = ("anonymous", "applicant", "other_applicant", "administrator", "donor")

OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
#: A report URL with no copy at the current data stamp: 303 to the page of the job
#: preparing it (reporting/export_views.py).
PREPARING = 303
LOGIN = "login"  # a redirect to the login page


def everyone(code):
    return dict.fromkeys(ROLES, code)


def signed_in_only(code):
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], code)}


def only(*roles, code=OK):
    return {
        "anonymous": LOGIN,
        **{
            r: (
                code
                if r in roles or (r == "other_applicant" and "applicant" in roles)
                else FORBIDDEN
            )
            for r in ROLES[1:]
        },
    }


def own_state(code=OK, admin=FORBIDDEN):
    """An applicant page about one State's object: another State's applicant gets 404."""
    return {
        "anonymous": LOGIN,
        "applicant": code,
        "other_applicant": NOT_FOUND,
        "administrator": admin,
        "donor": FORBIDDEN,
    }


class _Ids(dict):
    def __missing__(self, key):
        return 0  # any id will do where the request never reaches the view (CSRF test)


class Path(str):
    """A path with object ids to fill in, e.g. {draft}; missing ids become 0."""

    def format(self, *args, **kwargs):
        return str.format_map(self, _Ids(kwargs))


@dataclass(frozen=True)
class Case:
    path: str
    expected: dict
    data: dict | None = None


#: (endpoint, method) -> Case. Paths may use {invite} (a live invitation token) and the
#: ids of the objects `people` makes for the applicant's State ({draft}, {offer}, ...).
MATRIX: dict[tuple[str, str], Case] = {
    ("static", "GET"): Case("/static/img/logo.svg", everyone(OK)),
    ("main.home", "GET"): Case("/", {"anonymous": OK, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    ("main.healthz", "GET"): Case("/healthz", everyone(OK)),
    ("main.glossary", "GET"): Case("/glossary", everyone(OK)),
    ("main.set_language", "POST"): Case("/language", everyone(REDIRECT), {"lang": "fr"}),
    ("auth.login", "GET"): Case("/login", {"anonymous": OK, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    ("auth.login", "POST"): Case(
        "/login", everyone(422), {"email": "x@example.org", "password": "wrong password"}
    ),
    ("auth.logout", "POST"): Case("/logout", signed_in_only(REDIRECT)),
    ("auth.accept_invitation", "GET"): Case("/invite/{invite}", everyone(OK)),
    ("auth.accept_invitation", "POST"): Case(
        "/invite/{invite}", everyone(OK), {"password": "short"}
    ),
    # Accounts (issue 17): forgotten passwords, the second factor, everyone's own page.
    ("auth.forgot_password", "GET"): Case("/login/forgot", everyone(OK)),
    ("auth.forgot_password", "POST"): Case(
        "/login/forgot", everyone(OK), {"email": "x@example.org"}
    ),
    ("auth.reset_password", "GET"): Case(Path("/reset/{reset}"), everyone(OK)),
    ("auth.reset_password", "POST"): Case(Path("/reset/{reset}"), everyone(422), {"password": "x"}),
    ("auth.two_factor", "GET"): Case("/login/two-factor", everyone(REDIRECT)),
    ("auth.two_factor", "POST"): Case("/login/two-factor", everyone(REDIRECT), {"code": "1"}),
    ("account.index", "GET"): Case("/account/", signed_in_only(OK)),
    ("account.profile", "POST"): Case(
        "/account/profile", signed_in_only(REDIRECT), {"name": "Renamed", "locale": "fr"}
    ),
    ("account.password", "POST"): Case(
        "/account/password", signed_in_only(REDIRECT), {"current": "x"}
    ),
    ("account.end_session", "POST"): Case("/account/sessions/0/end", signed_in_only(REDIRECT)),
    ("account.end_all", "POST"): Case("/account/sessions/end-all", signed_in_only(REDIRECT)),
    ("account.two_factor_setup", "GET"): Case("/account/two-factor", signed_in_only(OK)),
    ("account.two_factor_setup", "POST"): Case(
        "/account/two-factor", signed_in_only(422), {"code": "000000"}
    ),
    ("account.disable_two_factor", "POST"): Case(
        "/account/two-factor/disable", signed_in_only(REDIRECT)
    ),
    ("admin.accounts.user", "GET"): Case(Path("/admin/users/{person}"), only("administrator")),
    ("admin.accounts.user_active", "POST"): Case(
        Path("/admin/users/{person}/active"), only("administrator", code=REDIRECT)
    ),
    ("admin.accounts.user_state", "POST"): Case(
        Path("/admin/users/{person}/state"), only("administrator", code=REDIRECT), {"state_id": "x"}
    ),
    ("admin.accounts.user_sign_out", "POST"): Case(
        Path("/admin/users/{person}/sign-out"), only("administrator", code=REDIRECT)
    ),
    ("admin.accounts.user_reset_two_factor", "POST"): Case(
        Path("/admin/users/{person}/two-factor/reset"), only("administrator", code=REDIRECT)
    ),
    ("admin.accounts.user_send_reset", "POST"): Case(
        Path("/admin/users/{person}/reset-password"), only("administrator", code=REDIRECT)
    ),
    ("applicant.dashboard", "GET"): Case("/apply/", only("applicant")),
    ("applicant.applications", "GET"): Case("/apply/applications", only("applicant")),
    ("applicant.new_application", "GET"): Case(
        Path("/apply/meetings/{fresh_meeting}/apply"), only("applicant")
    ),
    ("applicant.new_application", "POST"): Case(
        Path("/apply/meetings/{fresh_meeting}/apply"), only("applicant"), {"action": "add"}
    ),
    ("applicant.application", "GET"): Case(Path("/apply/applications/{draft}"), own_state()),
    ("applicant.edit_application", "GET"): Case(
        Path("/apply/applications/{draft}/edit"), own_state()
    ),
    ("applicant.edit_application", "POST"): Case(
        Path("/apply/applications/{draft}/edit"), own_state(), {"action": "add"}
    ),
    ("applicant.withdraw_application", "POST"): Case(
        Path("/apply/applications/{submitted}/withdraw"), own_state(REDIRECT)
    ),
    # Confirmation pages (issue 23): the action's URL answers GET with what will happen.
    ("applicant.withdraw_application", "GET"): Case(
        Path("/apply/applications/{submitted}/withdraw"), own_state()
    ),
    ("applicant.note", "GET"): Case(Path("/apply/applications/{draft}/note"), own_state(OK, OK)),
    ("applicant.offer", "GET"): Case(Path("/apply/awards/{offer}"), own_state()),
    ("applicant.accept_offer", "POST"): Case(
        Path("/apply/awards/{offer}/accept"), own_state(REDIRECT)
    ),
    ("applicant.decline_offer", "POST"): Case(
        Path("/apply/awards/{offer}/decline"), own_state(422)
    ),
    ("applicant.decline_offer", "GET"): Case(Path("/apply/awards/{offer}/decline"), own_state()),
    ("applicant.letter", "GET"): Case(Path("/apply/awards/{offer}/letter"), own_state()),
    ("applicant.report", "GET"): Case(Path("/apply/awards/{accepted}/report"), own_state()),
    ("documents_applicant.documents", "GET"): Case(
        Path("/apply/awards/{offer}/documents"), own_state()
    ),
    ("documents_applicant.language", "POST"): Case(
        Path("/apply/awards/{offer}/documents/language"), own_state(REDIRECT), {"language": "xx"}
    ),
    ("documents_applicant.visa", "POST"): Case(
        Path("/apply/awards/{offer}/documents/visa"), own_state(REDIRECT)
    ),
    ("documents_applicant.download", "GET"): Case(
        Path("/apply/awards/{offer}/documents/0.pdf"), own_state(NOT_FOUND)
    ),
    ("applicant.report", "POST"): Case(
        Path("/apply/awards/{accepted}/report"), own_state(REDIRECT), {"comments": "Useful"}
    ),
    ("admin.dashboard", "GET"): Case("/admin/", only("administrator")),
    ("admin.accounts.users", "GET"): Case("/admin/users", only("administrator")),
    ("admin.accounts.users", "POST"): Case("/admin/users", only("administrator"), {"email": "bad"}),
    # Meetings, States and the review (nested in admin: administrators only). Objects
    # of the applicant's State are used where they exist; id 0 exists nowhere (404).
    ("admin.meetings.index", "GET"): Case("/admin/meetings/", only("administrator")),
    ("admin.meetings.create", "GET"): Case("/admin/meetings/new", only("administrator")),
    ("admin.meetings.create", "POST"): Case(
        "/admin/meetings/new", only("administrator", code=422), {"title": ""}
    ),
    ("admin.meetings.edit", "GET"): Case(
        "/admin/meetings/0/edit", only("administrator", code=NOT_FOUND)
    ),
    ("admin.meetings.edit", "POST"): Case(
        "/admin/meetings/0/edit", only("administrator", code=NOT_FOUND)
    ),
    ("admin.meetings.window", "POST"): Case(
        "/admin/meetings/0/window", only("administrator", code=NOT_FOUND), {"open": "1"}
    ),
    ("admin.meetings.signatory_form", "GET"): Case(
        "/admin/meetings/signatory", only("administrator")
    ),
    ("admin.meetings.signatory_form", "POST"): Case(
        "/admin/meetings/signatory", only("administrator", code=422), {"name": ""}
    ),
    ("admin.mail_previews.previews", "GET"): Case("/admin/mail/previews", only("administrator")),
    ("admin.states.index", "GET"): Case("/admin/states/", only("administrator")),
    ("admin.states.edit", "GET"): Case("/admin/states/TCD", only("administrator")),
    ("admin.states.edit", "POST"): Case(
        "/admin/states/TCD", only("administrator", code=422), {"convention_status": "x"}
    ),
    ("admin.review.queue", "GET"): Case("/admin/review/", only("administrator")),
    ("admin.review.application", "GET"): Case(
        Path("/admin/review/applications/{submitted}"), only("administrator")
    ),
    ("admin.review.history", "GET"): Case(
        Path("/admin/review/applications/{submitted}/history"), only("administrator")
    ),
    ("admin.review.price", "POST"): Case(
        "/admin/review/delegates/0/price", only("administrator", code=NOT_FOUND)
    ),
    ("admin.review.decide", "POST"): Case(
        "/admin/review/delegates/0/offer", only("administrator", code=NOT_FOUND)
    ),
    ("admin.review.decide", "GET"): Case(
        "/admin/review/delegates/0/reject", only("administrator", code=NOT_FOUND)
    ),
    ("admin.review.bulk", "POST"): Case(
        "/admin/review/bulk", only("administrator", code=422), {"action": "offer"}
    ),
    ("admin.review.bulk", "GET"): Case(
        "/admin/review/bulk?action=reject&delegate=1", only("administrator")
    ),
    ("admin.followup.cancel", "POST"): Case(
        Path("/admin/review/awards/{offer}/cancel"), only("administrator", code=422)
    ),
    ("admin.followup.cancel", "GET"): Case(
        Path("/admin/review/awards/{offer}/cancel"), only("administrator")
    ),
    ("admin.followup.attendance", "POST"): Case(
        Path("/admin/review/awards/{accepted}/attendance"),
        only("administrator", code=REDIRECT),
        {"attended": "1"},
    ),
    ("admin.followup.reconcile", "POST"): Case(
        Path("/admin/review/awards/{offer}/reconcile"), only("administrator", code=422)
    ),
    ("admin.followup.reconcile", "GET"): Case(
        Path("/admin/review/awards/{offer}/reconcile"), only("administrator")
    ),
    ("admin.followup.report", "POST"): Case(
        Path("/admin/review/awards/{offer}/report"), only("administrator", code=REDIRECT)
    ),
    ("admin.followup.follow_up", "GET"): Case(
        Path("/admin/review/meetings/{fresh_meeting}/follow-up"), only("administrator")
    ),
    ("admin.review.weights", "GET"): Case("/admin/review/weights", only("administrator")),
    ("admin.review.weights", "POST"): Case(
        "/admin/review/weights", only("administrator", code=422), {"points_ldc": "x"}
    ),
    ("admin.review.fares", "GET"): Case("/admin/review/fares", only("administrator")),
    ("admin.review.fares", "POST"): Case(
        "/admin/review/fares", only("administrator", code=REDIRECT), {"fare_african": "900"}
    ),
    # Award letters: the public verification page, and the administrators' letter pages.
    ("public.verify", "GET"): Case("/verify/MATRIX-1", everyone(OK)),
    ("public.verify_form", "GET"): Case("/verify", everyone(OK)),
    ("admin.letters.letter_preview", "GET"): Case(
        Path("/admin/review/awards/{offer}/letter/preview"), only("administrator")
    ),
    ("admin.letters.letter_issue", "POST"): Case(
        "/admin/review/awards/0/letter", only("administrator", code=NOT_FOUND)
    ),
    ("admin.letters.document_issue", "POST"): Case(
        "/admin/review/awards/0/documents", only("administrator", code=NOT_FOUND)
    ),
    ("admin.letters.letter_revoke", "POST"): Case(
        "/admin/review/letters/0/revoke", only("administrator", code=NOT_FOUND)
    ),
    ("admin.letters.letter_revoke", "GET"): Case(
        Path("/admin/review/letters/{letter}/revoke"), only("administrator")
    ),
    ("admin.letters.letter_download", "GET"): Case(
        Path("/admin/review/letters/{letter}/download"), only("administrator")
    ),
    ("admin.letters.letters_page", "GET"): Case(
        Path("/admin/review/meetings/{fresh_meeting}/letters"), only("administrator")
    ),
    ("admin.letters.letters_status", "GET"): Case(
        Path("/admin/review/meetings/{fresh_meeting}/letters/status"), only("administrator")
    ),
    ("admin.letters.letters_bulk", "POST"): Case(
        "/admin/review/meetings/0/letters", only("administrator", code=NOT_FOUND)
    ),
    ("admin.letters.letters_zip", "GET"): Case(
        Path("/admin/review/meetings/{fresh_meeting}/letters.zip"),
        only("administrator", code=PREPARING),
    ),
    ("donor.dashboard", "GET"): Case("/donor/", only("donor")),
    ("donor.states", "GET"): Case("/donor/states", only("donor")),
    ("donor.awards", "GET"): Case("/donor/awards", only("donor")),
    ("donor.breakdowns", "GET"): Case("/donor/breakdowns", only("donor")),
    ("donor.report_csv", "GET"): Case("/donor/report.csv", only("donor", code=PREPARING)),
    ("donor.report_xlsx", "GET"): Case("/donor/report.xlsx", only("donor", code=PREPARING)),
    ("donor.report_pdf", "GET"): Case("/donor/report.pdf", only("donor", code=PREPARING)),
    ("donor.report_360giving", "GET"): Case(
        "/donor/report.360giving.json", only("donor", code=PREPARING)
    ),
    ("donor.report_iati", "GET"): Case("/donor/report.iati.xml", only("donor", code=PREPARING)),
    # Another reader's prepared report answers like a missing one (tests/web/test_exports.py).
    ("donor.export_status", "GET"): Case("/donor/exports/0", only("donor", code=NOT_FOUND)),
    ("donor.export_file", "GET"): Case("/donor/exports/0/file", only("donor", code=NOT_FOUND)),
    ("admin.reports.export_status", "GET"): Case(
        "/admin/reports/exports/0", only("administrator", code=NOT_FOUND)
    ),
    ("admin.reports.export_file", "GET"): Case(
        "/admin/reports/exports/0/file", only("administrator", code=NOT_FOUND)
    ),
    # Another donor's contribution answers like a missing one (tests/web/test_reports_web.py).
    ("donor.contribution", "GET"): Case("/donor/contributions/0", only("donor", code=NOT_FOUND)),
    ("admin.reports.programme_pdf", "GET"): Case(
        "/admin/reports/programme.pdf", only("administrator", code=PREPARING)
    ),
    ("admin.reports.programme_360giving", "GET"): Case(
        "/admin/reports/programme.360giving.json", only("administrator", code=PREPARING)
    ),
    ("admin.reports.programme_iati", "GET"): Case(
        "/admin/reports/programme.iati.xml", only("administrator", code=PREPARING)
    ),
    ("admin.reports.programme_xlsx", "GET"): Case(
        "/admin/reports/programme.xlsx", only("administrator", code=PREPARING)
    ),
    ("admin.reports.programme", "GET"): Case("/admin/reports/", only("administrator")),
    ("admin.reports.programme_csv", "GET"): Case(
        "/admin/reports/programme.csv", only("administrator", code=PREPARING)
    ),
    # Payments, claims and four-eyes (issue 22): administrators only, but an applicant
    # files claims for the State's own awards. Ids 0 exist nowhere (404 past the role).
    ("admin.payments.pending", "GET"): Case("/admin/payments/", only("administrator")),
    ("admin.payments.award", "GET"): Case(
        Path("/admin/payments/awards/{accepted}"), only("administrator")
    ),
    ("admin.payments.enter_payment", "POST"): Case(
        Path("/admin/payments/awards/{accepted}/payments"), only("administrator", code=REDIRECT)
    ),
    ("admin.payments.file_claim", "POST"): Case(
        Path("/admin/payments/awards/{accepted}/claims"), only("administrator", code=REDIRECT)
    ),
    ("admin.payments.approve_payment", "POST"): Case(
        "/admin/payments/payments/0/approve", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.reject_payment", "POST"): Case(
        "/admin/payments/payments/0/reject", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.payment_receipt", "GET"): Case(
        "/admin/payments/payments/0/receipt", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.decide_claim", "POST"): Case(
        "/admin/payments/claims/0/decide", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.reimburse", "POST"): Case(
        "/admin/payments/claims/0/reimburse", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.claim_receipt", "GET"): Case(
        "/admin/payments/receipts/0", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.approve_request", "POST"): Case(
        "/admin/payments/requests/0/approve", only("administrator", code=NOT_FOUND)
    ),
    ("admin.payments.reject_request", "POST"): Case(
        "/admin/payments/requests/0/reject", only("administrator", code=NOT_FOUND)
    ),
    ("payments_applicant.claims_page", "GET"): Case(
        Path("/apply/awards/{accepted}/claims"), own_state()
    ),
    ("payments_applicant.file_claim", "POST"): Case(
        Path("/apply/awards/{accepted}/claims"), own_state(422)
    ),
    ("payments_applicant.receipt", "GET"): Case(
        Path("/apply/awards/{accepted}/claims/receipts/0"), own_state(NOT_FOUND)
    ),
    # The fund pages; ids 0 exist nowhere, so an administrator gets 404 past the role check.
    ("admin.funds.overview", "GET"): Case("/admin/funds/", only("administrator")),
    ("admin.funds.donors", "GET"): Case("/admin/funds/donors", only("administrator")),
    ("admin.funds.donors", "POST"): Case("/admin/funds/donors", only("administrator", code=422)),
    ("admin.funds.donor", "GET"): Case(
        "/admin/funds/donors/0", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.donor", "POST"): Case(
        "/admin/funds/donors/0", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.new_contribution", "GET"): Case(
        "/admin/funds/contributions/new", only("administrator")
    ),
    ("admin.funds.new_contribution", "POST"): Case(
        "/admin/funds/contributions/new", only("administrator", code=422)
    ),
    ("admin.funds.contribution", "GET"): Case(
        "/admin/funds/contributions/0", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.edit_contribution", "GET"): Case(
        "/admin/funds/contributions/0/edit", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.edit_contribution", "POST"): Case(
        "/admin/funds/contributions/0/edit", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.receive", "POST"): Case(
        "/admin/funds/contributions/0/receive", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.cancel", "POST"): Case(
        "/admin/funds/contributions/0/cancel", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.cancel", "GET"): Case(
        "/admin/funds/contributions/0/cancel", only("administrator", code=NOT_FOUND)
    ),
    ("admin.funds.meeting", "GET"): Case(
        "/admin/funds/meetings/0", only("administrator", code=NOT_FOUND)
    ),
    # The slate (sponsorship/slate); ids 0 exist nowhere. The Donors' Group pages admit
    # donor users who are members only: the matrix's donor is not one.
    ("admin.slate.index", "GET"): Case("/admin/slate/", only("administrator")),
    ("admin.slate.meeting", "GET"): Case(
        "/admin/slate/meetings/0", only("administrator", code=NOT_FOUND)
    ),
    ("admin.slate.send", "POST"): Case(
        "/admin/slate/meetings/0/send", only("administrator", code=NOT_FOUND)
    ),
    ("admin.slate.slate", "GET"): Case("/admin/slate/0", only("administrator", code=NOT_FOUND)),
    ("admin.slate.offer", "POST"): Case(
        "/admin/slate/0/offer", only("administrator", code=NOT_FOUND)
    ),
    ("admin.slate.offer", "GET"): Case(
        "/admin/slate/0/offer", only("administrator", code=NOT_FOUND)
    ),
    ("admin.slate.members", "GET"): Case("/admin/slate/members", only("administrator")),
    ("admin.slate.members", "POST"): Case(
        "/admin/slate/members",
        only("administrator", code=REDIRECT),
        data={"user_id": "0", "member": "1"},
    ),
    ("admin.slate.report", "GET"): Case("/admin/slate/report", only("administrator")),
    ("donors_group.index", "GET"): Case("/donor/slates/", only(code=FORBIDDEN)),
    ("donors_group.slate", "GET"): Case("/donor/slates/0", only(code=FORBIDDEN)),
    ("donors_group.vote", "POST"): Case("/donor/slates/0/vote", only(code=FORBIDDEN)),
    # The history import: an upload without a file is refused with the form's message.
    ("admin.history.index", "GET"): Case("/admin/history/", only("administrator")),
    ("admin.history.template", "GET"): Case("/admin/history/template.xlsx", only("administrator")),
    ("admin.history.preview", "POST"): Case("/admin/history/", only("administrator", code=422)),
    ("admin.history.confirm", "POST"): Case(
        "/admin/history/confirm", only("administrator", code=400), {"sha256": "x"}
    ),
    # Personal data (issue 22): retention plan, a delegate's export and erasure; the
    # audit viewer. An erasure without its reason is refused with the form's message.
    ("admin.privacy.index", "GET"): Case("/admin/privacy/?q=a", only("administrator")),
    ("admin.privacy.delegate", "GET"): Case(
        Path("/admin/privacy/delegates/{delegate}"), only("administrator")
    ),
    ("admin.privacy.export_json", "GET"): Case(
        Path("/admin/privacy/delegates/{delegate}/export.json"), only("administrator")
    ),
    ("admin.privacy.export_pdf", "GET"): Case(
        Path("/admin/privacy/delegates/{delegate}/export.pdf"), only("administrator")
    ),
    ("admin.privacy.erase", "GET"): Case(
        Path("/admin/privacy/delegates/{delegate}/erase"), only("administrator")
    ),
    ("admin.privacy.erase", "POST"): Case(
        Path("/admin/privacy/delegates/{delegate}/erase"),
        only("administrator", code=422),
        {"reason": ""},
    ),
    ("admin.audit.index", "GET"): Case("/admin/audit/?money=y", only("administrator")),
    ("admin.audit.export_csv", "GET"): Case(
        "/admin/audit/trail.csv", only("administrator", code=PREPARING)
    ),
    # Who pays: the offered award's share is fixed, so the refusal is flashed back.
    ("admin.cofunding.declare", "POST"): Case(
        Path("/admin/review/awards/{offer}/cofunding"), only("administrator", code=REDIRECT)
    ),
    ("admin.cofunding.pin", "POST"): Case(
        Path("/admin/review/awards/{offer}/pin"), only("administrator", code=REDIRECT)
    ),
    # People: a merge without the other record's number is refused with the form's message.
    ("admin.people.index", "GET"): Case("/admin/people/", only("administrator")),
    ("admin.people.person", "GET"): Case(
        Path("/admin/people/{person_record}"), only("administrator")
    ),
    ("admin.people.merge", "POST"): Case(
        Path("/admin/people/{person_record}/merge"), only("administrator", code=400)
    ),
    ("admin.people.split", "POST"): Case(
        Path("/admin/people/{person_record}/split/{person_delegate}"),
        only("administrator", code=REDIRECT),
    ),
}


def _routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_matrix_covers_every_route(app):
    routes = _routes(app)
    assert routes - MATRIX.keys() == set(), "routes without an authorization entry"
    assert MATRIX.keys() - routes == set(), "entries for routes that no longer exist"


def _applicant_objects(db_session, state) -> dict[str, int]:
    """One of each object an applicant URL names, all belonging to `state`."""
    from sponsorship.applications import uploads
    from tests.applicant_data import (
        accepted_award_after_meeting,
        offered_award,
        pdf_bytes,
        stub_letter,
    )
    from tests.factories import ApplicationFactory, MeetingFactory

    note = uploads.store_note(pdf_bytes(), "note.pdf")
    draft = ApplicationFactory(state=state, note_path=note.stored_name, note_filename=note.filename)
    submitted = ApplicationFactory(state=state, status="submitted")
    offer = offered_award(state)
    letter = stub_letter(offer, "MATRIX-1")
    db_session.add(letter)
    db_session.flush()
    return {
        "letter": letter.id,
        "draft": draft.id,
        "submitted": submitted.id,
        "offer": offer.id,
        "accepted": accepted_award_after_meeting(state).id,
        "fresh_meeting": MeetingFactory().id,
    }


def _person_objects(db_session) -> dict[str, int]:
    """A person with two participations (a split is possible)."""
    from sponsorship.models import Person
    from tests.factories import DelegateFactory

    person = Person(name="Matrix Person")
    db_session.add(person)
    first, second = DelegateFactory(person=person), DelegateFactory(person=person)
    db_session.flush()
    return {"person_record": person.id, "person_delegate": second.id, "_": first.id}


@pytest.fixture
def people(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    state = StateFactory()
    users = {
        "applicant": UserFactory(role=Role.APPLICANT, state=state),
        "other_applicant": UserFactory(applicant=True),
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
    ids["person"] = users["other_applicant"].id
    ids["delegate"] = db.session.get(Award, ids["offer"]).delegate_id
    ids.update(_person_objects(db.session))
    ids["reset"] = accounts.issue_link(users["donor"], accounts.RESET, timedelta(hours=1), None)
    db.session.commit()
    return users, token, ids


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]}:{r[1]}")
def test_route_answers_role_as_expected(app, client, auth, people, monkeypatch, route, role):
    users, token, ids = people
    case = MATRIX[route]
    if role != "anonymous":
        auth.login(users[role].email)
    # CSRF has its own test; here a request without a token must reach the view.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    path = case.path.format(invite=token, **ids)
    response = client.open(path, method=route[1], data=case.data or {})
    response.close()  # static files stream from an open file
    expected = case.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
