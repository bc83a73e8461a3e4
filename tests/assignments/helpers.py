"""Helpers of the assignment tests: give work and take it through the API."""

from __future__ import annotations

from sqlmodel import Session

from itembank.tables import Item

API = "/api/v1"


def items_of(world, objective: str, kind: str, n: int) -> list[str]:
    """The first ``n`` items of an interaction kind (``sc``, ``ne``, ``ms``, ``cr``) under an objective."""
    return [i for i in world.items[objective] if f"-{kind}" in i][:n]


def make_form(client, world, headers, *, versions=None, title="Quiz", purpose="quiz", team_id=None) -> dict:
    """A form picked by hand (default: two versions of three single-choice items on 7.RP.A.2)."""
    if versions is None:
        sc = items_of(world, "7.RP.A.2", "sc", 6)
        versions = {"A": sc[:3], "B": sc[3:]}
    body = {"title": title, "purpose": purpose, "standard": "7.RP.A.2", "versions": versions}
    if team_id is not None:
        body["team_id"] = team_id
    r = client.post(f"{API}/forms", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def assign(client, headers, **fields) -> dict:
    """Give an assignment; the defaults are a form to class 1 with feedback on submit and no retakes."""
    body = {"kind": "form", "feedback": "on_submit", "retakes": {"max": 0, "wait_days": 0}, **fields}
    r = client.post(f"{API}/assignments", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def keys(world, item_ids) -> dict:
    """The key of each item (read from the database, as a test may)."""
    with Session(world.engine) as s:
        return {i: s.get(Item, i).key for i in item_ids}
