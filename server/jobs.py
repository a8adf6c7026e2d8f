"""Table jobs: the data probes run away from the request, in a limited child process.

Embedded (the default): a thread of the server process starts one child process per job
(``ProcessPoolExecutor`` with one task per child, so a crash or a limit hit kills that job's
process only). With ``UNSTUCK_REDIS_URL`` set, the job goes onto an arq queue in Redis and an
``arq server.worker.WorkerSettings`` process, on any machine that reaches the database, runs it
the same way.

Every front end that starts a table check goes through ``enqueue`` (the HTTP API's uploads and
the tables shared in Slack), so the check runs wherever the settings send jobs. Whoever runs
it tells the session service's listeners how it ended: the results join the session
(``results_listeners``), or the job failed (``job_failure_listeners``).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import secrets
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from starlette.concurrency import run_in_threadpool

from probes.result import ProbeResult
from server.errors import QueueUnavailable
from server.sandbox import ChildTask, run_table_probes
from server.schemas import JobProbe, JobView
from server.sessions import SessionService
from server.settings import Settings
from server.storage import Database, JobRecord, StreamItem
from server.tables import TableFormat

log = logging.getLogger("unstuck.server.jobs")

#: Seconds the parent waits beyond the child's own wall-clock limit before giving up on it.
GRACE_S = 30


def new_job(session_id: str, key_id: str, filename: str, fmt: TableFormat, label: str) -> JobRecord:
    return JobRecord(
        id="j_" + secrets.token_urlsafe(12),
        session_id=session_id,
        key_id=key_id,
        status="queued",
        message="Waiting for a worker.",
        probes="[]",
        filename=filename,
        format=fmt,
        label=label,
    )


def job_item(job: JobRecord, status: str, message: str) -> StreamItem:
    return StreamItem("job", json.dumps({"job": job.id, "status": status, "message": message}))


def view(job: JobRecord) -> JobView:
    return JobView(
        id=job.id,
        session=job.session_id,
        status=job.status,
        message=job.message,
        file=job.filename,
        label=job.label,
        probes=[JobProbe(**p) for p in json.loads(job.probes)],
    )


def execute_job(db: Database, sessions: SessionService, settings: Settings, job_id: str) -> None:
    """Run one job to its end and record how it went; never raises."""
    job = db.job(job_id)
    if job is None or job.status != "queued":
        return
    probes = ", ".join(settings.table_probes)
    _set(db, job, "running", f"Running {probes} on '{job.filename}'.", [])
    try:
        results = _run_child(_task(settings, job))
    except JobFailed as failure:
        _failed(db, sessions, job, str(failure), [])
        return
    summary = [{"id": r.id, "status": r.status, "finding": r.finding} for r in results]
    try:
        sessions.join_results(job.session_id, results)
    except Exception as exc:
        log.exception("job %s: joining results failed", job.id)
        message = f"The results could not join the session: {exc}"
        _failed(db, sessions, job, message, summary)
        return
    _set(
        db,
        job,
        "done",
        f"Ran {probes} on '{job.filename}'; the results joined the session.",
        summary,
    )


class JobFailed(Exception):
    pass


def _task(settings: Settings, job: JobRecord) -> ChildTask:
    return ChildTask(
        database_url=settings.database_url,
        job_id=job.id,
        session_id=job.session_id,
        filename=job.filename,
        format=job.format,  # type: ignore[arg-type]
        label=job.label,
        probes=tuple(settings.table_probes),
        registry=settings.probe_registry,
        wall_s=settings.job_wall_s,
        cpu_s=settings.job_cpu_s,
        memory_mb=settings.job_memory_mb,
        max_cells=settings.max_table_cells,
    )


def _child_context() -> multiprocessing.context.ForkServerContext:
    """Children fork from a clean server process that has pandas and torch loaded already."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["server.sandbox", "probes.target"])
    return context


def _run_child(task: ChildTask) -> list[ProbeResult]:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=_child_context(), max_tasks_per_child=1)
    try:
        future = pool.submit(run_table_probes, task)
        raw = future.result(timeout=task.wall_s + GRACE_S)
    except BrokenProcessPool as exc:
        raise JobFailed(
            "The job's process was stopped: it went over its limits (time "
            f"{task.wall_s} s, CPU {task.cpu_s} s, memory {task.memory_mb} MB) or crashed. "
            "Send a smaller table, or ask the operator to raise UNSTUCK_JOB_* limits."
        ) from exc
    except FutureTimeout as exc:
        _kill(pool)
        raise JobFailed(f"The job did not finish within {task.wall_s} s and was stopped.") from exc
    except MemoryError as exc:
        raise JobFailed(
            f"The table needs more than the job's {task.memory_mb} MB of memory. Send a "
            "smaller table."
        ) from exc
    except Exception as exc:
        raise JobFailed(f"The job failed: {type(exc).__name__}: {exc}") from exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [ProbeResult.model_validate_json(item) for item in raw]


def _kill(pool: ProcessPoolExecutor) -> None:
    processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
    for process in processes.values():
        process.kill()


def _set(db: Database, job: JobRecord, status: str, message: str, probes: list[Any]) -> None:
    db.update_job(job, status, message, json.dumps(probes), job_item(job, status, message))


def _failed(
    db: Database, sessions: SessionService, job: JobRecord, message: str, probes: list[Any]
) -> None:
    _set(db, job, "failed", message, probes)
    sessions.job_failed(job.session_id, message)


class JobQueue:
    """Where accepted jobs go; ``for_settings`` picks the embedded pool or the arq queue."""

    @staticmethod
    def for_settings(settings: Settings, sessions: SessionService) -> JobQueue:
        if settings.redis_url:
            return ArqQueue(settings.redis_url)
        return EmbeddedQueue(settings, sessions)

    async def submit(self, job_id: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class EmbeddedQueue(JobQueue):
    def __init__(self, settings: Settings, sessions: SessionService) -> None:
        self.settings = settings
        self.sessions = sessions
        self._threads = ThreadPoolExecutor(
            max_workers=settings.job_workers, thread_name_prefix="unstuck-job"
        )

    async def submit(self, job_id: str) -> None:
        self._threads.submit(execute_job, self.sessions.db, self.sessions, self.settings, job_id)

    async def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


class ArqQueue(JobQueue):
    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self._pool: Any = None

    async def submit(self, job_id: str) -> None:
        if self._pool is None:
            from arq import create_pool
            from arq.connections import RedisSettings

            self._pool = await create_pool(RedisSettings.from_dsn(self.redis_url))
        await self._pool.enqueue_job("run_table_job", job_id, _job_id=job_id)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None


async def enqueue(db: Database, queue: JobQueue, job: JobRecord, table: bytes) -> None:
    """Store a new table job with its table and hand it to ``queue``; when the queue refuses
    it, the job is marked failed and ``QueueUnavailable`` says so."""
    await run_in_threadpool(db.create_job, job, table, job_item(job, job.status, job.message))
    try:
        await queue.submit(job.id)
    except Exception as exc:
        message = f"The job queue is unavailable ({type(exc).__name__}: {exc}). Try again later."
        failed = job_item(job, "failed", message)
        await run_in_threadpool(db.update_job, job, "failed", message, "[]", failed)
        raise QueueUnavailable(message) from exc
