"""Random values posted to the application form never make the server fail."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tests.factories import MeetingFactory, UserFactory

DELEGATE_FIELDS = [
    "name",
    "gender",
    "function",
    "organisation",
    "email",
    "phone",
    "nationality",
    "passport_number",
    "passport_expiry",
    "departure_city",
    "first_time",
    "survivor",
    "accessibility_needs",
]
FORM_FIELDS = [
    "statement_planned",
    "presentation_planned",
    "national_role",
    "language",
    "consent_personal_data",
    "note_token",
]

texts = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "y",
            "female",
            "TCD",
            "2030-01-01",
            "0000-00-00",
            "9999-12-31",
            "1",
            "-1",
            "<script>alert(1)</script>",
            "'; DROP TABLE delegates;--",
            "a@b.c",
            "x" * 5000,
        ]
    ),
)
actions = st.one_of(
    st.sampled_from(["draft", "submit", "add", "remove-0", "remove-1", "remove-99", "remove-x"]),
    st.text(max_size=20),
)


@st.composite
def form_posts(draw):
    data = {name: draw(texts) for name in FORM_FIELDS if draw(st.booleans())}
    data["sessions"] = draw(st.lists(st.one_of(st.integers(-5, 10**6).map(str), texts), max_size=3))
    indices = draw(st.lists(st.integers(0, 30), max_size=4, unique=True))
    for index in indices:
        for name in DELEGATE_FIELDS:
            if draw(st.booleans()):
                data[f"delegates-{index}-{name}"] = draw(texts)
    data["action"] = draw(actions)
    note = draw(st.one_of(st.none(), st.binary(max_size=200), st.just(b"%PDF-1.4\n%%EOF")))
    return data, note


@pytest.fixture
def setup(app, db, client, auth, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    user = UserFactory(applicant=True)
    meeting = MeetingFactory(delegate_cap=2)
    db.session.commit()
    auth.login(user.email)
    return client, meeting, csrf_token(client, "/apply/")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(post=form_posts())
def test_random_application_posts_never_fail(setup, post):
    client, meeting, token = setup
    data, note = post
    data = {**data, "csrf_token": token}
    if note is not None:
        data["note"] = (io.BytesIO(note), "n.pdf")
    # The first save makes a draft; later examples then meet the edit (or view) page.
    response = client.post(
        f"/apply/meetings/{meeting.id}/apply", data=data, content_type="multipart/form-data"
    )
    assert response.status_code in (200, 302, 400, 422), response.status_code
    if response.status_code == 302 and "/edit" in response.headers["Location"]:
        again = client.post(
            response.headers["Location"], data=data, content_type="multipart/form-data"
        )
        assert again.status_code in (200, 302, 400, 422), again.status_code
