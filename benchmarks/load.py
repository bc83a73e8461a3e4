"""Load benchmark: simulated students answering adaptive checks against ``masterycat serve``.

What it does
------------
1. Creates a fresh PostgreSQL database (``--pg`` names the server and an
   existing database to connect to for ``CREATE DATABASE``), and starts
   ``masterycat serve --demo`` on it (the demo district: a calibrated bank of
   about 450 Grade 7 items, a school of 75 students), on loopback.
2. Creates ``--pool`` students with logins (through the API, as the admin);
   their tokens are signed with the server secret the harness set.
3. Runs each scenario: ``--students`` seats (asyncio tasks, httpx, one
   connection each) on which the pool's students take turns, one adaptive
   check each, on the demo's learning objectives.  Each answer is drawn from the student's true
   ability and the item's live parameters (read through the API by the
   psychometrician before the run), so the checks run their natural
   course.  The measured latency is that of ``POST /checks/{id}/responses``
   (scoring, response row, check state, mastery, commit, and the next
   item).  A student waits ``--think`` seconds between answers (0: closed
   loop, as fast as the server allows).  A share of answers (``--resubmit``)
   is sent twice, to exercise idempotency under load.
4. Counts, in the database afterwards, the response rows of every check the
   run started: every acknowledged answer must be there exactly once
   (``lost`` = acknowledged but absent, ``duplicated`` = more than one row
   per check and item, ``extra`` = rows never acknowledged).
5. Writes a Markdown table with the machine (CPU model, cores, RAM, Python,
   PostgreSQL and library versions, date, load average).

Run (takes about two minutes)::

    .venv/bin/python -m benchmarks.load --out benchmarks/results/load.md

Nothing else heavy should run at the same time: the server, PostgreSQL and
the load generator share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(admin_url: str) -> tuple[str, str]:
    """A fresh database next to ``admin_url``; returns (its URL, its name)."""
    import psycopg

    name = f"masterycat_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(url: str, port: int, workers: int, log: Path, secret: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, MASTERYCAT_SECRET_KEY=secret, MASTERYCAT_DB_POOL_SIZE="20")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # this checkout's code
    exe = shutil.which("masterycat", path=str(ROOT / ".venv" / "bin")) or "masterycat"
    cmd = [exe, "serve", "--demo", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not come up")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# ------------------------------------------------------------------ setup
def token(client: httpx.Client, username: str, password: str) -> str:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    r.raise_for_status()
    return r.json()["access_token"]


@dataclass
class Bank:
    """What the simulated students need to answer like real ones."""

    items: dict  # item id -> full item (key, choices)
    params: dict  # item id -> (a, b)


def load_bank(client: httpx.Client, headers: dict) -> Bank:
    items = {}
    offset = 0
    while True:
        page = client.get(f"/api/v1/items?limit=200&offset={offset}", headers=headers).json()
        items.update({it["id"]: it for it in page["items"]})
        offset += 200
        if offset >= page["total"]:
            break
    live = next(c for c in client.get("/api/v1/calibrations", headers=headers).json()["items"] if c["live"])
    params = {}
    offset = 0
    while True:
        rows = client.get(
            f"/api/v1/calibrations/{live['id']}/parameters?limit=200&offset={offset}", headers=headers
        ).json()
        params.update({p["item_id"]: (p["a"], p["b"]) for p in rows if p["b"] is not None})
        offset += 200
        if len(rows) < 200:
            break
    return Bank(items, params)


def student_pool(client: httpx.Client, admin: dict, size: int, secret: str) -> list[tuple[int, str]]:
    """``size`` students with logins (created through the API) and their tokens.

    The tokens are signed here with the server's secret, which this harness
    set, instead of ``size`` password logins (Argon2 is slow on purpose).
    """
    from service.security import TokenClaims, create_token

    pool = []
    run = uuid.uuid4().hex[:6]  # a run on a kept database adds students of its own
    for n in range(size):
        ext = f"LOAD{run}{n:05d}"
        r = client.post(
            "/api/v1/students",
            json={"external_id": ext, "first_name": "Load", "last_name": f"Student {n}", "grade": 7},
            headers=admin,
        )
        r.raise_for_status()
        sid = r.json()["id"]
        u = client.post(
            "/api/v1/users",
            json={"username": f"load{run}{n}", "password": f"load-password-{n}", "role": "student", "student_id": sid},
            headers=admin,
        )
        u.raise_for_status()
        claims = TokenClaims(u.json()["id"], f"load{run}{n}", "student", sid, None)
        pool.append((sid, create_token(claims, secret, 120)))
    return pool


def objectives(client: httpx.Client, headers: dict) -> list[str]:
    rows = client.get("/api/v1/standards?level=objective&limit=200", headers=headers).json()["items"]
    return [r["code"] for r in rows]


# -------------------------------------------------------------------- load
@dataclass
class Tally:
    latencies: list = field(default_factory=list)
    first_starts: list = field(default_factory=list)  # each seat's first check start, all sent at once
    acknowledged: set = field(default_factory=set)  # (check_id, item_id)
    checks: set = field(default_factory=set)
    errors: dict = field(default_factory=dict)
    resubmits: int = 0
    resubmit_mismatch: int = 0


def choose_answer(item: dict, correct: bool, rng: random.Random):
    key = item["key"]
    if correct:
        return key
    kind = item["interaction"]
    if kind == "single_choice":
        return rng.choice([c["id"] for c in item["choices"] if c["id"] != key])
    if kind == "multiple_select":
        wrong = [c["id"] for c in item["choices"] if c["id"] not in key]
        return sorted(set(key[1:]) | {wrong[0]}) if wrong else key[:1]
    return float(key) + rng.choice([-3.0, -1.0, 1.0, 2.0])


class _AiohttpClient:
    """One keep-alive connection (aiohttp: the lighter client, so the server gets the CPU)."""

    def __init__(self, base: str):
        import aiohttp

        self._session = aiohttp.ClientSession(
            base_url=base, connector=aiohttp.TCPConnector(limit=1), timeout=aiohttp.ClientTimeout(total=30)
        )

    async def post(self, path: str, payload: dict, headers: dict) -> tuple[int, dict]:
        import aiohttp

        try:
            return await self._post(path, payload, headers)
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
            # the server closed the idle keep-alive connection (uvicorn: after 5 s) as we sent: send again,
            # as a browser does (an identical answer replays its result; a repeated start adds one more check)
            return await self._post(path, payload, headers)

    async def _post(self, path: str, payload: dict, headers: dict) -> tuple[int, dict]:
        async with self._session.post(path, json=payload, headers=headers) as r:
            return r.status, await r.json()

    async def close(self) -> None:
        await self._session.close()


class _HttpxClient:
    """One keep-alive connection with httpx."""

    def __init__(self, base: str):
        self._client = httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1))

    async def post(self, path: str, payload: dict, headers: dict) -> tuple[int, dict]:
        r = await self._client.post(path, json=payload, headers=headers)
        return r.status_code, r.json()

    async def close(self) -> None:
        await self._client.aclose()


CLIENTS = {"aiohttp": _AiohttpClient, "httpx": _HttpxClient}


async def student_loop(
    base, seat, pool, standards, bank, tally, deadline, think, resubmit, seed, warmup_until, client_kind
):
    """One seat: students of the pool take turns (one check each) on this seat."""
    rng = random.Random(seed)
    client = CLIENTS[client_kind](base)
    try:
        turn = 0
        while time.perf_counter() < deadline:
            student_id, tok = pool[(seat + turn * 50) % len(pool)]
            turn += 1
            theta = random.Random(student_id).gauss(0.2, 1.0)
            headers = {"Authorization": f"Bearer {tok}"}
            t_start = time.perf_counter()
            status, body = await client.post(
                "/api/v1/checks", {"student_id": student_id, "standard": rng.choice(standards)}, headers
            )
            if turn == 1:
                tally.first_starts.append(time.perf_counter() - t_start)
            if status != 201:
                tally.errors[f"start {status}"] = tally.errors.get(f"start {status}", 0) + 1
                await asyncio.sleep(0.05)
                continue
            check_id, item = body["check_id"], body["item"]
            tally.checks.add(check_id)
            while item is not None and time.perf_counter() < deadline:
                if think:
                    await asyncio.sleep(rng.expovariate(1.0 / think))
                full = bank.items[item["id"]]
                a, b = bank.params.get(item["id"], (1.0, 0.0))
                p = 1.0 / (1.0 + np.exp(-a * (theta - b)))
                payload = {"item_id": item["id"], "answer": choose_answer(full, rng.random() < p, rng)}
                t0 = time.perf_counter()
                status, result = await client.post(f"/api/v1/checks/{check_id}/responses", payload, headers)
                dt = time.perf_counter() - t0
                if status != 200:
                    tally.errors[f"answer {status}"] = tally.errors.get(f"answer {status}", 0) + 1
                    break
                if t0 >= warmup_until:
                    tally.latencies.append(dt)
                tally.acknowledged.add((check_id, item["id"]))
                if rng.random() < resubmit:
                    again_status, again = await client.post(f"/api/v1/checks/{check_id}/responses", payload, headers)
                    tally.resubmits += 1
                    if again_status != 200 or again != result:
                        tally.resubmit_mismatch += 1
                item = result["next_item"]
    finally:
        await client.close()


async def run_scenario(base, pool, standards, bank, students, seconds, think, resubmit, seed, client_kind, warmup=3.0):
    tally = Tally()
    start = time.perf_counter()
    deadline = start + warmup + seconds
    tasks = [
        student_loop(
            base,
            seat,
            pool,
            standards,
            bank,
            tally,
            deadline,
            think,
            resubmit,
            seed * 1000 + seat,
            start + warmup,
            client_kind,
        )
        for seat in range(students)
    ]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start - warmup
    return tally, elapsed


def count_rows(url: str, check_ids: set) -> tuple[int, set, int]:
    """(rows, distinct (check, item) pairs, duplicated pairs) of the run's checks."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT check_id, item_id, count(*) FROM response WHERE check_id = ANY(%s) AND source = 'check' GROUP BY 1, 2",
            (sorted(check_ids),),
        ).fetchall()
    pairs = {(c, i) for c, i, _ in rows}
    return sum(n for _, _, n in rows), pairs, sum(1 for *_, n in rows if n > 1)


