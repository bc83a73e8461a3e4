"""Persistence: the item bank's and the district's tables, one module per resource.

Importing the package registers every table on ``SQLModel.metadata``: the
people tables of :mod:`itembank.tables` refer to the district's
(:mod:`itembank.district`) by foreign key; the import history
(:mod:`itembank.import_runs`), the import jobs (:mod:`itembank.import_jobs`),
the CASE records of frameworks (:mod:`itembank.case_records`), the media
of items (:mod:`itembank.item_assets`) and the history of mastery bands
(:mod:`itembank.mastery_history`) and the kept fit reports of calibrations
(:mod:`itembank.calibration_analysis`) live in modules of their own.
"""

from itembank import assessments as _assessments  # noqa: F401
from itembank import calibration_analysis as _calibration_analysis  # noqa: F401
from itembank import case_records as _case_records  # noqa: F401
from itembank import district as _district  # noqa: F401
from itembank import import_jobs as _import_jobs  # noqa: F401
from itembank import import_runs as _import_runs  # noqa: F401
from itembank import item_assets as _item_assets  # noqa: F401
from itembank import lti as _lti  # noqa: F401
from itembank import mastery_history as _mastery_history  # noqa: F401
from itembank import report_cards as _report_cards  # noqa: F401
