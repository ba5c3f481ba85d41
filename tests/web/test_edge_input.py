"""Input is checked where it arrives: ids in paths and queries, numbers, text.

Each finding of issue 16 has its test here, on SQLite and (with TEST_DATABASE_URL) on
PostgreSQL, where INTEGER stops at 2**31 - 1 and text cannot hold NUL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import post_form
from tests.factories import PASSWORD, MeetingFactory, UserFactory

BEYOND_INTEGER = 2**31  # PostgreSQL INTEGER
BEYOND_BIGINT = 2**63  # PostgreSQL BIGINT, SQLite INTEGER
HUGE = 10**20


@pytest.fixture
def admin(db, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


@pytest.fixture
def applicant(db, auth):
    user = UserFactory(applicant=True)
    db.session.commit()
    auth.login(user.email)
    return user


# --- Ids ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [BEYOND_INTEGER, BEYOND_BIGINT, HUGE])
@pytest.mark.parametrize(
    "path",
    [
        "/admin/review/applications/{}",
        "/admin/review/applications/{}/history",
        "/admin/meetings/{}/edit",
        "/admin/funds/contributions/{}",
        "/admin/review/meetings/{}/letters.zip",
        "/apply/applications/{}/note",
    ],
)
def test_an_id_beyond_any_row_is_not_found_for_an_administrator(client, admin, path, bad):
    assert client.get(path.format(bad)).status_code == 404


@pytest.mark.parametrize("bad", [BEYOND_INTEGER, BEYOND_BIGINT, HUGE])
@pytest.mark.parametrize(
    "path",
    ["/apply/awards/{}", "/apply/applications/{}/edit", "/apply/meetings/{}/apply"],
)
def test_an_id_beyond_any_row_is_not_found_for_an_applicant(client, applicant, path, bad):
    assert client.get(path.format(bad)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/verify/a%00b", "/verify/%01", "/admin/states/T%00D", "/invite/%00", "/static/a%00"]
)
def test_a_path_segment_with_a_control_character_is_not_found(client, admin, path):
    assert client.get(path).status_code == 404


def test_a_posted_id_beyond_any_row_is_not_found(client, admin):
    response = post_form(client, f"/admin/meetings/{BEYOND_BIGINT}/window", {"open": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize("bad", [str(BEYOND_INTEGER), str(HUGE), "-1", "x"])
def test_ids_in_a_query_or_a_form_list_beyond_any_row_are_ignored(client, db, admin, bad):
    meeting = MeetingFactory()
    db.session.commit()
    assert client.get(f"/admin/review/?meeting={bad}").status_code in (200, 404)
    assert (
        client.get(f"/admin/review/?meeting={meeting.id}&min_score={bad}&page={bad}").status_code
        == 200
    )
    assert client.get(f"/admin/funds/contributions/new?donor={bad}").status_code == 200
    response = post_form(
        client,
        f"/admin/review/bulk?meeting={meeting.id}",
        {"delegate": bad, "action": "offer"},
        page="/admin/review/",
    )
    # No delegate left to decide on: refused on the confirmation page, not a failure.
    assert response.status_code == 422


# --- Numbers ------------------------------------------------------------------------

AT_MOST_10M = "Enter at most 10,000,000."
NOT_A_NUMBER = "Enter a number, such as 1234.50."


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e309", AT_MOST_10M),
        ("10000000.01", AT_MOST_10M),
        ("Infinity", NOT_A_NUMBER),
        ("NaN", NOT_A_NUMBER),
        ("sNaN", NOT_A_NUMBER),
        ("1e-400", "Use at most 4 decimals."),
    ],
)
def test_a_fare_beyond_the_maximum_or_not_finite_is_a_field_error(client, admin, value, message):
    response = post_form(client, "/admin/review/fares", {"fare_african": value}, page="/login")
    assert response.status_code == 422
    assert message in body(response)


def test_a_fare_at_the_maximum_is_saved(client, admin):
    response = post_form(client, "/admin/review/fares", {"fare_african": "10000000"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dsa_rate", "1e309", AT_MOST_10M),
        ("terminal_expenses", "Infinity", NOT_A_NUMBER),
        ("delegate_cap", str(BEYOND_INTEGER), "Enter at most 20."),
        ("number", str(HUGE), "Enter at most 999."),
    ],
)
def test_a_meeting_number_beyond_its_bound_is_a_field_error(
    client, db, admin, field, value, message
):
    from tests.web.test_admin_meetings import MEETING

    meeting = MeetingFactory()
    db.session.commit()
    path = f"/admin/meetings/{meeting.id}/edit"
    response = post_form(client, path, {**MEETING, field: value})
    assert response.status_code == 422
    assert message in body(response)


def test_payment_beyond_the_maximum_is_a_field_error(client, db, admin):
    """Actual costs are payments now (issue 22): an amount past the bound is the amount
    field's error, and nothing is recorded."""
    from sponsorship.models import AwardStatus, Payment
    from tests.applicant_data import accepted_award_after_meeting
    from tests.factories import StateFactory

    award = accepted_award_after_meeting(StateFactory())
    award.status = AwardStatus.ATTENDED
    db.session.commit()
    response = post_form(
        client,
        f"/admin/payments/awards/{award.id}/payments",
        {"kind": "advance", "currency": "CHF", "amount": "1e309", "paid_on": "2025-01-01"},
    )
    assert response.status_code == 302  # back to the award's page (issue 23)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert AT_MOST_10M in page and 'id="amount-error"' in page
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def test_an_airfare_that_would_overflow_the_cost_lines_is_a_field_error(client, db, admin):
    from sponsorship.models import ApplicationStatus
    from tests.factories import ApplicationFactory, DelegateFactory

    delegate = DelegateFactory(application=ApplicationFactory(status=ApplicationStatus.IN_REVIEW))
    db.session.commit()
    prefix = f"d{delegate.id}"
    response = post_form(
        client,
        f"/admin/review/delegates/{delegate.id}/price",
        {f"{prefix}-airfare": "1000000000000000", f"{prefix}-visa": "1e309"},
        follow_redirects=True,
    )
    # Back on the application page (its own URL), each error at its field.
    assert response.request.path == f"/admin/review/applications/{delegate.application_id}"
    html = body(response)
    assert f'id="{prefix}-airfare-error"' in html and AT_MOST_10M in html
    assert f'id="{prefix}-visa-error"' in html and html.count(AT_MOST_10M) >= 2
    assert 'value="1000000000000000"' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "NaN", NOT_A_NUMBER),
        ("amount", "1e309", "Enter at most 10,000,000,000."),
        ("exchange_rate", "0", "Enter at least 0.00000001."),
        ("exchange_rate", "1e-9", "Enter at least 0.00000001."),
        ("exchange_rate", "5000", "Enter at most 1,000."),
    ],
)
def test_a_contribution_amount_or_rate_beyond_its_bound_is_a_field_error(
    client, db, admin, field, value, message
):
    from tests.factories import DonorFactory

    donor = DonorFactory()
    db.session.commit()
    data = {
        "donor_id": str(donor.id),
        "reference": "EDGE-1",
        "currency": "CHF",
        "amount": "1000",
        "pledged_on": "2026-01-01",
        "received_on": "2026-01-02",
        "exchange_rate": "1",
        "meeting_id": "0",
        field: value,
    }
    response = post_form(client, "/admin/funds/contributions/new", data)
    assert response.status_code == 422
    assert message in body(response)


