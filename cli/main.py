"""The ``masterycat`` command line: one Typer app, one module per job.

Each job's commands live in their own module and register themselves on
:data:`app` when imported below.  Bad input exits with code 2 and one line on
stderr naming the problem (:func:`cli.common.fail`).
"""

from __future__ import annotations

from cli import (
    adaptive,  # noqa: F401  (registers simulate-cat)
    calibration,  # noqa: F401  (registers calibrate, score, simulate)
    interop,  # noqa: F401  (registers import and export)
    lti,  # noqa: F401  (registers lti register, lti rotate-keys)
    psychometrics,  # noqa: F401  (registers fit, dif, items, link, information, report)
    server,  # noqa: F401  (registers serve, db upgrade)
)
from cli.common import app

__all__ = ["app"]
