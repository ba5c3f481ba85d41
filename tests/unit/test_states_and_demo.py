"""Reference States load idempotently; the demo programme is consistent and refused in prod."""

from decimal import Decimal

from sqlalchemy import func, select

from config import ProductionConfig
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    AwardStatus,
    Contribution,
    ConventionStatus,
    Delegate,
    State,
    User,
)
from sponsorship.models.awards import Award
from sponsorship.programme.states import load_states


def test_load_states_twice_changes_nothing(db):
    count = db.session.scalar(select(func.count(State.id)))
    result = load_states()
    assert count == 197
    assert (result.created, result.updated, result.unchanged) == (0, 0, 197)
    assert db.session.scalar(select(func.count(State.id))) == 197


def test_load_states_restores_edited_reference_fields(db):
    chad = db.session.scalar(select(State).where(State.iso3 == "TCD"))
    chad.ldc = False
    db.session.commit()
    assert load_states().updated == 1
    assert chad.ldc is True


def test_load_states_gives_french_and_spanish_names(db):
    chad = db.session.scalar(select(State).where(State.iso3 == "TCD"))
    assert (chad.name, chad.name_fr, chad.name_es) == ("Chad", "Tchad", "Chad")
    cote = db.session.scalar(select(State).where(State.iso3 == "CIV"))
    assert cote.localized_name("fr") == "Côte d'Ivoire"
    assert chad.convention_status == ConventionStatus.STATE_PARTY


def test_seed_demo_books_balance(db, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "applicant@demo.test" in result.output
    for c in db.session.scalars(select(Contribution)):
        rows = {
            status: db.session.scalar(
                select(func.coalesce(func.sum(Allocation.amount), 0)).where(
                    Allocation.contribution_id == c.id, Allocation.status == status
                )
            )
            for status in AllocationStatus
        }
        assert rows[AllocationStatus.COMMITTED] == c.committed
        assert rows[AllocationStatus.SPENT] == c.spent
        assert c.committed + c.spent <= (c.base_amount or Decimal(0))
    statuses = set(db.session.scalars(select(Award.status)))
    assert {
        AwardStatus.ATTENDED,
        AwardStatus.NO_SHOW,
        AwardStatus.DECLINED,
        AwardStatus.EXPIRED,
        AwardStatus.WAITLISTED,
    } <= statuses
    assert db.session.scalar(select(func.count(Application.id))) >= 8
    applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.test"))
    assert applicant.state.article5_deadline is not None


def test_seed_demo_twice_is_refused(db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code != 0
    assert "already" in second.output


def test_seed_demo_under_production_is_refused(app, db, runner, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", ProductionConfig.DEMO_DATA_ALLOWED)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_seed_demo_links_every_delegate_and_a_returning_one_to_one_person(db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    delegates = db.session.scalars(select(Delegate)).all()
    assert all(d.person_id is not None for d in delegates)
    returning = [d for d in delegates if d.name == "Aminata Diallo"]
    assert len(returning) == 2
    assert len({d.application.meeting_id for d in returning}) == 2
    assert returning[0].person_id == returning[1].person_id
    people = db.session.scalar(select(func.count(func.distinct(Delegate.person_id))))
    assert people == len(delegates) - 1
