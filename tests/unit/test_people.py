"""People: the matching rule that links a delegate's participations, the
administrators' merge and split, and reports that count people beside participations.
Each test names the rule it protects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sponsorship.core.errors import DomainError
from sponsorship.models import ApplicationStatus, AuditEvent, AwardStatus, Person
from sponsorship.people import services
from sponsorship.people.matching import group, passport_key, person_for
from sponsorship.reporting import programme
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

# --- The rule, in memory (the backfill and the import's bulk path) -------------------


def test_group_same_passport_other_email_is_one_person():
    """Rule: the passport decides first; people change e-mail between meetings."""
    assert group([(1, "P123", "a@x.org"), (2, "P123", "new@y.org")]) == [[1, 2]]


def test_group_passport_compared_without_spaces_hyphens_or_case():
    assert passport_key(" ab-12 34 ") == "AB1234"
    assert group([(1, "ab-1234", None), (2, "AB 1234", None)]) == [[1, 2]]


def test_group_shared_email_with_different_passports_is_two_people():
    """Rule: a mission's shared address names several people; two passports are two."""
    assert group([(1, "P1", "mission@x.org"), (2, "P2", "mission@x.org")]) == [[1], [2]]


def test_group_same_email_without_passport_is_one_person():
    assert group([(1, "P1", "a@x.org"), (2, None, "A@X.org ")]) == [[1, 2]]


def test_group_email_joins_the_person_whose_passport_agrees():
    """Rule: of two people sharing an address, a passport picks its own."""
    rows = [(1, "P1", "m@x.org"), (2, "P2", "m@x.org"), (3, "P2", "m@x.org")]
    assert group(rows) == [[1], [2, 3]]


def test_group_no_keys_is_always_a_new_person():
    assert group([(1, None, None), (2, None, None)]) == [[1], [2]]


# --- Against the database -------------------------------------------------------------


def _participation(name, passport, email, meeting=None, state=None, status=None):
    application = ApplicationFactory(
        meeting=meeting or MeetingFactory(),
        state=state or StateFactory(),
        status=ApplicationStatus.SUBMITTED,
    )
    return DelegateFactory(
        application=application, name=name, passport_number=passport, email=email
    )


def test_person_for_finds_the_person_of_an_earlier_meeting_by_passport(db):
    first = _participation("Ana Diaz", "P-55", "ana@old.org")
    person = person_for(first)
    again = _participation("Ana Díaz", "p55", "ana@new.org")
    assert person_for(again).id == person.id
    assert person.name == "Ana Díaz"  # the latest participation names the person


def test_person_for_refuses_email_match_with_a_different_passport(db):
    person_for(_participation("A", "P1", "mission@x.org"))
    other = person_for(_participation("B", "P2", "mission@x.org"))
    assert db.session.scalar(select(func.count(Person.id))) == 2
    assert other.name == "B"


def test_link_pending_links_submitted_delegates_in_bulk_not_drafts(db):
    a = _participation("A", "P1", "a@x.org")
    b = _participation("A again", "P1", "a2@x.org")
    draft = DelegateFactory(
        application=ApplicationFactory(status=ApplicationStatus.DRAFT), passport_number="P1"
    )
    assert services.link_pending(None) == 2
    db.session.expire_all()
    assert a.person_id is not None and a.person_id == b.person_id
    assert draft.person_id is None
    assert services.link_pending(None) == 0  # linking again changes nothing


def test_link_pending_joins_an_existing_person(db):
    existing = person_for(_participation("A", "P1", "a@x.org"))
    later = _participation("A", None, "A@x.org")
    services.link_pending(None)
    db.session.expire_all()
    assert later.person_id == existing.id


def test_merge_moves_participations_removes_the_other_and_audits(db):
    admin = UserFactory()
    keep = person_for(_participation("A", "P1", "a@x.org"))
    other = person_for(_participation("A (old passport)", "P0", "old@x.org"))
    other_id = other.id
    db.session.commit()
    services.merge(admin, keep.id, other_id)
    assert db.session.get(Person, other_id) is None
    assert len(db.session.get(Person, keep.id).delegates) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.merge"))
    assert event.actor_id == admin.id and event.before["person"] == other_id


def test_merge_with_itself_is_refused(db):
    admin = UserFactory()
    person = person_for(_participation("A", "P1", "a@x.org"))
    db.session.commit()
    with pytest.raises(DomainError):
        services.merge(admin, person.id, person.id)


def test_split_gives_a_participation_its_own_person_and_refuses_the_last(db):
    admin = UserFactory()
    first = _participation("A", "P1", "a@x.org")
    second = _participation("Another A", "P1", "a@x.org")
    person_for(first), person_for(second)
    db.session.commit()
    services.split(admin, second.id)
    db.session.expire_all()
    assert first.person_id != second.person_id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.split"))
    with pytest.raises(DomainError):
        services.split(admin, second.id)  # now its person's only participation


# --- Reports: people beside participations --------------------------------------------


def test_programme_counts_people_and_participations_separately(db):
    """Rule: a person sponsored at two meetings is one person, two participations."""
    state = StateFactory()
    meetings = [MeetingFactory(), MeetingFactory()]
    twice = [_participation("A", "P1", "a@x.org", m, state) for m in meetings]
    once = _participation("B", "P2", "b@x.org", meetings[0], StateFactory())
    for d in [*twice, once]:
        person_for(d)
        AwardFactory(delegate=d, status=AwardStatus.ATTENDED)
    unlinked = _participation("C", None, "", meetings[1], StateFactory())
    AwardFactory(delegate=unlinked, status=AwardStatus.ATTENDED)
    db.session.commit()
    assert programme.people_and_participations(attended=True) == (3, 4)
    years = programme.lines("year")
    assert sum(ln.attended for ln in years) == 4
    by_meeting = {ln.key: ln for ln in programme.lines("meeting")}
    assert by_meeting[str(meetings[0].id)].people == 2