# --- Text ---------------------------------------------------------------------------

NOT_ALLOWED = "This text contains characters that are not allowed."


@pytest.mark.parametrize("bad", ["Nor\x00way", "Nor\x01way", "Norway\x7f", "Nor\x85way", "\ufffe"])
@pytest.mark.parametrize("field", ["name", "short_name"])
def test_a_control_character_in_a_donor_is_a_field_error(client, db, admin, field, bad):
    from sponsorship.models import Donor

    data = {"name": "Norway", "short_name": "NO", field: bad}
    response = post_form(client, "/admin/funds/donors", data)
    assert response.status_code == 422
    assert NOT_ALLOWED in body(response)
    assert db.session.scalar(sa.select(sa.func.count(Donor.id))) == 0


def test_tabs_and_line_breaks_are_text(client, db, admin):
    from sponsorship.models import State

    response = post_form(
        client,
        "/admin/states/TCD",
        {
            "convention_status": "state_party",
            "entry_into_force": "1999-11-01",
            "mission_address": "Mission of Chad\r\nRue\tde Lausanne",
        },
    )
    assert response.status_code == 302
    state = db.session.scalar(sa.select(State).where(State.iso3 == "TCD"))
    assert state.mission_address == "Mission of Chad\r\nRue\tde Lausanne"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/states/TCD", {"convention_status": "state_party", "mission_address": "a\x00b"}),
        ("/admin/meetings/new", {"title": "MSP\x00"}),
    ],
)
def test_a_nul_in_administrator_text_is_a_field_error(client, admin, path, data):
    response = post_form(client, path, data)
    assert response.status_code == 422
    assert NOT_ALLOWED in body(response)