# ------------------------------------------------------------ CPU usage
def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def process_cpu(server_pgid: int, database: str) -> dict:
    """CPU seconds so far of the server's processes and of our PostgreSQL backends."""
    server = postgres = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if os.getpgid(pid) == server_pgid:
                server += _cpu_seconds(pid)
                continue
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ProcessLookupError):
            continue
        if cmd.startswith("postgres:") and f" {database} " in cmd:
            postgres += _cpu_seconds(pid)
    return {"server": server, "postgres": postgres, "client": time.process_time()}


# ---------------------------------------------------------------- machine
def machine() -> dict:
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        except Exception:  # noqa: BLE001
            return ""

    model = next(
        (ln.split(":", 1)[1].strip() for ln in sh(["lscpu"]).splitlines() if ln.startswith("Model name")),
        platform.processor(),
    )
    mem = next(
        (ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "0"
    )
    import fastapi
    import sqlalchemy
    import uvicorn

    pg = sh(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version", "test"]).strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg or "?",
        "fastapi": fastapi.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "uvicorn": uvicorn.__version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -------------------------------------------------------------------- main
def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL server and an existing database",
    )
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    ap.add_argument("--students", default="50", help="concurrent students per scenario, comma-separated")
    ap.add_argument(
        "--think", default="0.1,0", help="mean think time (s) per scenario, comma-separated (0: closed loop)"
    )
    ap.add_argument("--seconds", type=float, default=30.0, help="measured seconds per scenario (after 3 s warm-up)")
    ap.add_argument("--resubmit", type=float, default=0.05, help="share of answers sent twice")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pool", type=int, default=100, help="students taking turns on the seats")
    ap.add_argument(
        "--client", choices=sorted(CLIENTS), default="aiohttp", help="HTTP client of the simulated students"
    )
    ap.add_argument("--out", type=Path, default=None, help="Markdown table to write")
    ap.add_argument("--keep", action="store_true", help="keep the database")
    ap.add_argument(
        "--database",
        default=None,
        help="run on this existing database of the --pg server (one a --keep run left, demo already seeded) and keep it",
    )
    args = ap.parse_args(argv)

    # a SIGTERM ends the run through the finally below (server stopped, database dropped)
    signal.signal(signal.SIGTERM, _interrupt)
    if args.database:
        url, name = args.pg.rsplit("/", 1)[0] + "/" + args.database, args.database
        args.keep = True
    else:
        url, name = create_database(args.pg)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path("/tmp") / f"masterycat-load-{port}.log"
    secret = uuid.uuid4().hex * 2
    proc = start_server(url, port, args.workers, log, secret)
    results = []
    try:
        print(f"seeding the demo district in {name} and starting {args.workers} worker(s)...", file=sys.stderr)
        wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=60) as client:
            admin = {"Authorization": f"Bearer {token(client, 'admin', 'demo')}"}
            psych = {"Authorization": f"Bearer {token(client, 'psychometrician', 'demo')}"}
            bank = load_bank(client, psych)
            standards = objectives(client, admin)
            pool = student_pool(client, admin, args.pool, secret)
        scenarios = [(int(s), float(t)) for s in args.students.split(",") for t in args.think.split(",")]
        for n, (students, think) in enumerate(scenarios):
            load0 = os.getloadavg()[0]
            cpu0 = process_cpu(proc.pid, name)
            tally, elapsed = asyncio.run(
                run_scenario(
                    base,
                    pool,
                    standards,
                    bank,
                    students,
                    args.seconds,
                    think,
                    args.resubmit,
                    args.seed + n,
                    args.client,
                )
            )
            cpu1 = process_cpu(proc.pid, name)
            rows, pairs, dup = count_rows(url, tally.checks)
            served = max(len(tally.acknowledged) + tally.resubmits + len(tally.checks), 1)
            lat = np.array(tally.latencies) * 1000
            rec = {
                "students": students,
                "think_s": think,
                "answers": len(tally.latencies),
                "answers_per_s": len(tally.latencies) / elapsed,
                "p50_ms": float(np.percentile(lat, 50)) if lat.size else float("nan"),
                "p90_ms": float(np.percentile(lat, 90)) if lat.size else float("nan"),
                "p99_ms": float(np.percentile(lat, 99)) if lat.size else float("nan"),
                "checks": len(tally.checks),
                "first_start_p99_ms": float(np.percentile(tally.first_starts, 99)) * 1000
                if tally.first_starts
                else None,
                "first_start_max_ms": max(tally.first_starts) * 1000 if tally.first_starts else None,
                "acknowledged": len(tally.acknowledged),
                "rows": rows,
                "lost": len(tally.acknowledged - pairs),
                "duplicated": dup,
                "extra": len(pairs - tally.acknowledged),
                "resubmits": tally.resubmits,
                "resubmit_mismatch": tally.resubmit_mismatch,
                "errors": dict(tally.errors),
                # a backend that exits during the run takes its CPU time with it: negative means unknown
                "cpu_ms_per_request": {
                    k: (round(1000 * (cpu1[k] - cpu0[k]) / served, 2) if cpu1[k] >= cpu0[k] else None) for k in cpu0
                },
                "load_before": round(load0, 2),
                "load_after": round(os.getloadavg()[0], 2),
            }
            results.append(rec)
            print(json.dumps(rec), file=sys.stderr)
    finally:
        stop_server(proc)
        if not args.keep:
            drop_database(args.pg, name)
    if args.out:
        write_table(args.out, results, machine(), args)
    return 0


