"""The ``masterycat`` command line: one Typer app, one module per job.

Each job's commands live in their own module and register themselves on
:data:`app` when imported below.  Bad input exits with code 2 and one line on
stderr naming the problem (:func:`cli.common.fail`).
"""

from __future__ import annotations

from cli.common import app
from cli import calibration  # noqa: F401  (registers calibrate, score, simulate)
from cli import server  # noqa: F401  (registers serve, db upgrade)
from cli import adaptive  # noqa: F401  (registers simulate-cat)
from cli import psychometrics  # noqa: F401  (registers fit, dif, items, link, information, report)

__all__ = ["app"]
