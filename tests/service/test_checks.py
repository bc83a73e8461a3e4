"""Adaptive checks through HTTP: start, answer to the end, idempotency, 409s and 422s."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from itembank.tables import Check, Item, Mastery, Response

CHECKS = "/api/v1/checks"


def key_of(world, item_id):
    with Session(world.engine) as s:
        return s.get(Item, item_id).key


def right(world, item):
    return key_of(world, item["id"])


def wrong(world, item):
    key = key_of(world, item["id"])
    if item["interaction"] == "single_choice":
        return next(c["id"] for c in item["choices"] if c["id"] != key)
    if item["interaction"] == "multiple_select":
        return [next(c["id"] for c in item["choices"] if c["id"] not in key)]
    return float(key) + 7.0


def n_responses(world, **where):
    with Session(world.engine) as s:
        stmt = select(func.count()).select_from(Response)
        for k, v in where.items():
            stmt = stmt.where(getattr(Response, k) == v)
        return s.exec(stmt).one()


def start(client, world, headers, student=None, standard="7.RP.A"):
    student = world.students1[0] if student is None else student
    return client.post(CHECKS, json={"student_id": student, "standard": standard}, headers=headers)


def test_full_check_end_to_end(client, world, as_user):
    h = as_user("student")
    r = start(client, world, h)
    assert r.status_code == 201, r.text
    body = r.json()
    check_id, item = body["check_id"], body["item"]
    assert set(item) == {"id", "stem", "interaction", "choices", "answer_format", "targets", "stem_html"}
    seen, results = [], []
    for n in range(40):
        if item is None:
            break
        assert item["interaction"] != "constructed_response"
        assert item["id"] not in seen
        seen.append(item["id"])
        answer = right(world, item) if n % 3 else wrong(world, item)
        r = client.post(f"{CHECKS}/{check_id}/responses", json={"item_id": item["id"], "answer": answer}, headers=h)
        assert r.status_code == 200, r.text
        res = r.json()
        assert res["correct"] == bool(n % 3) and res["score"] == int(bool(n % 3))
        assert res["feedback"]["key"] == key_of(world, item["id"]) and res["feedback"]["rationale"]
        assert res["estimate"]["band"] in ("green", "yellow", "red")
        assert 0.0 <= res["estimate"]["p_mastery"] <= 1.0 and res["estimate"]["se"] > 0
        results.append(res)
        item = res["next_item"]
    last = results[-1]
    assert last["done"] and last["next_item"] is None
    assert last["stop_reason"] in ("ci", "se", "max_items", "exhausted")
    assert 4 <= len(seen) <= 15
    # items of the standard's objectives only
    assert all(i.startswith(("7RPA2", "7RPA3")) for i in seen)
    assert n_responses(world, check_id=check_id) == len(seen)
    got = client.get(f"{CHECKS}/{check_id}", headers=h).json()
    assert got["status"] == "done" and got["n_answered"] == len(seen) and got["current_item"] is None
    assert got["estimate"]["theta"] == pytest.approx(last["estimate"]["theta"])
    # mastery stored for the indicator and its objectives, rolled up to the competency
    mastery = client.get(f"/api/v1/students/{world.students1[0]}/mastery", headers=h).json()["standards"]
    codes = {c["code"]: c for c in mastery}
    assert codes["7.RP.A"]["theta"] == pytest.approx(last["estimate"]["theta"])
    assert codes["7.RP.A"]["n_evidence"] == len(seen)
    assert {"7.RP.A.2", "7.RP.A.3", "7.RP"} <= set(codes)
    assert codes["7.RP"]["theta"] is None and codes["7.RP"]["band"] in ("green", "yellow", "red")
    # answering after the end: 409
    unseen = next(i for i in world.items["7.RP.A.2"] if i not in seen and "-sc" in i)
    r = client.post(f"{CHECKS}/{check_id}/responses", json={"item_id": unseen, "answer": "A"}, headers=h)
    assert r.status_code == 409 and "ended" in r.json()["detail"]


def test_resubmitting_the_same_answer_is_idempotent(client, world, as_user):
    h = as_user("student")
    body = start(client, world, h).json()
    check_id, item = body["check_id"], body["item"]
    payload = {"item_id": item["id"], "answer": right(world, item)}
    first = client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=h)
    again = client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=h)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert n_responses(world, check_id=check_id) == 1
    # still the same after the next item was answered
    nxt = first.json()["next_item"]
    client.post(f"{CHECKS}/{check_id}/responses", json={"item_id": nxt["id"], "answer": right(world, nxt)}, headers=h)
    late = client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=h)
    assert late.status_code == 200 and late.json() == first.json()
    assert n_responses(world, check_id=check_id) == 2


def test_different_answer_to_an_answered_item_is_409(client, world, as_user):
    h = as_user("student")
    body = start(client, world, h).json()
    check_id, item = body["check_id"], body["item"]
    client.post(f"{CHECKS}/{check_id}/responses", json={"item_id": item["id"], "answer": right(world, item)}, headers=h)
    r = client.post(
        f"{CHECKS}/{check_id}/responses", json={"item_id": item["id"], "answer": wrong(world, item)}, headers=h
    )
    assert r.status_code == 409 and "already answered" in r.json()["detail"]
    assert n_responses(world, check_id=check_id) == 1


def test_answering_an_item_not_served_is_409(client, world, as_user):
    h = as_user("student")
    body = start(client, world, h).json()
    other = next(i for i in world.items["7.RP.A.2"] if i != body["item"]["id"] and "-sc" in i)
    r = client.post(f"{CHECKS}/{body['check_id']}/responses", json={"item_id": other, "answer": "A"}, headers=h)
    assert r.status_code == 409 and "not the item" in r.json()["detail"]
    assert n_responses(world) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"answer": "A"},  # item_id missing
        {"item_id": "x"},  # answer missing
        {"item_id": "x", "answer": {"a": 1}},  # not an answer shape
        {"item_id": "x", "answer": True},  # booleans are not numbers here
        {"item_id": "x", "answer": "A", "extra": 1},
    ],
)
def test_malformed_answer_bodies_are_422_with_fields(client, world, as_user, payload):
    h = as_user("student")
    check_id = start(client, world, h).json()["check_id"]
    r = client.post(f"{CHECKS}/{check_id}/responses", json=payload, headers=h)
    assert r.status_code == 422
    assert all("loc" in d and "msg" in d for d in r.json()["detail"])


def test_answer_of_the_wrong_form_for_the_item_is_422(client, world, as_user):
    h = as_user("student")
    body = start(client, world, h).json()
    item = body["item"]
    bad = 12.5 if item["interaction"] != "numeric_entry" else "A"
    r = client.post(f"{CHECKS}/{body['check_id']}/responses", json={"item_id": item["id"], "answer": bad}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "answer"]
    assert n_responses(world) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"student_id": 1},
        {"standard": "7.RP.A"},
        {"student_id": "x", "standard": "7.RP.A"},
        {"student_id": 1, "standard": ""},
    ],
)
def test_start_body_422(client, world, as_user, body):
    assert client.post(CHECKS, json=body, headers=as_user("admin")).status_code == 422


def test_unknown_standard_and_student_are_404(client, world, as_user):
    h = as_user("admin")
    assert (
        client.post(CHECKS, json={"student_id": world.students1[0], "standard": "9.ZZ.Q.9"}, headers=h).status_code
        == 404
    )
    assert client.post(CHECKS, json={"student_id": 99999, "standard": "7.RP.A"}, headers=h).status_code == 404
    assert client.get(f"{CHECKS}/99999", headers=h).status_code == 404
    assert client.post(f"{CHECKS}/99999/responses", json={"item_id": "a", "answer": "A"}, headers=h).status_code == 404


def test_students_only_touch_their_own_checks(client, world, as_user):
    mine = start(client, world, as_user("student")).json()
    assert start(client, world, as_user("student"), student=world.students2[0]).status_code == 403
    other = as_user("student2")
    item = mine["item"]
    r = client.post(
        f"{CHECKS}/{mine['check_id']}/responses",
        json={"item_id": item["id"], "answer": right(world, item)},
        headers=other,
    )
    assert r.status_code == 403
    assert client.get(f"{CHECKS}/{mine['check_id']}", headers=other).status_code == 403
    assert n_responses(world) == 0


def test_teacher_runs_a_check_for_own_student_only(client, world, as_user):
    h = as_user("teacher")
    assert start(client, world, h, student=world.students1[1]).status_code == 201
    assert start(client, world, h, student=world.students2[0]).status_code == 403


def test_a_new_check_does_not_repeat_recent_items(client, world, as_user):
    h = as_user("student")
    seen = set()
    for _ in range(2):
        body = start(client, world, h, standard="7.EE.B.4").json()
        item = body["item"]
        while item is not None:
            assert item["id"] not in seen
            seen.add(item["id"])
            r = client.post(
                f"{CHECKS}/{body['check_id']}/responses",
                json={"item_id": item["id"], "answer": right(world, item)},
                headers=h,
            )
            item = r.json()["next_item"]


def test_check_on_a_standard_without_items_is_422(client, world, as_user):
    h = as_user("admin")
    client.post(
        "/api/v1/standards",
        json={
            "framework": "G7",
            "code": "7.EE.B.3",
            "title": "Multi-step problems",
            "level": "objective",
            "parent_code": "7.EE.B",
        },
        headers=h,
    )
    r = client.post(CHECKS, json={"student_id": world.students1[0], "standard": "7.EE.B.3"}, headers=h)
    assert r.status_code == 422


def test_response_mastery_and_check_commit_together(world, as_user, app, monkeypatch):
    """A failure after the response is written leaves no response, no state change, no mastery."""
    from fastapi.testclient import TestClient

    import itembank.checks as checks_mod

    with TestClient(app, raise_server_exceptions=False) as client:
        h = as_user("student")
        body = start(client, world, h).json()

        def boom(*a, **k):
            raise RuntimeError("disk full")

        monkeypatch.setattr(checks_mod, "AnswerOutcome", boom)  # fails after every write of the answer
        item = body["item"]
        r = client.post(
            f"{CHECKS}/{body['check_id']}/responses",
            json={"item_id": item["id"], "answer": right(world, item)},
            headers=h,
        )
        assert r.status_code == 500
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(Response)).one() == 0
        assert s.exec(select(func.count()).select_from(Mastery)).one() == 0
        check = s.get(Check, body["check_id"])
        assert check.n_answered == 0 and check.current_item_id == item["id"]


def test_an_answer_losing_every_race_is_409(client, world, as_user, monkeypatch):
    """Three conflicting commits in a row: the client is told to try again, not given a 500."""
    import service.routers.checks as checks_router

    h = as_user("student")
    body = start(client, world, h).json()
    attempts = []

    def always_conflicts(*args, **kwargs):
        attempts.append(1)
        raise IntegrityError("INSERT INTO response", {}, Exception("duplicate key"))

    monkeypatch.setattr(checks_router, "answer_check", always_conflicts)
    item = body["item"]
    r = client.post(
        f"{CHECKS}/{body['check_id']}/responses",
        json={"item_id": item["id"], "answer": right(world, item)},
        headers=h,
    )
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "the check changed while answering; try again"
    assert len(attempts) == 3
    assert n_responses(world, check_id=body["check_id"]) == 0


def test_a_key_learned_in_one_check_is_not_taken_in_another(client, world, as_user):
    """Two checks serving the same item: the key shown as feedback in one must not score the other."""
    h = as_user("student")
    first = start(client, world, h, standard="7.RP.A.2").json()
    for _ in range(30):
        second = start(client, world, h, standard="7.RP.A.2").json()
        if second["item"]["id"] == first["item"]["id"]:
            break
    else:
        pytest.fail("no second check served the same first item")
    item = first["item"]
    shown = client.post(
        f"{CHECKS}/{first['check_id']}/responses", json={"item_id": item["id"], "answer": wrong(world, item)}, headers=h
    )
    assert shown.status_code == 200 and shown.json()["feedback"]["key"] == key_of(world, item["id"])
    r = client.post(
        f"{CHECKS}/{second['check_id']}/responses",
        json={"item_id": item["id"], "answer": shown.json()["feedback"]["key"]},
        headers=h,
    )
    assert r.status_code == 409 and "another check" in r.json()["detail"], r.text
    assert n_responses(world, check_id=second["check_id"]) == 0
