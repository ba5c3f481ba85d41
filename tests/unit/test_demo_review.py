"""The demo gives administrators an intersessional queue to review."""

from sqlalchemy import func, select

from sponsorship.models import Airfare, Application, ApplicationStatus, Meeting, MeetingKind
from sponsorship.review.queue import review_queue


def test_demo_intersessional_queue_has_submitted_applications_from_several_states(db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    meeting = db.session.scalar(select(Meeting).where(Meeting.kind == MeetingKind.INTERSESSIONAL))
    apps = db.session.scalars(
        select(Application).where(
            Application.meeting_id == meeting.id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
    ).all()
    assert len({a.state_id for a in apps}) >= 6
    assert all(a.delegates and a.sessions for a in apps)
    assert db.session.scalar(select(func.count(Airfare.id))) == 6
    page = review_queue(meeting)
    assert page.total == len(apps)
    assert len({row.scored.score.total for row in page.rows}) > 3, "a ranking worth the name"
    assert all(row.scored.score.reasons for row in page.rows)
