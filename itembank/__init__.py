"""Persistence: the item bank's and the district's tables, one module per resource.

Importing the package registers every table on ``SQLModel.metadata``: the
people tables of :mod:`itembank.tables` refer to the district's
(:mod:`itembank.district`) by foreign key.
"""

from itembank import assessments as _assessments  # noqa: F401
from itembank import district as _district  # noqa: F401
