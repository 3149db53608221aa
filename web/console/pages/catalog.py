"""Catalog import: the CLI's importer (core.catalog.importer) as a background task.

The page uploads the CSV, the import runs beside the request, and a progress page (and
its JSON twin) shows how far it is. Like ``linli import-catalog``, any bad row means the
transaction is not committed: nothing is imported and every row error is listed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

from aiohttp import web

from core.catalog.csv_rows import COLUMNS, RowError
from core.catalog.importer import import_catalog
from core.platform.uow import Database
from web.console import keys
from web.console.render import page, page_translator
from web.context import context

log = logging.getLogger(__name__)
MAX_JOBS = 50  # finished imports kept for their progress page


@dataclass
class ImportJob:
    """One upload's import: ``status`` is validating, importing, done, rejected or failed."""

    id: str
    filename: str
    operator: str
    status: str = "validating"
    done: int = 0
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: tuple[RowError, ...] = ()

    @property
    def finished(self) -> bool:
        """Nothing more will change."""
        return self.status in ("done", "rejected", "failed")

    @property
    def percent(self) -> int:
        """How far the import is, 0–100 (100 only when it is committed)."""
        if self.status == "done":
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    def progress(self, done: int, total: int) -> None:
        """The importer's callback."""
        self.status, self.done, self.total = "importing", done, total

    def as_json(self) -> dict[str, object]:
        """What the status endpoint answers."""
        return {
            "id": self.id,
            "status": self.status,
            "finished": self.finished,
            "percent": self.percent,
            "done": self.done,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "errors": [
                {"line": e.line, "column": e.column, "reason": e.reason, "text": str(e)}
                for e in self.errors
            ],
        }


@dataclass
class ImportJobs:
    """The imports of this process; one runs at a time, like two operators taking turns."""

    jobs: dict[str, ImportJob] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def start(self, db: Database, job: ImportJob, data: bytes) -> None:
        """Run the import beside the request; the task is kept until it ends."""
        while len(self.jobs) >= MAX_JOBS:
            oldest = next(iter(self.jobs))
            if not self.jobs[oldest].finished:
                break
            del self.jobs[oldest]
        self.jobs[job.id] = job
        task = asyncio.create_task(self._run(db, job, data))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, db: Database, job: ImportJob, data: bytes) -> None:
        """The CLI's transaction: import, commit only a file without errors."""
        async with self.lock:
            try:
                async with db.uow() as uow:
                    report = await import_catalog(uow, data, on_progress=job.progress)
                    if report.ok:
                        await uow.commit()
            except Exception:
                log.exception("catalog import %s failed", job.id)
                job.status = "failed"
                return
        job.created, job.updated, job.errors = report.created, report.updated, report.errors
        job.status = "done" if report.ok else "rejected"
        log.info("catalog import %s by %s: %s", job.id, job.operator, job.status)


JOBS = web.AppKey("console_imports", ImportJobs)


async def catalog_page(request: web.Request) -> web.Response:
    """The upload form and the columns a file needs."""
    return await page(request, "catalog.html", columns=COLUMNS, error=None)


async def upload(request: web.Request) -> web.StreamResponse:
    """Start importing the uploaded CSV and go to its progress page."""
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        t = await page_translator(request)
        return await page(
            request,
            "catalog.html",
            status=400,
            columns=COLUMNS,
            error=t.gettext("Choose a CSV file to import."),
        )
    data = upload.file.read()
    job = ImportJob(
        id=secrets.token_hex(8), filename=upload.filename, operator=request[keys.OPERATOR]
    )
    request.config_dict[JOBS].start(context(request).db, job, data)
    raise web.HTTPSeeOther(f"{keys.PREFIX}/catalog/import/{job.id}")


def _job(request: web.Request) -> ImportJob:
    """The import named in the URL, or 404."""
    job = request.config_dict[JOBS].jobs.get(request.match_info["job"])
    if job is None:
        raise web.HTTPNotFound()
    return job


async def job_page(request: web.Request) -> web.Response:
    """The progress bar (the page refreshes itself until the import ends), then the result."""
    return await page(request, "catalog_job.html", job=_job(request))


async def job_status(request: web.Request) -> web.Response:
    """The import's progress as JSON, for polling."""
    return web.json_response(_job(request).as_json(), headers={"Cache-Control": "no-store"})


def routes(app: web.Application) -> None:
    """Add the catalog pages."""
    app[JOBS] = ImportJobs()
    app.router.add_get("/catalog", catalog_page, name="catalog")
    app.router.add_post("/catalog/import", upload)
    app.router.add_get(r"/catalog/import/{job:[0-9a-f]{16}}", job_page)
    app.router.add_get(r"/catalog/import/{job:[0-9a-f]{16}}.json", job_status)
