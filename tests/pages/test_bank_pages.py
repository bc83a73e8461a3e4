"""The psychometrician's bank pages: filters that refuse what they do not know, calibrations, items."""

from __future__ import annotations

from sqlmodel import Session, select

from itembank.tables import Calibration


def test_an_unknown_fit_flag_is_a_422_like_an_unknown_status(login):
    c = login("psychometrician")
    status = c.get("/bank?status=bogus")
    assert status.status_code == 422
    flag = c.get("/bank?flag=bogus")
    assert flag.status_code == 422
    assert "Unknown fit flag" in flag.text and "bogus" in flag.text
    assert c.get("/bank?flag=any").status_code == 200


def test_starting_a_calibration_with_no_status_ticked_is_refused(login, world):
    c = login("psychometrician")
    with Session(world.engine) as s:
        before = len(s.exec(select(Calibration.id)).all())
    r = c.post("/bank/calibrations", data={"model": "rasch", "min_responses": "1"}, follow_redirects=False)
    assert r.status_code == 422
    assert 'role="alert"' in r.text and "Tick at least one status" in r.text
    with Session(world.engine) as s:
        assert len(s.exec(select(Calibration.id)).all()) == before
