"""Issue 8, done when: axe-core finds no serious or critical WCAG 2.1 AA violation on
any page of the applicant, administrator and donor journeys, in English, French and
Spanish, in a real Chromium; and every page reflows at 320 CSS pixels.

The pages are found by crawling each demo account's links (tests/crawl.py), so a new
page joins the check without anyone listing it. axe-core is vendored from npm in
static/vendor/axe-core/ and injected by Playwright; no page of the app loads it.

The same walk weighs every page with what it loads: the heaviest must stay under
200 KB compressed.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from sponsorship import ROOT
from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.documents import letters
from sponsorship.extensions import db
from sponsorship.models import Award, AwardStatus, Role, User
from tests.conftest import Auth
from tests.crawl import crawl, html_of
from tests.e2e.conftest import Site, seed_offer_and_past_award, sign_in

AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/static/vendor/axe-core/axe.min.js"
LANGUAGES = ("en", "fr", "es")
#: Each journey: the demo account (None: signed out) and where it starts.
JOURNEYS = {
    "public": (None, "/"),
    "applicant": ("applicant@demo.test", "/apply/"),
    "administrator": ("admin@demo.test", "/admin/"),
    "donor": ("donor@demo.test", "/donor/"),
}
#: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NARROW = 320  # WCAG 1.4.10 Reflow: 1280 px at 400 % zoom


@pytest.fixture(scope="module")
def a11y_site(own_site: Site) -> Site:
    """The demo site with a letter to verify, an offer to answer and a report to write,
    so that the walks reach those pages too."""
    app = own_site.app
    with app.app_context():
        # One issued letter, so the public verification page is part of the walk.
        award = db.session.scalar(select(Award).where(Award.cost_lines.any()).order_by(Award.id))
        award.status = AwardStatus.OFFERED
        admin = db.session.scalar(select(User).where(User.role == Role.ADMINISTRATOR))
        letter = letters.issue(award, admin)
        db.session.commit()
        app.config["A11Y_VERIFY_PATH"] = f"/verify/{letter.verification_code}"
        db.session.remove()
    seed_offer_and_past_award(app)
    return own_site


@pytest.fixture(scope="module")
def a11y_server(a11y_site: Site) -> str:
    return a11y_site.url


@pytest.fixture(scope="module")
def journeys(a11y_site: Site) -> dict[str, list[str]]:
    """Every page of each journey, crawled once (in English) with the test client."""
    found = {}
    for name, (email, start) in JOURNEYS.items():
        client = a11y_site.app.test_client()
        if email:
            Auth(client).login(email, DEMO_PASSWORD)

        def get(path: str, client=client):
            response = client.get(path)
            return response.status_code, response.content_type, html_of(response)

        found[name] = crawl(get, start)
    found["public"].append(a11y_site.app.config["A11Y_VERIFY_PATH"])
    return found


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations on the page, one line each."""
    # Served from static/ like any asset, so the strict CSP (script-src 'self') holds.
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        "tags => axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page: Page) -> int:
    """How far the page is wider than the window (0: it reflows)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def new_context(browser: Browser, base_url: str, lang: str, **kwargs) -> BrowserContext:
    # Accept-Language picks the language: the demo accounts have none saved.
    return browser.new_context(base_url=base_url, locale=lang, **kwargs)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("journey", JOURNEYS)
def test_journey_pages_have_no_serious_axe_violations(
    browser: Browser, a11y_server: str, journeys, journey: str, lang: str, capsys
) -> None:
    email, _start = JOURNEYS[journey]
    paths = journeys[journey]
    assert paths and paths[0] == JOURNEYS[journey][1], paths
    context = new_context(browser, a11y_server, lang)
    page = context.new_page()
    try:
        if email:
            sign_in(page, email)
        problems = []
        for path in paths:
            page.set_viewport_size({"width": 1280, "height": 800})
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", lang)
            problems += [f"{path}: {v}" for v in axe_violations(page)]
            page.set_viewport_size({"width": NARROW, "height": 640})
            if (extra := overflow(page)) > 0:
                problems.append(f"{path}: {extra} px wider than a {NARROW} px window")
    finally:
        context.close()
    with capsys.disabled():
        print(f"\n[a11y] {journey} in {lang}: {len(paths)} pages checked")
    assert not problems, "\n".join(problems)


def refused_login(page: Page) -> None:
    page.goto("/login")
    form = page.locator("main form")
    form.locator("[name=email]").fill("applicant@demo.test")
    form.locator("[name=password]").fill("not-the-password")
    form.locator("button[type=submit]").click()


def refused_application(page: Page) -> None:
    sign_in(page, "applicant@demo.test")
    page.locator("main a[href*='/apply/meetings/']").first.click()
    # Consent left unticked: the form comes back with its errors.
    page.locator("main form button[type=submit][name=action][value=submit]").click()


FORMS = {"login": refused_login, "application": refused_application}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("form", FORMS)
def test_form_errors_are_summarised_focused_and_accessible(
    browser: Browser, a11y_server: str, form: str, lang: str
) -> None:
    """Errors at the top of the form, focused even without JavaScript, each linked to
    its field; and the page with its errors passes axe."""
    context = new_context(browser, a11y_server, lang, java_script_enabled=False)
    try:
        page = context.new_page()
        FORMS[form](page)
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_have_attribute("role", "alert")
        links = summary.locator("a").all()
        assert links, "the summary links to no field"
        for link in links:
            target = link.get_attribute("href") or ""
            assert target.startswith("#") and len(target) > 1, target
            expect(page.locator(target)).to_have_count(1)
    finally:
        context.close()
    context = new_context(browser, a11y_server, lang)
    try:
        page = context.new_page()
        FORMS[form](page)
        expect(page.locator(".error-summary")).to_be_visible()
        assert not axe_violations(page)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_skip_link_is_first_visible_on_focus_and_moves_to_main(
    browser: Browser, a11y_server: str, lang: str
) -> None:
    context = new_context(browser, a11y_server, lang, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box and box["y"] >= 0 and box["height"] > 0, "the skip link stays off screen"
        # Focus is visible: a real outline, not the browser default removed.
        outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
        assert outline not in ("none", ""), outline
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        page.keyboard.press("Tab")
        # The next stop is inside the main content, not back in the header.
        assert page.evaluate("() => document.activeElement.closest('main') !== null")
    finally:
        context.close()


def test_axe_check_fails_on_an_unlabelled_input(browser: Browser, a11y_server: str) -> None:
    """The harness itself: a field without a label is reported, so a clean walk means
    something."""
    context = new_context(browser, a11y_server, "en")
    try:
        page = context.new_page()
        page.goto("/login")
        assert axe_violations(page) == []
        page.evaluate(
            "() => document.querySelector('main form').append(document.createElement('input'))"
        )
        assert any(v.startswith("label (critical)") for v in axe_violations(page))
    finally:
        context.close()


def test_axe_is_vendored_with_its_licence() -> None:
    folder = Path(AXE).parent
    assert AXE.read_text()[:40].startswith("/*! axe v")
    assert "Mozilla Public License" in (folder / "LICENSE").read_text()


# --- Light pages ---------------------------------------------------------------------

#: Issue 8: the heaviest page ships under this, compressed, with everything it loads.
WEIGHT_BUDGET = 200 * 1024


def weigher(context: BrowserContext):
    """`weigh(path)`: bytes of the page and every resource it loads (CSS, JS, images,
    fonts), each gzip-compressed as a server would send it; the browser cache is off."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    responses: list = []
    page.on("response", lambda response: responses.append(response))

    def weigh(path: str) -> tuple[int, list[str]]:
        responses.clear()
        page.goto(path, wait_until="load")  # after every stylesheet, script and image
        total, loaded = 0, []
        for response in [r for r in responses if r.status == 200]:
            try:
                body = response.body()
            except PlaywrightError:
                # A late response of the previous page (its icon, say): the browser has
                # moved on, so it is not part of this page.
                continue
            total += len(gzip.compress(body, compresslevel=6))
            loaded.append(urlsplit(response.url).path)
        return total, loaded

    return weigh


def test_heaviest_page_is_under_200_kb_compressed(
    browser: Browser, a11y_server: str, journeys, capsys
) -> None:
    weights = {}
    for journey, (email, _start) in JOURNEYS.items():
        context = new_context(browser, a11y_server, "fr")
        try:
            if email:
                sign_in(context.new_page(), email)
            weigh = weigher(context)
            for path in journeys[journey]:
                weights[path] = weigh(path)
        finally:
            context.close()
    heaviest = max(weights, key=lambda p: weights[p][0])
    size, loaded = weights[heaviest]
    with capsys.disabled():
        print(
            f"\n[weight] heaviest of {len(weights)} pages: {heaviest} "
            f"{size / 1024:.1f} KB gzip with {len(loaded)} files ({', '.join(loaded)})"
        )
    assert any(p.endswith(".css") for p in loaded), "the stylesheet was not counted"
    assert size < WEIGHT_BUDGET, f"{heaviest}: {size} bytes"
