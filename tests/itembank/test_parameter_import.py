"""Importing a parameters file as a calibration: files of any number of items, on both databases."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import insert
from sqlmodel import Session, func, select

from engine.irt.parameters import ItemParameters
from itembank.calibrations import import_parameters
from itembank.tables import Item, ItemParameter, utcnow


@pytest.mark.slow
def test_parameters_of_more_items_than_a_statement_takes(world):
    """A file naming 66,000 items was one IN list over PostgreSQL's 65,535 parameters."""
    n = 66_000
    ids = [f"P{k:06d}" for k in range(n)]
    objective = world.standards["7.RP.A.2"]
    now = utcnow()
    with Session(world.engine) as s:
        rows = [Item(id=i, stem="?", interaction="numeric_entry", key=1, objective_id=objective) for i in ids]
        s.execute(insert(Item), [{**r.model_dump(), "created_at": now, "updated_at": now} for r in rows])
        s.commit()
    params = ItemParameters.from_arrays(ids, np.full(n, "2pl"), a=np.ones(n), b=np.zeros(n))
    with Session(world.engine) as s:
        cal = import_parameters(s, params)
        s.commit()
        stored = s.exec(select(func.count()).where(ItemParameter.calibration_id == cal.id)).one()
    assert stored == n
