"""The psychometrician's fit table and calibration report through the API.

The analysis behind them (:func:`reporting.bank_analysis.bank_analysis`) is
exercised with real answers by the bank pages' tests; here: who may call
them, and the message when a calibration has no answers to analyse.
"""

from __future__ import annotations

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
