"""Logging in, tokens, expiry and the login throttle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.security import InvalidToken, LoginThrottle, create_token, decode_token
from tests.service.conftest import PASSWORD, SECRET, make_settings


def login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_login_and_me(client, world):
    r = login(client, "teacher", PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 60 * 60
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": world.users["teacher"].user_id,
        "username": "teacher",
        "role": "teacher",
        "student_id": None,
        "teacher_id": world.teacher1,
    }


def test_student_me_links_student(client, world):
    token = login(client, "student", PASSWORD).json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "student" and me["student_id"] == world.students1[0]


@pytest.mark.parametrize("username,password", [("teacher", "wrong password"), ("nobody", PASSWORD)])
def test_bad_login_is_401(client, username, password):
    r = login(client, username, password)
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong username or password"


def test_login_without_a_password_is_422_naming_the_field(client):
    r = login(client, "teacher", "")
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["detail"]] == [["body", "password"]]


def test_no_token_401_and_garbage_token_401(client):
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_expired_token_is_401(client, world):
    old = datetime.now(UTC) - timedelta(hours=3)
    token = create_token(world.users["admin"], SECRET, 60, now=old)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_signed_with_another_secret_is_401(client, world):
    token = create_token(world.users["admin"], "another-secret-" + "x" * 40, 60)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_repeated_failures_lock_the_username(world):
    app = create_app(make_settings(login_max_failures=3, login_lockout_seconds=120), engine=world.engine)
    with TestClient(app) as client:
        for _ in range(3):
            assert login(client, "teacher", "wrong").status_code == 401
        locked = login(client, "teacher", PASSWORD)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        # other usernames are not affected
        assert login(client, "admin", PASSWORD).status_code == 200


def test_throttle_window_and_lockout_end():
    now = [0.0]
    throttle = LoginThrottle(max_failures=2, window=10, lockout=30, clock=lambda: now[0])
    throttle.failure("Ann")
    now[0] = 11.0  # first failure left the window
    throttle.failure("ann")
    assert throttle.retry_after("ANN") == 0
    throttle.failure("ann")
    assert throttle.retry_after("ann") == pytest.approx(30)
    now[0] = 41.5
    assert throttle.retry_after("ann") == 0


def test_throttle_forgets_failures_once_their_window_and_lockout_are_over():
    now = [0.0]
    throttle = LoginThrottle(max_failures=2, window=10, lockout=30, clock=lambda: now[0])
    throttle.failure("ann")
    throttle.failure("ann")  # locked until 30
    throttle.failure("bo")
    assert len(throttle) == 2
    now[0] = 25.0  # bo's failure left the window; ann is still locked
    throttle.failure("cy")
    assert len(throttle) == 2 and throttle.retry_after("ann") == pytest.approx(5)
    now[0] = 40.0  # ann's lockout is over, cy's failure left the window
    throttle.failure("dee")
    assert len(throttle) == 1


def test_throttle_table_stays_bounded_under_many_usernames():
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, window=300, lockout=60, max_usernames=100, clock=lambda: now[0])
    for n in range(5_000):  # a spray of distinct usernames within one window
        now[0] = n * 0.01
        throttle.failure(f"user{n}")
        assert len(throttle) <= 100
    # the most recent usernames are the ones remembered
    throttle.failure("user4999")
    throttle.failure("user4999")
    assert throttle.retry_after("user4999") == pytest.approx(60)


def test_token_round_trip_and_tamper(world):
    claims = world.users["student"]
    token = create_token(claims, SECRET, 5)
    assert decode_token(token, SECRET) == claims
    head, payload, sig = token.split(".")
    with pytest.raises(InvalidToken):
        decode_token(f"{head}.{payload}.{sig[::-1]}", SECRET)
