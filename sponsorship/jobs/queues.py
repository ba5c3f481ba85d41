"""Where jobs wait to run: a thread of this process, or Redis for RQ workers.

Both take a job by name with plain keyword arguments (`enqueue`), and answer for the
health check (`health`). Which one the app uses is configuration only: `REDIS_URL`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from sponsorship.jobs.definitions import JOBS, execute

log = logging.getLogger(__package__)

#: The key of the jobs' state in `app.extensions`.
EXTENSION = "sponsorship.jobs"
QUEUE_NAME = "sponsorship"
#: What RQ stores for a job is the dotted path of the function its worker will call.
#: This is the path from before `jobs` was a package (`sponsorship.jobs` re-exports
#: `execute`): jobs queued by an earlier release still resolve on this one's workers,
#: and an earlier release's workers run what this one enqueues, through a deploy.
EXECUTE_PATH = "sponsorship.jobs.execute"
#: RQ's timeout for one bulk letter run (seconds): a whole meeting at scale.
LETTERS_JOB_TIMEOUT = 4 * 3600


@dataclass
class Done:
    name: str
    result: Any = None
    error: str | None = None


class EmbeddedQueue:
    """Jobs run one at a time by a daemon thread of this process.

    With `threaded=False` (the tests' app: JOBS_EMBEDDED_THREAD) jobs wait until
    `run_pending()` runs them in the caller's thread and app context, so a test sees
    a job's work on its own rolled-back connection, at a point it chooses.
    """

    def __init__(self, app: Flask, *, threaded: bool = True) -> None:
        self.app = app
        self.threaded = threaded
        self.pending: list[tuple[str, dict]] = []
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: The latest outcomes, newest last (for the CLI and the tests).
        self.done: deque[Done] = deque(maxlen=100)
        #: Meetings whose bulk letter run is queued or running.
        self.running: set[int] = set()

    def enqueue(self, name: str, **kwargs: Any) -> str:
        if name not in JOBS:
            raise KeyError(name)
        if not self.threaded:
            self.pending.append((name, kwargs))
            return name
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="sponsorship-jobs", daemon=True
                )
                self._thread.start()
        self._jobs.put((name, kwargs))
        return name

    def run_pending(self) -> list[Any]:
        """Run the jobs waiting (unthreaded queue) here and now; their results."""
        results = []
        while self.pending:
            name, kwargs = self.pending.pop(0)
            results.append(JOBS[name](**kwargs))
        return results

    def join(self) -> None:
        """Wait until every job enqueued so far has run."""
        self._jobs.join()

    def health(self) -> dict:
        """It lives in this process: up whenever the process answers."""
        return {"queue": "embedded"}

    def _work(self) -> None:
        while True:
            name, kwargs = self._jobs.get()
            try:
                with self.app.app_context():
                    self.done.append(Done(name, result=execute(name, kwargs)))
            except Exception as error:  # noqa: BLE001 - a job's failure must not kill the worker
                log.exception("job %s failed", name)
                self.done.append(Done(name, error=repr(error)))
            finally:
                self._jobs.task_done()


class RedisQueue:
    """Jobs enqueued on Redis for `flask jobs worker` (RQ) processes."""

    def __init__(self, url: str, name: str = QUEUE_NAME) -> None:
        from redis import Redis
        from rq import Queue

        # Fail fast when Redis is down: the health check and a request that enqueues
        # must answer, not hang on a dead socket.
        self.connection = Redis.from_url(url, socket_connect_timeout=3, health_check_interval=30)
        self.queue = Queue(name, connection=self.connection)
        #: Every key of ours is under the queue's name, so two deployments (or test
        #: runs) sharing one Redis database never see each other's locks and runs.
        self.prefix = name

    def enqueue(self, name: str, **kwargs: Any) -> str:
        if name not in JOBS:
            raise KeyError(name)
        # A bulk letter run at scale takes minutes; RQ kills a job past its timeout.
        timeout = LETTERS_JOB_TIMEOUT if name == "issue-letters" else 600
        job = self.queue.enqueue(
            EXECUTE_PATH, name, kwargs, job_timeout=timeout, result_ttl=86400, failure_ttl=7 * 86400
        )
        return job.id

    def lock(self, key: str, seconds: int) -> bool:
        """True for the one caller that takes `key` for `seconds` (SET NX)."""
        return bool(self.connection.set(f"{self.prefix}:lock:{key}", "1", nx=True, ex=seconds))

    def ping(self) -> None:
        """Raise unless Redis answers (the health check)."""
        self.connection.ping()

    def workers(self) -> int:
        """RQ workers registered on this queue (they re-register every few minutes)."""
        from rq import Worker

        return Worker.count(queue=self.queue)

    def health(self) -> dict:
        """Redis answers, with the jobs waiting and the workers registered; else an error."""
        try:
            self.ping()
            return {"queue": "ok", "queued_jobs": self.queue.count, "workers": self.workers()}
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy
            current_app.logger.error("health check: Redis unreachable: %s", error)
            return {"queue": "error"}


def job_queue(app: Flask | None = None) -> EmbeddedQueue | RedisQueue:
    app = app or current_app._get_current_object()
    return app.extensions[EXTENSION].queue


def queue_health() -> dict:
    """The queue's part of `/healthz`: `{"queue": "embedded"}`, `{"queue": "error"}`, or
    `{"queue": "ok", "queued_jobs": n, "workers": n}` on Redis."""
    return job_queue().health()