def test_a_nul_in_a_cancel_reason_changes_nothing(client, db, admin):
    from tests.applicant_data import offered_award
    from tests.factories import StateFactory

    award = offered_award(StateFactory())
    db.session.commit()
    response = post_form(client, f"/admin/review/awards/{award.id}/cancel", {"reason": "x\x00"})
    assert response.status_code == 422
    db.session.refresh(award)
    assert award.status.value == "offered"


def test_a_nul_in_a_letter_revoke_reason_is_refused(client, db, admin):
    from tests.applicant_data import offered_award, stub_letter
    from tests.factories import StateFactory

    letter = stub_letter(offered_award(StateFactory()), "EDGE-1")
    db.session.add(letter)
    db.session.commit()
    response = post_form(client, f"/admin/review/letters/{letter.id}/revoke", {"reason": "\x00"})
    assert response.status_code == 422
    db.session.refresh(letter)
    assert letter.status.value == "valid"
    revoke = f"/admin/review/letters/{letter.id}/revoke"
    assert post_form(client, revoke, {"reason": "Wrong passport number"}).status_code == 302
    db.session.refresh(letter)
    assert letter.status.value == "revoked"


def test_a_nul_in_a_filter_or_the_login_is_no_error(client, db):
    assert post_form(client, "/login", {"email": "a\x00@b.c", "password": "x"}).status_code == 422
    UserFactory(email="filter@example.org")
    db.session.commit()
    post_form(client, "/login", {"email": "filter@example.org", "password": PASSWORD})
    assert client.get("/admin/states/", query_string={"q": "Ch\x00ad"}).status_code == 200


# --- The organisation identifier: what IATI allows ------------------------------------


@pytest.mark.parametrize(
    "good", ["XM-DAC-41114", "GB-CHC-1234567", "XI-IATI-EBRD", "NO-BRC-971277882"]
)
def test_an_iati_organisation_identifier_is_accepted(client, db, admin, good):
    from sponsorship.models import Donor

    response = post_form(client, "/admin/funds/donors", {"name": "Norway", "org_identifier": good})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Donor.org_identifier)) == good


@pytest.mark.parametrize(
    "bad",
    [
        "XM-DAC-\x01",
        "XM\x0bDAC",
        "XM-DAC-\ufffe",
        "GB COH 1",
        "GB/COH/1",
        "A&B",
        "a|b",
        "a?b",
        "Été-1",
    ],
)
def test_an_organisation_identifier_iati_refuses_is_a_field_error(client, db, admin, bad):
    response = post_form(client, "/admin/funds/donors", {"name": "Norway", "org_identifier": bad})
    assert response.status_code == 422
