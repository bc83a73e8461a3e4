"""A stored Rasch calibration with simulated answers, for the tests of the bank's analysis."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_responses
from itembank.calibrations import import_parameters
from itembank.responses import import_responses
from tests.service.conftest import World

#: sd of the simulated abilities: wider than the N(0, 1) a Rasch table would otherwise be read on
ABILITY_SD = 1.8


def store_rasch_calibration(
    world: World, n_students: int = 600, seed: int = 11
) -> tuple[int, ItemParameters, ResponseMatrix]:
    """A Rasch calibration of the district's 42 dichotomous items and every student's answer to each of them.

    Returns the calibration's id, its parameters and the stored responses.
    """
    items = [i for ids in world.items.values() for i in ids if not i.endswith("cr0")]
    rng = np.random.default_rng(seed)
    params = ItemParameters.from_arrays(items, "rasch", b=rng.normal(0.0, 1.0, len(items)))
    responses = simulate_responses(params, rng.normal(0.0, ABILITY_SD, n_students), rng, student_prefix="R")
    with Session(world.engine) as s:
        import_responses(s, responses, digest=f"rasch{seed}")
        calibration_id = import_parameters(s, params).id
        s.commit()
    return calibration_id, params, responses