def write_table(path: Path, results: list, mach: dict, args) -> None:
    lines = [
        "# Load: adaptive checks against `masterycat serve` on PostgreSQL",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['ram_gb']} GB RAM; Python {mach['python']}, "
        f"PostgreSQL {mach['postgresql']}, FastAPI {mach['fastapi']}, SQLAlchemy {mach['sqlalchemy']}, "
        f"uvicorn {mach['uvicorn']}; {mach['date']}.",
        "",
        f"Server: `masterycat serve --demo --workers {args.workers}` on loopback (demo district, PostgreSQL in "
        + ("a fresh database" if not args.database else "a database kept from an earlier run, with its checks")
        + "); "
        f"load generator: `python -m benchmarks.load --client {args.client}` (asyncio, one keep-alive connection per seat) on the same machine. "
        f"{args.seconds:.0f} s measured per row after a 3 s warm-up; {100 * args.resubmit:.0f} % of answers sent twice. "
        "Latency: `POST /api/v1/checks/{id}/responses` (score, response row, check state and mastery committed, next item chosen).",
        "",
        "| students | think time (mean) | answers/s | p50 ms | p90 ms | p99 ms | first item: p99 / max ms | checks | answers acknowledged | rows in DB | lost | duplicated | resubmits (mismatched) | errors | CPU ms per request: server / PostgreSQL / load generator | load avg before/after |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        think = "none (closed loop)" if r["think_s"] == 0 else f"{r['think_s'] * 1000:.0f} ms"
        errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "none"
        lines.append(
            f"| {r['students']} | {think} | {r['answers_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['first_start_p99_ms']:.0f} / {r['first_start_max_ms']:.0f} | "
            f"{r['checks']} | {r['acknowledged']} | {r['rows']} | {r['lost']} | {r['duplicated']} | "
            f"{r['resubmits']} ({r['resubmit_mismatch']}) | {errors} | "
            + " / ".join(
                "n/a" if r["cpu_ms_per_request"][k] is None else str(r["cpu_ms_per_request"][k])
                for k in ("server", "postgres", "client")
            )
            + " | "
            f"{r['load_before']} / {r['load_after']} |"
        )
    lines += [
        "",
        "Targets (issue 13): server CPU per answer <= 2.0 ms; closed loop >= 500 answers/s; 1,000 students with a 5 s mean "
        "think time p99 <= 50 ms; 200 students starting checks in the same second each with a first item within 1 s "
        "(every seat sends its first check start at the same moment: 'first item' is that request's latency); "
        "0 lost or duplicated responses, identical resubmits.",
        "",
        "CPU per request counts every request of the run (check starts, answers, resubmits) against the CPU time "
        "the server's processes, this run's PostgreSQL backends and the load generator used; the load average "
        "(machine-wide, 1 minute) shows how much of the 2 cores other work on the machine took meanwhile. "
        "PostgreSQL's share is approximate (backends that exit during a run are not counted; n/a when that made it negative).",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
