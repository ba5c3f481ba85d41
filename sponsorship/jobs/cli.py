"""`flask jobs run|worker|scheduler`: run a job now, run queued jobs, schedule them."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from sponsorship.jobs.definitions import JOBS, execute
from sponsorship.jobs.queues import EXTENSION, RedisQueue, job_queue
from sponsorship.jobs.scheduler import Scheduler

jobs_cli = AppGroup("jobs", help="Background jobs: offer expiry, reminders, mail.")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_command(name: str) -> None:
    """Run one job now, in this process (e.g. from cron)."""
    click.echo(f"{name}: {execute(name)}")


#: The longest an idle worker waits in one dequeue (and the scheduler twice as often):
#: how late a stop may be heard.
DEQUEUE_WAIT_S = 2


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run queued jobs from Redis (needs REDIS_URL)."""
    target = job_queue()
    if not isinstance(target, RedisQueue):
        raise click.ClickException("REDIS_URL is not set: jobs run inside the app itself")
    import signal

    from rq import SimpleWorker

    class Worker(SimpleWorker):
        @property
        def dequeue_timeout(self) -> int:
            # A signal may land on a thread a library started (OpenBLAS's, when numpy
            # loads for the slate), and Python runs the handler only when the main
            # thread next runs Python: an idle worker's blocking dequeue returns this
            # often (RQ's default is 405 s), so a stop waits at most this long.
            return DEQUEUE_WAIT_S

        def subscribe(self):
            # RQ listens for commands on a thread. Were Ctrl-C or SIGTERM delivered to
            # that thread, the main one would sleep on in its blocking dequeue (up to
            # several minutes) before running RQ's stop handler: the thread is started
            # with both signals blocked, so the kernel delivers them to the main one.
            stops = {signal.SIGINT, signal.SIGTERM}
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
            try:
                super().subscribe()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    # SimpleWorker runs jobs in this process, inside this command's app context.
    Worker([target.queue], connection=target.connection).work(burst=burst)


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Enqueue the periodic jobs when due, until stopped (Ctrl-C or SIGTERM)."""
    import signal

    scheduler: Scheduler = current_app.extensions[EXTENSION].scheduler
    click.echo(f"Scheduling {scheduler.intervals} (seconds); Ctrl-C to stop.")
    # Set both: a shell starts a background command with SIGINT ignored, and a process
    # manager stops services with SIGTERM; either ends the loop between two ticks.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: scheduler.stop())
    # As the worker's dequeue: a signal taken by a library's thread is heard when the
    # main thread next wakes, so it wakes each second (a tick reads Redis only).
    scheduler.run(poll=DEQUEUE_WAIT_S / 2)
