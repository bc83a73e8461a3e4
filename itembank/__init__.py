"""Persistence: the item bank's and the district's tables, one module per resource.

Importing the package registers every table on ``SQLModel.metadata``: the
people tables of :mod:`itembank.tables` refer to the district's
(:mod:`itembank.district`) by foreign key, and the import jobs
(:mod:`itembank.import_jobs`) live in a module of their own.
"""

from itembank import assessments as _assessments  # noqa: F401
from itembank import district as _district  # noqa: F401
from itembank import import_jobs as _import_jobs  # noqa: F401
