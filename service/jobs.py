"""Background jobs: calibration runs off the request path.

One worker thread runs calibrations one after another (a calibration uses
the cores it is given; two at once would only slow each other down).  The
job's state lives in the calibration row, so any process can report it.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session

from itembank.bank import BankCache
from itembank.calibrations import make_live, run_calibration
from itembank.tables import CalibrationStatus

__all__ = ["JobRunner"]


class JobRunner:
    """Runs calibration jobs in a worker thread.

    Parameters
    ----------
    engine : Engine
    bank : BankCache
        Reloaded when a finished run is made live.
    """

    def __init__(self, engine: Engine, bank: BankCache) -> None:
        self._engine = engine
        self._bank = bank
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibration")

    def submit_calibration(self, calibration_id: int, *, make_live_when_done: bool = False) -> Future:
        """Queue calibration ``calibration_id`` (already committed as queued)."""

        def job() -> None:
            cal = run_calibration(self._engine, calibration_id)
            if make_live_when_done and cal.status == CalibrationStatus.done.value:
                with Session(self._engine) as session:
                    make_live(session, calibration_id)
                    session.commit()
                self._bank.load(self._engine)

        return self._pool.submit(job)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
