"""The people pages and the review page's "Who pays" forms in a real Chromium: no
serious axe violation, and they reflow at 375 px and fit at 1280 px."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Application, ApplicationStatus, Award, Delegate, Person
from sponsorship.people import services as people
from sponsorship.review import pricing
from sponsorship.review.pricing import PRICEABLE
from tests.e2e.conftest import Site, sign_in
from tests.e2e.test_accessibility import axe_violations, overflow

#: Where to keep screenshots of the pages, to look at them (none when unset).
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def paths(own_site: Site) -> list[str]:
    with own_site.app.app_context():
        people.link_pending(None)
        person = db.session.scalar(select(Person).order_by(Person.id))
        award = db.session.scalar(
            select(Award).where(Award.status.in_(PRICEABLE), Award.cost_lines.any())
        )
        if award is None:
            delegate = db.session.scalar(
                select(Delegate)
                .join(Application)
                .where(
                    Application.status.in_(
                        [ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW]
                    ),
                    ~Delegate.award.has(),
                )
            )
            award = pricing.price(None, delegate, airfare=Decimal("900"))
        db.session.commit()
        review = f"/admin/review/applications/{award.delegate.application_id}"
        return ["/admin/people/", f"/admin/people/{person.id}", review]


@pytest.mark.parametrize("width", [375, 1280])
def test_people_and_who_pays_pages_are_accessible_and_reflow(
    browser: Browser, own_site: Site, paths: list[str], width: int
) -> None:
    context = browser.new_context(base_url=own_site.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, "admin@demo.test", own_site.url)
    for n, path in enumerate(paths):
        page.goto(path)
        # The forms folded in <details> are checked too (axe skips what is hidden).
        page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"{n}-{width}.png"), full_page=True)
        assert axe_violations(page) == [], path
        assert overflow(page) <= 0, path
    context.close()
