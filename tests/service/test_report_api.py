"""The psychometrician's fit table and calibration report through the API.

The analysis behind them (:func:`reporting.bank_analysis.bank_analysis`) is
exercised with real answers by the bank pages' tests; here: who may call
them, and the message when a calibration has no answers to analyse.
"""

from __future__ import annotations

import re

import pytest

from tests.reporting.simulated_bank import ABILITY_SD, store_rasch_calibration
from tests.service.test_imports import P

ROUTES = ("fit", "report")


def test_a_calibration_without_answers_is_a_409_with_a_reason(client, world, as_user):
    h = as_user("psychometrician")
    for route in ROUTES:
        r = client.get(f"{P}/calibrations/{world.calibration_id}/{route}", headers=h)
        assert r.status_code == 409 and "too few stored responses" in r.json()["detail"]


def test_only_keepers_of_the_bank(client, world, as_user):
    for route in ROUTES:
        for role in ("teacher", "student"):
            r = client.get(f"{P}/calibrations/{world.calibration_id}/{route}", headers=as_user(role))
            assert r.status_code == 403
        assert client.get(f"{P}/calibrations/{world.calibration_id}/{route}").status_code == 401
        assert client.get(f"{P}/calibrations/999999/{route}", headers=as_user("admin")).status_code == 404


def test_the_report_of_a_rasch_calibration_is_on_its_estimated_latent_distribution(client, world, as_user):
    """A Rasch table is read on the latent distribution its calibration estimates, as ``masterycat report`` does.

    (Read on N(0, 1), abilities spread 1.8 times wider came out shrunk and
    the marginal reliability too low.)
    """
    calibration_id, _, _ = store_rasch_calibration(world)
    r = client.get(f"{P}/calibrations/{calibration_id}/report", headers=as_user("psychometrician"))
    assert r.status_code == 200
    mean, sd = re.search(r"latent N\(([-0-9.e]+), ([0-9.e]+)&sup2;\)", r.text).groups()
    assert float(sd) == pytest.approx(ABILITY_SD, abs=0.15) and abs(float(mean)) < 0.2
