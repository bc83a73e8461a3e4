"""Background jobs: calibrations and large imports run off the request path.

One worker thread runs calibrations one after another (a calibration uses
the cores it is given; two at once would only slow each other down), and
another runs imports one after another (two imports writing students and
answers at once would only contend for the same rows).  A job's state lives
in its row (the calibration, the import job), so any process can report it.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from itembank.bank import BankCache
from itembank.calibrations import make_live, run_calibration
from itembank.import_jobs import Importer, ImportJob, ImportStatus, run_import
from itembank.tables import CalibrationStatus, utcnow
from reporting.fit_report import store_fit_report

__all__ = ["JobRunner"]

logger = logging.getLogger(__name__)


class JobRunner:
    """Runs calibration and import jobs in worker threads.

    Parameters
    ----------
    engine : Engine
    bank : BankCache
        Reloaded when a finished run is made live, or an import changed items.
    """

    def __init__(self, engine: Engine, bank: BankCache) -> None:
        self._engine = engine
        self._bank = bank
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration")
        self._imports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
        self._queued_imports: dict[int, Future] = {}

    def submit_calibration(self, calibration_id: int, *, make_live_when_done: bool = False) -> Future:
        """Queue calibration ``calibration_id`` (already committed as queued); a finished one's fit report is stored."""

        def job() -> None:
            cal = run_calibration(self._engine, calibration_id)
            if cal.status != CalibrationStatus.done.value:
                return
            if make_live_when_done:
                with Session(self._engine) as session:
                    make_live(session, calibration_id)
                    session.commit()
                self._bank.load(self._engine)
            try:  # the fit report page then reads it instead of computing it
                with Session(self._engine) as session:
                    store_fit_report(session, calibration_id)
                    session.commit()
            except Exception as err:  # the page computes it on its first view instead
                logger.error("the fit report of calibration %d was not kept: %s", calibration_id, err, exc_info=err)

        return self._pool.submit(job)

    def submit_import(
        self, import_id: int, stream: BinaryIO, importer: Importer, *, reload_bank: bool = False
    ) -> Future:
        """Queue import job ``import_id`` (already committed as queued) on ``stream``.

        The job owns ``stream`` and closes it when done; with
        ``reload_bank`` the live bank is reloaded after a successful import
        (item content is cached with it).
        """

        def job() -> None:
            try:
                row = run_import(self._engine, import_id, stream, importer)
            finally:
                stream.close()
            if reload_bank and row.status == ImportStatus.done.value:
                self._bank.load(self._engine)

        future = self._imports.submit(job)
        self._queued_imports[import_id] = future
        future.add_done_callback(lambda _: self._queued_imports.pop(import_id, None))
        return future

    def shutdown(self) -> None:
        """Finish the running jobs; imports still queued are recorded as failed."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        pending = dict(self._queued_imports)
        self._imports.shutdown(wait=True, cancel_futures=True)
        dropped = [i for i, future in pending.items() if future.cancelled()]
        if dropped:
            with Session(self._engine) as session:
                session.execute(
                    update(ImportJob)
                    .where(ImportJob.id.in_(dropped))
                    .values(
                        status=ImportStatus.failed.value,
                        error="the server stopped before the import ran; nothing was written, upload the file again",
                        finished_at=utcnow(),
                    )
                )
                session.commit()
            logger.warning("imports %s dropped at shutdown", dropped)
