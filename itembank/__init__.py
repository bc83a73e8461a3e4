"""Persistence: the item bank's and the district's tables, one module per resource.

Importing the package registers every table on ``SQLModel.metadata``: the
people tables of :mod:`itembank.tables` refer to the district's
(:mod:`itembank.district`) by foreign key; the import history
(:mod:`itembank.import_runs`) and the CASE records of frameworks
(:mod:`itembank.case_records`) live in modules of their own.
"""

from itembank import assessments as _assessments  # noqa: F401
from itembank import case_records as _case_records  # noqa: F401
from itembank import district as _district  # noqa: F401
from itembank import import_runs as _import_runs  # noqa: F401
