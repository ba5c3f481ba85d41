"""Background jobs: embedded by default, on Redis-backed RQ workers when REDIS_URL is set."""

from __future__ import annotations

import os
import signal
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from sponsorship import jobs
from sponsorship.jobs import definitions, queues
from sponsorship.jobs.scheduler import Scheduler
from sponsorship.models import ApplicationStatus, Award, AwardStatus
from sponsorship.review import decisions
from sponsorship.review.pricing import price
from tests.factories import (
    ApplicationFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    UserFactory,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def overdue_offer(db):
    """An offer whose deadline was yesterday, and a waitlisted delegate behind it."""
    admin = UserFactory()
    meeting = MeetingFactory()
    ContributionFactory(amount=Decimal("2000"))
    delegates = []
    for _ in range(2):
        application = ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
        delegate = DelegateFactory(application=application)
        price(admin, delegate, airfare=Decimal("1000"))
        delegates.append(delegate)
    offered, waiting = delegates
    award = decisions.offer(admin, offered, today=date.today() - timedelta(days=30))
    decisions.waitlist(admin, waiting)
    assert award.offer_deadline < date.today()
    return offered.award, waiting.award


def use_queue(monkeypatch, app, target) -> None:
    """Make `target` the app's job queue for one test."""
    monkeypatch.setattr(app.extensions[queues.EXTENSION], "queue", target)


def test_jobs_default_to_embedded_queue(app):
    assert isinstance(queues.job_queue(app), queues.EmbeddedQueue)


def test_queue_health_of_embedded_queue(app):
    with app.app_context():
        assert jobs.queue_health() == {"queue": "embedded"}


def test_embedded_queue_runs_expiry_job_in_app_context(app, db):
    offered, waiting = overdue_offer(db)
    target = queues.EmbeddedQueue(app)
    target.enqueue("expire-offers")
    target.join()
    [done] = target.done
    assert done.error is None, done.error
    assert done.result["expired"] == [f"{offered.delegate.name} ({offered.reference})"]
    assert done.result["proposals"] == [waiting.reference]
    db.session.expire_all()
    assert offered.status == AwardStatus.EXPIRED


def test_embedded_queue_survives_a_failing_job(app, db, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(definitions.JOBS, "broken", broken)
    target = queues.EmbeddedQueue(app)
    target.enqueue("broken")
    target.enqueue("deliver-mail")
    target.join()
    assert [d.name for d in target.done] == ["broken", "deliver-mail"]
    assert "boom" in target.done[0].error
    assert target.done[1].error is None


def test_unknown_job_is_refused(app):
    with pytest.raises(KeyError):
        queues.EmbeddedQueue(app).enqueue("no-such-job")


class _Recorder:
    def __init__(self) -> None:
        self.names: list[str] = []

    def enqueue(self, name: str, **kwargs) -> str:
        self.names.append(name)
        return name


def test_scheduler_enqueues_each_job_once_per_interval(app, monkeypatch):
    recorder = _Recorder()
    use_queue(monkeypatch, app, recorder)
    scheduler = Scheduler(app, {"expire-offers": 3600, "deliver-mail": 60})
    assert sorted(scheduler.tick(now=1000.0)) == ["deliver-mail", "expire-offers"]
    assert scheduler.tick(now=1030.0) == []
    assert scheduler.tick(now=1060.0) == ["deliver-mail"]
    assert scheduler.tick(now=4600.0) == ["expire-offers", "deliver-mail"]


def test_run_command_runs_job_now(app, db, runner):
    offered, _waiting = overdue_offer(db)
    reference = offered.reference
    result = runner.invoke(args=["jobs", "run", "expire-offers"])
    assert result.exit_code == 0, result.output
    assert reference in result.output


def test_worker_command_without_redis_explains(app, runner, monkeypatch):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL" in result.output


# --- Redis ---------------------------------------------------------------------------


@pytest.fixture
def redis_queue():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    target = queues.RedisQueue(REDIS_URL, name=f"test-{uuid.uuid4().hex[:8]}")
    yield target
    target.queue.delete(delete_jobs=True)
    for key in target.connection.scan_iter(f"{queues.QUEUE_NAME}:lock:test-*"):
        target.connection.delete(key)


def test_redis_queue_job_runs_in_rq_worker(app, db, redis_queue):
    from rq import SimpleWorker

    offered, waiting = overdue_offer(db)
    offered_id, waiting_reference = offered.id, waiting.reference
    job_id = redis_queue.enqueue("expire-offers")
    # The worker runs the job in this process, in this app context, like `flask jobs worker`.
    # It installs its own SIGINT/SIGTERM handlers, which would outlive it here and turn a
    # later Ctrl-C or SIGTERM to the test run into rq's StopRequested inside another test.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([redis_queue.queue], connection=redis_queue.connection).work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    job = redis_queue.queue.fetch_job(job_id)
    assert job.is_finished, job.latest_result()
    assert job.return_value()["proposals"] == [waiting_reference]
    assert db.session.get(Award, offered_id).status == AwardStatus.EXPIRED


def test_redis_scheduler_lock_lets_one_process_enqueue(app, monkeypatch, redis_queue):
    use_queue(monkeypatch, app, redis_queue)
    name = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(definitions.JOBS, name, lambda: None)
    first = Scheduler(app, {name: 3600})
    second = Scheduler(app, {name: 3600})
    assert first.tick(now=7200.0) == [name]
    assert second.tick(now=7201.0) == []
    assert redis_queue.queue.count == 1


def test_rq_jobs_keep_the_dotted_path_of_jobs_queued_before_the_package(app, redis_queue):
    # RQ stores the path its worker imports: jobs queued by the release where `jobs` was
    # one module name `sponsorship.jobs.execute`, and so do this release's.
    job = redis_queue.queue.fetch_job(redis_queue.enqueue("deliver-mail"))
    assert job.func_name == "sponsorship.jobs.execute"
    assert job.func is definitions.execute
    assert job.args == ("deliver-mail", {})


def test_queue_health_on_redis_counts_jobs_and_workers(app, redis_queue):
    redis_queue.enqueue("deliver-mail")
    with app.app_context():
        assert redis_queue.health() == {"queue": "ok", "queued_jobs": 1, "workers": 0}


def test_queue_health_names_the_queue_when_redis_is_down(app):
    down = queues.RedisQueue("redis://127.0.0.1:1/0", name=f"test-{uuid.uuid4().hex[:8]}")
    with app.app_context():
        assert down.health() == {"queue": "error"}
