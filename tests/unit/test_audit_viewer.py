"""The audit viewer (issue 22, point 6): every kind of event the app writes reads as a
sentence in the reader's language, and the filters narrow to what they name."""

from __future__ import annotations

import ast
import pathlib
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from sponsorship.audit_viewer import sentences, trail
from sponsorship.models import Allocation, AuditEvent, Award, Contribution, Delegate, User

ROOT = pathlib.Path(__file__).resolve().parents[2] / "sponsorship"
#: Calls whose action is a variable, with the actions each can write: a new one of
#: these fails the scan below until it is listed with its actions.
DYNAMIC = {
    "funding/contributions.py": {"donor.update", "contribution.update"},
    "funding/ledger.py": {"ledger.spend", "ledger.release"},
    "accounts/services.py": {
        "user.invite", "user.reinvite", "user.accept_invitation", "user.password_reset",
    },
    "accounts/lifecycle.py": {"user.reactivate", "user.deactivate"},
    "payments/approvals.py": {"approval.approve", "approval.reject"},
}  # fmt: skip


def _texts(node) -> set[str]:
    """The actions an argument can be: a text, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _texts(node.body) | _texts(node.orelse)
    return set()


def _written_actions() -> tuple[set[str], set[str]]:
    """Actions passed as text to `record(...)`/`run.event(...)`, and the files calling
    them with a variable."""
    literal, dynamic = set(), set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"record": 1, "event": 2}.get(name)
            if position is None or len(node.args) <= position:
                continue
            texts = _texts(node.args[position])
            literal.update(texts)
            if not texts:
                dynamic.add(str(path.relative_to(ROOT)))
    return literal, dynamic


def test_every_audit_action_written_has_a_sentence():
    literal, dynamic = _written_actions()
    assert dynamic == set(DYNAMIC), "a record() with a variable action: list its actions"
    written = literal | set().union(*DYNAMIC.values())
    assert written - set(sentences.SENTENCES) == set()


@pytest.fixture
def demo(db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0


def _all(f: trail.TrailFilter) -> list[trail.Entry]:
    return trail.page_of(f, 1, per_page=10_000).entries


def test_sentences_are_in_the_readers_language_without_raw_names(app, db, demo):
    with app.test_request_context(), force_locale("fr"):
        entries = _all(trail.TrailFilter())
    assert len(entries) > 50
    text = " ".join(e.sentence + " " + e.details for e in entries)
    for raw in ("ledger.commit", "award.offer", "{'", "None", "Decimal("):
        assert raw not in text
    assert "a engagé des fonds" in text


def test_award_filter_keeps_only_that_awards_events(app, db, demo):
    award = db.session.scalar(sa.select(Award).where(Award.status == "attended").limit(1))
    allocations = set(
        db.session.scalars(sa.select(Allocation.id).where(Allocation.award_id == award.id))
    )
    with app.test_request_context():
        entries = _all(trail.TrailFilter(award=award.reference))
    assert entries
    own = {
        ("Award", award.id),
        ("Delegate", award.delegate_id),
        ("Application", award.delegate.application_id),
        *(("Allocation", a) for a in allocations),
    }
    assert {(e.object_type, e.object_id) for e in entries} <= own
    assert {"Allocation", "Award"} <= {e.object_type for e in entries}


def test_person_filter_finds_the_delegates_award(app, db, demo):
    award = db.session.scalar(sa.select(Award).where(Award.status == "attended").limit(1))
    with app.test_request_context():
        by_name = _all(trail.TrailFilter(person=award.delegate.name))
        by_award = _all(trail.TrailFilter(award=award.reference))
    assert {(e.object_type, e.object_id) for e in by_award} <= {
        (e.object_type, e.object_id) for e in by_name
    }


def test_contribution_filter_keeps_the_contribution_and_its_allocations(app, db, demo):
    c = db.session.scalar(
        sa.select(Contribution)
        .join(Allocation, Allocation.contribution_id == Contribution.id)
        .limit(1)
    )
    with app.test_request_context():
        entries = _all(trail.TrailFilter(contribution=c.reference))
    assert {e.object_type for e in entries} == {"Contribution", "Allocation"}


def test_money_actor_and_date_filters(app, db, demo):
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.test"))
    with app.test_request_context():
        money = _all(trail.TrailFilter(money_only=True))
        by_admin = _all(trail.TrailFilter(actor_id=admin.id))
        future = _all(trail.TrailFilter(since=date.today() + timedelta(days=1)))
        everything = _all(trail.TrailFilter())
    assert money and {e.action for e in money} <= set(sentences.MONEY_ACTIONS)
    assert by_admin and len(by_admin) < len(everything)
    assert all(e.who == admin.name for e in by_admin)
    assert future == []


def test_pages_split_the_trail_and_count_it_whole(app, db, demo):
    total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with app.test_request_context():
        first = trail.page_of(trail.TrailFilter(), 1, per_page=10)
        last = trail.page_of(trail.TrailFilter(), 10_000, per_page=10)
    assert first.total == total and first.pages == -(-total // 10)
    assert last.page == first.pages and len(first.entries) == 10
    assert first.entries[0].at >= first.entries[-1].at


def test_delegate_erased_shows_in_the_trail_with_counts(app, db, demo):
    from sponsorship.privacy import erasure

    d = db.session.scalar(sa.select(Delegate).where(Delegate.email.isnot(None)).limit(1))
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.test"))
    erasure.erase(d, admin, "request of 1 December")
    with app.test_request_context():
        entries = _all(trail.TrailFilter(delegate_id=d.id))
    erased = [e for e in entries if e.action == "privacy.erasure"]
    assert erased and d.name in erased[0].sentence
    assert "E-mail addresses: 1" in erased[0].details


def test_in_language_shows_typed_text_in_the_readers_version_only():
    """Rule (every language, everywhere): text typed in three versions is shown in the
    reader's, English only where that version is empty."""
    from sponsorship.audit_viewer.sentences import in_language

    typed = {"name": "I. Keller", "title": "Director", "title_fr": "Directrice", "title_es": ""}
    assert in_language(typed, "fr") == {"name": "I. Keller", "title": "Directrice"}
    assert in_language(typed, "es") == {"name": "I. Keller", "title": "Director"}
    assert in_language(typed, "en") == {"name": "I. Keller", "title": "Director"}
