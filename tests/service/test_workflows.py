"""Calibration job, going live, morning work, rubric scoring and re-scoring."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sqlmodel import Session, func, select

from engine.irt.simulation import simulate_responses
from itembank.bank import load_parameters
from itembank.responses import import_responses
from itembank.tables import Item, Mastery, Response

P = "/api/v1"


def simulate_history(world, n_students=400, seed=3):
    """Responses of simulated students to every item of the world, stored."""
    with Session(world.engine) as s:
        params = load_parameters(s, world.calibration_id)
        rng = np.random.default_rng(seed)
        matrix = simulate_responses(params, rng.normal(0, 1, n_students), rng, items_per_student=12, student_prefix="H")
        added = import_responses(s, matrix, digest=f"sim{seed}")
        s.commit()
    return params, added


def wait_done(client, headers, calibration_id, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        body = client.get(f"{P}/calibrations/{calibration_id}", headers=headers).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError("calibration did not finish")


def test_calibration_job_and_going_live(client, world, as_user, app):
    truth, added = simulate_history(world)
    h = as_user("psychometrician")
    r = client.post(f"{P}/calibrations", json={"model": "2pl", "min_responses": 20}, headers=h)
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["status"] in ("queued", "running", "done") and not queued["live"]
    done = wait_done(client, h, queued["id"])
    assert done["status"] == "done", done["error"]
    assert done["converged"] and done["iterations"] > 0 and done["loglik"] < 0
    assert done["n_responses"] == added and done["progress"] == 1.0
    assert done["n_items"] == truth.n_items
    assert 0.0 <= done["settings"]["min_responses"] and done["created_by"] == world.users["psychometrician"].user_id
    params = {
        p["item_id"]: p for p in client.get(f"{P}/calibrations/{done['id']}/parameters?limit=200", headers=h).json()
    }
    dich = [i for i in truth.item_ids if truth.n_categories[truth.index_of[i]] == 2]
    b_true = np.array([truth.b[truth.index_of[i]] for i in dich])
    b_hat = np.array([params[i]["b"] for i in dich])
    assert np.corrcoef(b_true, b_hat)[0, 1] > 0.8
    assert params["7RPA2-cr0"]["model"] == "grm" and len(params["7RPA2-cr0"]["thresholds"]) == 3
    # going live swaps the in-memory bank
    old_bank = app.state.bank.live
    assert old_bank.calibration_id == world.calibration_id
    live = client.post(f"{P}/calibrations/{done['id']}/live", headers=h).json()
    assert live["live"] is True
    new_bank = app.state.bank.live
    assert new_bank.calibration_id == done["id"] and new_bank is not old_bank
    j = new_bank.params.index_of["7RPA2-sc0"]
    assert new_bank.params.a[j] == pytest.approx(params["7RPA2-sc0"]["a"])
    listed = client.get(f"{P}/calibrations", headers=h).json()["items"]
    assert [c["live"] for c in listed if c["id"] == world.calibration_id] == [False]
    # a check started now runs on the new calibration
    start = client.post(
        f"{P}/checks", json={"student_id": world.students1[0], "standard": "7.RP.A.2"}, headers=as_user("student")
    )
    assert start.status_code == 201


def test_failed_calibration_reports_why(client, world, as_user):
    h = as_user("admin")
    r = client.post(f"{P}/calibrations", json={"model": "2pl"}, headers=h)  # no responses stored
    done = wait_done(client, h, r.json()["id"])
    assert done["status"] == "failed" and "no scored responses" in done["error"]
    live = client.post(f"{P}/calibrations/{done['id']}/live", headers=h)
    assert live.status_code == 422


@pytest.mark.parametrize(
    "body,field",
    [
        ({"model": "5pl"}, "model"),
        ({"item_ids": []}, "item_ids"),
        ({"item_ids": ["NOPE"]}, "item_ids"),
        ({"min_responses": 0}, "min_responses"),
    ],
)
def test_calibration_422(client, world, as_user, body, field):
    r = client.post(f"{P}/calibrations", json=body, headers=as_user("psychometrician"))
    assert r.status_code == 422
    assert any(d["loc"][-1] == field for d in r.json()["detail"]), r.json()


def test_morning_work_tiers(client, world, as_user):
    h = as_user("teacher")
    # two students show mastery, one struggles
    with Session(world.engine) as s:
        for sid, theta, band in (
            (world.students1[0], 1.8, "green"),
            (world.students1[1], 1.5, "green"),
            (world.students1[2], -1.4, "red"),
        ):
            s.add(
                Mastery(
                    student_id=sid,
                    standard_id=world.standards["7.RP.A.2"],
                    theta=theta,
                    se=0.4,
                    band=band,
                    p_mastery=0.5,
                    n_evidence=5,
                )
            )
        s.commit()
    r = client.post(
        f"{P}/classes/{world.class1}/morning-work", json={"standard": "7.RP.A.2", "items_per_tier": 3}, headers=h
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [t["name"] for t in body["tiers"]] == ["red", "yellow", "green"]
    placed = {s["id"]: t["name"] for t in body["tiers"] for s in t["students"]}
    assert set(placed) == set(world.students1)
    assert placed[world.students1[0]] == placed[world.students1[1]] == "green"
    assert placed[world.students1[2]] == "red"
    for tier in body["tiers"]:
        if tier["students"]:
            assert len(tier["items"]) == 3
            assert all(i["objective"] == "7.RP.A.2" and "key" in i for i in tier["items"])
            assert len({i["id"] for i in tier["items"]}) == 3
    # the green tier gets harder items than the red tier
    with Session(world.engine) as s:
        from itembank.bank import BankCache

        bank = BankCache().load(world.engine)

    def mean_b(tier):
        ids = [i["id"] for i in tier["items"]]
        idx = [bank.params.index_of[i] for i in ids]
        return float(
            np.nanmean(np.where(np.isfinite(bank.params.b[idx]), bank.params.b[idx], bank.params.thresholds[idx, 1]))
        )

    red, green = body["tiers"][0], body["tiers"][2]
    assert mean_b(green) > mean_b(red)


def test_morning_work_avoids_recent_items(client, world, as_user):
    h = as_user("teacher")
    first = client.post(
        f"{P}/classes/{world.class1}/morning-work", json={"standard": "7.EE.B.4", "items_per_tier": 3}, headers=h
    ).json()
    given = [i["id"] for t in first["tiers"] for i in t["items"]]
    # every student of the class answered those items today
    with Session(world.engine) as s:
        for sid in world.students1:
            for iid in set(given):
                s.add(
                    Response(
                        dedupe_key=f"t/{sid}/{iid}", student_id=sid, item_id=iid, score=1, correct=True, source="entry"
                    )
                )
        s.commit()
    again = client.post(
        f"{P}/classes/{world.class1}/morning-work", json={"standard": "7.EE.B.4", "items_per_tier": 3}, headers=h
    ).json()
    assert not {i["id"] for t in again["tiers"] for i in t["items"]} & set(given)


def test_morning_work_422_and_404(client, world, as_user):
    h = as_user("teacher")
    assert (
        client.post(
            f"{P}/classes/{world.class1}/morning-work", json={"standard": "7.RP.A.2", "items_per_tier": 0}, headers=h
        ).status_code
        == 422
    )
    assert (
        client.post(f"{P}/classes/{world.class1}/morning-work", json={"items_per_tier": 2}, headers=h).status_code
        == 422
    )
    assert (
        client.post(f"{P}/classes/{world.class1}/morning-work", json={"standard": "NOPE"}, headers=h).status_code == 404
    )


def test_rubric_scoring_supersedes_and_updates_mastery(client, world, as_user):
    """A teacher enters a student's written answer, scores it, re-scores it."""
    student, teacher = as_user("student"), as_user("teacher")
    sid = world.students1[0]
    r = client.post(
        f"{P}/responses?client_key=essay-1",
        json={"student_id": sid, "item_id": "7RPA2-cr0", "answer": "I found the unit rate by dividing."},
        headers=teacher,
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["score"] is None and first["source"] == "entry"
    # the same client key again: no second row
    again = client.post(
        f"{P}/responses?client_key=essay-1",
        json={"student_id": sid, "item_id": "7RPA2-cr0", "answer": "I found the unit rate by dividing."},
        headers=teacher,
    )
    assert again.json()["id"] == first["id"]
    waiting = client.get(f"{P}/responses?awaiting_score=true", headers=teacher).json()
    assert [x["id"] for x in waiting["items"]] == [first["id"]]
    scored = client.post(
        f"{P}/responses/{first['id']}/score", json={"score": 3, "note": "clear reasoning"}, headers=teacher
    )
    assert scored.status_code == 201, scored.text
    s1 = scored.json()
    assert s1["supersedes_id"] == first["id"] and s1["score"] == 3 and s1["scored_by"] == world.users["teacher"].user_id
    m_high = {c["code"]: c for c in client.get(f"{P}/students/{sid}/mastery", headers=student).json()["standards"]}[
        "7.RP.A.2"
    ]
    assert m_high["n_evidence"] == 1
    # scoring the superseded row again is refused; the newest row can be re-scored
    assert client.post(f"{P}/responses/{first['id']}/score", json={"score": 1}, headers=teacher).status_code == 409
    s2 = client.post(
        f"{P}/responses/{s1['id']}/score", json={"score": 0, "note": "rubric misread"}, headers=teacher
    ).json()
    assert s2["supersedes_id"] == s1["id"]
    m_low = {c["code"]: c for c in client.get(f"{P}/students/{sid}/mastery", headers=student).json()["standards"]}[
        "7.RP.A.2"
    ]
    assert m_low["theta"] < m_high["theta"] and m_low["n_evidence"] == 1
    # append-only: all three rows are kept
    with Session(world.engine) as s:
        rows = s.exec(select(Response).where(Response.item_id == "7RPA2-cr0").order_by(Response.id)).all()
        assert [r.score for r in rows] == [None, 3, 0]
    assert client.get(f"{P}/responses?awaiting_score=true", headers=teacher).json()["total"] == 0
    # out-of-range rubric level
    bad = client.post(f"{P}/responses/{s2['id']}/score", json={"score": 4}, headers=teacher)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "score"


def test_teacher_cannot_score_other_classes(client, world, as_user):
    r = client.post(
        f"{P}/responses",
        json={"student_id": world.students2[0], "item_id": "7RPA2-cr0", "answer": "text"},
        headers=as_user("teacher2"),
    )
    assert r.status_code == 201
    assert (
        client.post(f"{P}/responses/{r.json()['id']}/score", json={"score": 2}, headers=as_user("teacher")).status_code
        == 403
    )
    assert (
        client.post(f"{P}/responses/{r.json()['id']}/score", json={"score": 2}, headers=as_user("teacher2")).status_code
        == 201
    )


def test_entry_response_of_a_self_scoring_item_is_scored(client, world, as_user):
    r = client.post(
        f"{P}/responses",
        json={"student_id": world.students1[0], "item_id": "7RPA2-ne0", "answer": 1.0},
        headers=as_user("teacher"),
    )
    assert r.status_code == 201
    with Session(world.engine) as s:
        key = s.get(Item, "7RPA2-ne0").key
    assert r.json()["correct"] == (abs(1.0 - key) <= 0.01) and r.json()["score"] in (0, 1)
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(Mastery)).one() == 1


@pytest.mark.parametrize("item_id", ["7RPA2-sc0", "7RPA2-ne0", "7RPA2-ms0", "7RPA2-cr0"])
def test_a_student_records_no_response_outside_a_check(client, world, as_user, item_id):
    """Recording answers outside a check told a student whether each was correct: trying A, B, C found the key."""
    h = as_user("student")
    before = client.get(f"{P}/responses?limit=200", headers=as_user("admin")).json()["total"]
    for answer in ("A", "B", "C", 1.0, ["A", "C"], "my written answer"):
        r = client.post(
            f"{P}/responses", json={"student_id": world.students1[0], "item_id": item_id, "answer": answer}, headers=h
        )
        assert r.status_code == 403, r.text
        assert "correct" not in r.text and "score" not in r.json()
    assert client.get(f"{P}/responses?limit=200", headers=as_user("admin")).json()["total"] == before
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(Mastery)).one() == 0
