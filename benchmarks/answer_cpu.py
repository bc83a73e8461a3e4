"""CPU per answer inside one server process, and the engine's share of it.

The load benchmark (:mod:`benchmarks.load`) measures the whole machine, which
other work shares; this one drives the application in-process, one request
at a time, straight through its ASGI interface (no sockets, no HTTP parser),
and counts the process's CPU time per request: the server's own cost of an
answer, little disturbed by what else runs.  The same run times the engine
alone on the same bank (a check's answer step and next item, with no
database and no HTTP) as the yardstick the server's cost is compared with.

Run on a database a ``benchmarks.load --keep`` run left (demo seeded, load
students with logins)::

    .venv/bin/python -m benchmarks.answer_cpu --database masterycat_load_xxxxxxxx [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import time
import uuid

from sqlalchemy import text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"


async def _call(app, method: str, path: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    """One request through the app's ASGI interface."""
    payload = b"" if body is None else json.dumps(body).encode()
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers += [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    out: dict = {"body": b""}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], json.loads(out["body"] or b"null")


def _answer(item, correct: bool, rng: random.Random):
    key = item.key
    if correct:
        return key
    if item.interaction == "single_choice":
        return rng.choice([c["id"] for c in item.choices if c["id"] != key])
    if item.interaction == "multiple_select":
        wrong = [c["id"] for c in item.choices if c["id"] not in key]
        return sorted(set(key[1:]) | {wrong[0]}) if wrong else key[:1]
    return float(key) + rng.choice([-3.0, -1.0, 1.0, 2.0])


async def drive(app, students: list[tuple[int, str]], standards: list[str], answers: int, seed: int) -> dict:
    """Checks one after another until ``answers`` answers; CPU and wall time per request."""
    rng = random.Random(seed)
    bank = app.state.bank.live
    cpu = {"start": 0.0, "answer": 0.0}
    wall = {"start": 0.0, "answer": 0.0}
    count = {"start": 0, "answer": 0}
    turn = 0
    while count["answer"] < answers:
        sid, token = students[turn % len(students)]
        turn += 1
        headers = {"authorization": f"Bearer {token}"}
        c0, w0 = time.process_time(), time.perf_counter()
        status, body = await _call(
            app, "POST", "/api/v1/checks", {"student_id": sid, "standard": rng.choice(standards)}, headers
        )
        cpu["start"] += time.process_time() - c0
        wall["start"] += time.perf_counter() - w0
        count["start"] += 1
        if status != 201:
            raise RuntimeError(f"start: {status} {body}")
        check_id, item = body["check_id"], body["item"]
        while item is not None and count["answer"] < answers:
            content = bank.content[item["id"]]
            payload = {"item_id": item["id"], "answer": _answer(content, rng.random() < 0.6, rng)}
            c0, w0 = time.process_time(), time.perf_counter()
            status, result = await _call(app, "POST", f"/api/v1/checks/{check_id}/responses", payload, headers)
            cpu["answer"] += time.process_time() - c0
            wall["answer"] += time.perf_counter() - w0
            count["answer"] += 1
            if status != 200:
                raise RuntimeError(f"answer: {status} {result}")
            item = result["next_item"]
    return {k: {"n": count[k], "cpu_ms": 1000 * cpu[k] / count[k], "wall_ms": 1000 * wall[k] / count[k]} for k in cpu}


def engine_step_ms(bank, steps: int = 400, seed: int = 3) -> float:
    """The engine alone: CPU ms of one answer step (estimate, stopping rule, next item) on ``bank``."""
    import numpy as np

    from engine.adaptive import check as adaptive_check
    from itembank.checks import CHECK_POLICY

    rng = np.random.default_rng(seed)
    standards = [sid for sid in bank.standards if bank.objectives_under(sid)]
    done_steps, cpu = 0, 0.0
    while done_steps < steps:
        sid = int(rng.choice(standards))
        state = adaptive_check.start(
            bank.adaptive,
            standard=str(sid),
            policy=CHECK_POLICY,
            objectives=bank.objectives_under(sid),
            bands=bank.scheme(sid),
            seed=int(rng.integers(2**31)),
        )
        state, item = adaptive_check.next_item(bank.adaptive, state)
        while item is not None and done_steps < steps:
            c0 = time.process_time()
            step = adaptive_check.answer(bank.adaptive, state, item, int(rng.random() < 0.6))
            cpu += time.process_time() - c0
            done_steps += 1
            state, item = step.state, step.next_item
    return 1000 * cpu / done_steps


async def main_async(args) -> None:
    from service.app import create_app
    from service.security import TokenClaims, create_token
    from service.settings import Settings

    url = ADMIN_URL + args.database
    secret = uuid.uuid4().hex * 2
    app = create_app(Settings(database_url=url, secret_key=secret, demo=True, db_pool_size=4))
    async with app.router.lifespan_context(app):
        with app.state.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, username, student_id FROM \"user\" WHERE role = 'student' AND active "
                    "AND username LIKE 'load%' ORDER BY id LIMIT 200"
                )
            ).all()
            versions = dict(conn.execute(text('SELECT id, token_version FROM "user"')).all())
        bank = app.state.bank.live
        standards = sorted(
            code
            for sid, (code, level, _parent) in bank.standards.items()
            if level == "objective" and bank.objectives_under(sid)
        )
        students = [
            (sid, create_token(TokenClaims(uid, name, "student", sid, None, versions[uid]), secret, 120))
            for uid, name, sid in rows
        ]
        if not students:
            raise SystemExit("no load students in this database: run benchmarks.load --keep on it first")
        await drive(app, students, standards, 100, args.seed)  # warm up: prepared statements, caches
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        result = await drive(app, students, standards, args.answers, args.seed + 1)
        if profiler:
            profiler.disable()
        result["engine_step_cpu_ms"] = engine_step_ms(bank)
        print(json.dumps(result))
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", required=True, help="a database of the local PostgreSQL a load run kept")
    ap.add_argument("--answers", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="print the cProfile of the measured requests")
    ap.add_argument("--top", type=int, default=45)
    asyncio.run(main_async(ap.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
