"""Issue 20, done when: in Chromium the administrator proposes a slate, pins one
candidate out and sends it; two donor members approve; the administrator offers it; the
funding page shows the commitments.

The server has its own demo database; the meeting, its money and the Donors' Group come
from `tests.slate_data` (earmarks that make rank order worse), added on the same database.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Award, AwardStatus, Meeting, Slate, User
from sponsorship.slate import approval, proposal
from sponsorship.slate.problem import Targets
from tests.e2e.conftest import submit_login
from tests.e2e.test_accessibility import axe_violations, overflow
from tests.factories import PASSWORD, UserFactory
from tests.slate_data import slate_data


def _arrange(app):
    with app.app_context():
        data = slate_data(db)
        admin = UserFactory(name="Slate Admin")
        db.session.commit()
        ids = {
            "meeting": data.meeting.id,
            "dee": data.africans[3].id,
            "dee_name": data.africans[3].delegate.name,
            "members": [m.email for m in data.members],
            "admin": admin.email,
        }
        db.session.remove()
    return ids


@pytest.fixture(scope="module")
def arranged(own_site):
    return _arrange(own_site.app)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    submit_login(page, email, PASSWORD, base=base)
    assert "/login" not in page.url, email


def _sent_slate(app, ids) -> int:
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ids["admin"]))
        meeting = db.session.get(Meeting, ids["meeting"])
        slate = proposal.send(admin, meeting, Targets())
        member = db.session.scalar(select(User).where(User.email == ids["members"][0]))
        approval.cast(member, slate.id, "object", "Why not more women?")
        slate_id = slate.id
        db.session.remove()
    return slate_id


@pytest.fixture(scope="module")
def sent_slate(own_site, arranged) -> int:
    return _sent_slate(own_site.app, arranged)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_slate_pages_are_axe_clean_at_375_and_1280(
    page: Page, own_site, arranged, sent_slate, lang
):
    """Runs first in this module: it sends a slate that the journey below leaves alone."""
    base, slate_id = own_site.url, sent_slate
    page.set_extra_http_headers({"Accept-Language": lang})
    admin_pages = [
        "/admin/slate/",
        f"/admin/slate/meetings/{arranged['meeting']}",
        f"/admin/slate/meetings/{arranged['meeting']}?region_african=9",
        f"/admin/slate/{slate_id}",
        "/admin/slate/members",
        "/admin/slate/report",
    ]
    donor_pages = ["/donor/slates/", f"/donor/slates/{slate_id}"]
    problems = []
    for email, paths in ((arranged["admin"], admin_pages), (arranged["members"][1], donor_pages)):
        _sign_in(page, base, email)
        for path in paths:
            for width in (1280, 375):
                page.set_viewport_size({"width": width, "height": 800})
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                problems += [f"{path} @{width}: {v}" for v in axe_violations(page)]
                if (extra := overflow(page)) > 0:
                    problems.append(f"{path}: {extra} px wider than {width} px")
    assert not problems, "\n".join(problems)


def test_slate_proposed_pinned_sent_approved_offered(page: Page, own_site, arranged):
    app, base = own_site
    ids = arranged

    _sign_in(page, base, ids["admin"])
    page.goto(f"{base}/admin/slate/meetings/{ids['meeting']}")
    expect(page.locator("#slate-headline")).to_contain_text("Optimal slate")
    page.select_option(f"#pin_{ids['dee']}", "out")
    page.get_by_role("button", name="Compute again").first.click()
    page.wait_for_load_state()
    row = page.locator("tr", has_text=ids["dee_name"])
    expect(row).to_contain_text("Out: pinned out by the administrator.")
    page.get_by_role("button", name="Send this slate").click()
    page.wait_for_load_state()
    expect(page.locator("#slate-status")).to_contain_text("With the Donors' Group")
    slate_url = page.url
    slate_id = int(slate_url.rstrip("/").rsplit("/", 1)[1])

    for email in ids["members"]:
        _sign_in(page, base, email)
        page.goto(f"{base}/donor/slates/{slate_id}")
        expect(page.locator("main")).not_to_contain_text(ids["dee_name"])
        page.get_by_label("I approve this slate").check()
        page.locator("#comment").fill("Agreed.")
        page.get_by_role("button", name="Record my vote").click()
        page.wait_for_load_state()
    expect(page.locator("#slate-status")).to_contain_text("Approved by the Donors' Group")

    _sign_in(page, base, ids["admin"])
    page.goto(slate_url)
    page.get_by_role("link", name="Offer the whole slate").click()
    page.get_by_role("button", name="Offer and commit the money").click()
    page.wait_for_load_state()
    expect(page.locator("#slate-offered")).to_contain_text("0 refused")

    with app.app_context():
        slate = db.session.get(Slate, slate_id)
        awards = db.session.scalars(select(Award).where(Award.id.in_(slate.chosen))).all()
        assert {a.status for a in awards} == {AwardStatus.OFFERED}
        references = [a.reference for a in awards]
        assert ids["dee"] not in slate.chosen
        db.session.remove()
    page.goto(f"{base}/admin/funds/meetings/{ids['meeting']}")
    funded = page.locator("#awards-title + .table-scroll, section[aria-labelledby=awards-title]")
    for reference in references:
        expect(funded.first).to_contain_text(reference)
