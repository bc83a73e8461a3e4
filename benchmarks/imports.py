"""Import benchmark: a district's responses file and a bad items file through ``masterycat serve``.

What it does
------------
For each backend (PostgreSQL: a fresh database on ``--pg``; SQLite: a file
under ``benchmarks/.data/``):

1. Migrates the database and seeds a bank of ``--items`` operational items
   under one learning objective, and a psychometrician login.
2. Starts ``masterycat serve`` (one process, no ``--demo``) on loopback and
   logs in through the API.
3. Uploads the responses file (``--answers`` answers, long format, generated
   once with a seeded generator under ``benchmarks/.data/``: about 50 MB for
   2 million answers) to ``POST /api/v1/responses/import`` and polls the
   import job until it is done.  Measured: the wall time from the start of
   the upload to the job's ``done`` (upload, check, write and commit), the
   server process's peak resident memory (``VmHWM`` of ``/proc``, which
   includes its resident memory before the upload, also reported), the
   rows in the database afterwards, and the latency of ``GET /api/v1/me``
   sent every 100 ms by another client while the import runs (other
   requests must not be held up) beside its latency when idle.
4. Restarts the server and uploads the items file (``--item-rows`` items
   CSV rows, about 50 MB, whose last line names an unknown objective) to
   ``POST /api/v1/items/import``: the time until the import is refused,
   and its message.

Writes a Markdown table with the machine (CPU, cores, RAM, versions, date)
and the load average before and after each run.

Run (takes a few minutes; nothing else heavy should run meanwhile)::

    .venv/bin/python -m benchmarks.imports --out benchmarks/results/imports.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from benchmarks.load import create_database, drop_database, free_port, machine, stop_server, token, wait_ready

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
PASSWORD = "benchmark password"
OBJECTIVE = "BENCH.A.1"


# -------------------------------------------------------------------- files
def item_ids(n_items: int) -> list[str]:
    return [f"BENCH-{j:05d}" for j in range(n_items)]


def responses_file(n_answers: int, n_items: int, per_student: int, seed: int) -> Path:
    """A long responses CSV: students answer ``per_student`` distinct items each (cached)."""
    path = DATA / f"responses_{n_answers}_{n_items}_{per_student}_{seed}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids = np.array(item_ids(n_items))
    n_students = -(-n_answers // per_student)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write("student_id,item_id,score\n")
        written = 0
        for start in range(0, n_students, 10_000):
            block = min(10_000, n_students - start)
            chosen = np.argsort(rng.random((block, n_items)), axis=1)[:, :per_student]
            scores = rng.integers(0, 2, (block, per_student))
            lines = []
            for s in range(block):
                sid = f"D{start + s:07d}"
                take = min(per_student, n_answers - written)
                lines.extend(f"{sid},{ids[j]},{y}\n" for j, y in zip(chosen[s, :take], scores[s, :take]))
                written += take
            fh.write("".join(lines))
    tmp.rename(path)
    return path


def items_file(n_rows: int) -> Path:
    """An items CSV of ``n_rows`` new single-choice items whose last line names an unknown objective (cached)."""
    path = DATA / f"items_bad_last_{n_rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    stem = "A train travels 120 miles in 3 hours at a constant speed. How many miles does it travel in 5 hours?"
    rationale = "The unit rate is 120 / 3 = 40 miles per hour; in 5 hours it travels 40 x 5 = 200 miles."
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,objective,interaction,stem,key,choice_A,choice_B,choice_C,choice_D,rationale,dok,status\n")
        for n in range(n_rows):
            objective = OBJECTIVE if n < n_rows - 1 else "NO.SUCH.OBJECTIVE"
            fh.write(f"NEW-{n:07d},{objective},single_choice,{stem},A,200,160,240,600,{rationale},2,draft\n")
    tmp.rename(path)
    return path


# -------------------------------------------------------------------- setup
def seed_bank(url: str, n_items: int) -> None:
    """Migrate and seed: one objective with ``n_items`` operational items, a psychometrician."""
    from sqlmodel import Session

    from itembank.db import make_engine
    from itembank.items import create_item
    from itembank.migrate import upgrade
    from itembank.people import create_user
    from itembank.standards import create_standard

    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as s:
            create_standard(s, framework="BENCH", code="BENCH", title="Benchmark", level="competency")
            create_standard(
                s, framework="BENCH", code="BENCH.A", title="Benchmark", level="indicator", parent_code="BENCH"
            )
            create_standard(
                s, framework="BENCH", code=OBJECTIVE, title="Benchmark", level="objective", parent_code="BENCH.A"
            )
            for iid in item_ids(n_items):
                create_item(
                    s,
                    id=iid,
                    objective=OBJECTIVE,
                    interaction="numeric_entry",
                    stem="What is 6 x 7?",
                    key=42,
                    status="operational",
                )
            create_user(s, username="bench", password=PASSWORD, role="psychometrician")
            s.commit()
    finally:
        engine.dispose()


def count_responses(url: str) -> int:
    from sqlalchemy import text

    from itembank.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM response")).scalar_one())
    finally:
        engine.dispose()


def start_server(url: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, MASTERYCAT_SECRET_KEY="benchmark-" + "k" * 40, MASTERYCAT_DEMO="0")
    exe = shutil.which("masterycat", path=str(ROOT / ".venv" / "bin")) or "masterycat"
    cmd = [exe, "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def memory_mb(pid: int, field_name: str) -> float:
    """``VmRSS`` or ``VmHWM`` (peak) of a process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for process {pid}")


# ------------------------------------------------------------------ probing
@dataclass
class LatencyProbe:
    """``GET /api/v1/me`` every ``interval`` seconds from another client, in a thread."""

    base: str
    headers: dict
    interval: float = 0.1
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    ok = client.get("/api/v1/me", headers=self.headers).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append((time.perf_counter() - t0) * 1000)
                self.errors += not ok
                self._stop.wait(self.interval)

    def __enter__(self) -> LatencyProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        if not self.latencies:
            return "no requests"
        ms = sorted(self.latencies)
        p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
        return f"{statistics.median(ms):.1f} / {p99:.1f} / {ms[-1]:.1f} ms ({len(ms)} requests, {self.errors} failed)"


def upload_and_follow(client: httpx.Client, path: Path, url: str, headers: dict) -> tuple[dict[str, float], dict]:
    """Upload ``path`` and poll its job to the end.

    Returns the seconds from the start of the upload at which the upload was
    answered (``uploaded``), the job was first seen writing (``writing``) and
    ended (``ended``), and the job (or the status and body of a 4xx).
    """
    t0 = time.perf_counter()
    with path.open("rb") as fh:
        r = client.post(url, files={"file": (path.name, fh, "text/csv")}, headers=headers)
    seen = {"uploaded": time.perf_counter() - t0}
    if r.status_code != 202:
        seen["ended"] = seen["uploaded"]
        return seen, {"status": r.status_code, "body": r.json()}
    location = r.headers["location"]
    while True:
        job = client.get(location, headers=headers).json()
        if job["status"] == "writing":
            seen.setdefault("writing", time.perf_counter() - t0)
        if job["status"] in ("done", "failed"):
            seen["ended"] = time.perf_counter() - t0
            return seen, job
        time.sleep(0.1)


# --------------------------------------------------------------------- runs
def run_backend(name: str, url: str, responses: Path, items: Path, n_items: int, work: Path) -> dict:
    seed_bank(url, n_items)
    out: dict = {"backend": name}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(url, port, work / f"server-{name}-responses.log")
    try:
        wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=600) as client:
            headers = {"Authorization": "Bearer " + token(client, "bench", PASSWORD)}
            with LatencyProbe(base, headers) as idle:
                time.sleep(3)
            out["idle_latency"] = idle.summary()
            out["rss_before_mb"] = memory_mb(proc.pid, "VmRSS")
            out["load_before"] = round(os.getloadavg()[0], 2)
            with LatencyProbe(base, headers) as busy:
                seconds, job = upload_and_follow(client, responses, "/api/v1/responses/import", headers)
            out["import_latency"] = busy.summary()
            out["load_after"] = round(os.getloadavg()[0], 2)
            out["responses_times"] = seconds
            out["responses_job"] = job
            out["peak_mb"] = memory_mb(proc.pid, "VmHWM")
    finally:
        stop_server(proc)
    out["rows"] = count_responses(url)
    proc = start_server(url, port, work / f"server-{name}-items.log")
    try:
        wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=600) as client:
            headers = {"Authorization": "Bearer " + token(client, "bench", PASSWORD)}
            out["items_load_before"] = round(os.getloadavg()[0], 2)
            seconds, job = upload_and_follow(client, items, "/api/v1/items/import", headers)
            out["items_seconds"] = seconds["ended"]
            out["items_job"] = job
            out["items_peak_mb"] = memory_mb(proc.pid, "VmHWM")
    finally:
        stop_server(proc)
    return out


def write_table(path: Path, results: list[dict], mach: dict, responses: Path, items: Path, args) -> None:
    size_r = responses.stat().st_size / 1e6
    size_i = items.stat().st_size / 1e6
    lines = [
        "# Imports: a district's responses file and a bad items file through `masterycat serve`",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['ram_gb']} GB RAM; Python {mach['python']}, "
        f"PostgreSQL {mach['postgresql']}, FastAPI {mach['fastapi']}, SQLAlchemy {mach['sqlalchemy']}, "
        f"uvicorn {mach['uvicorn']}; {mach['date']}.",
        "",
        f"Responses file: {args.answers:,} answers (long CSV, {size_r:.1f} MB, {args.items} items, "
        f"{args.per_student} answers a student). Items file: {args.item_rows:,} rows ({size_i:.1f} MB), the last "
        "naming an unknown objective. Server: `masterycat serve`, one process, on loopback; each upload through "
        "`httpx` from this harness, then the import job polled every 100 ms. Run: "
        "`python -m benchmarks.imports`.",
        "",
        "| backend | responses: upload to done (upload answered / writing from) | rows in DB | job report | "
        "server RSS before / peak | "
        "`GET /me` idle: p50 / p99 / max | `GET /me` during the import | items file: refused after | "
        "refusal | load avg before / after |",
        "| --- | ---: | ---: | --- | ---: | --- | --- | ---: | --- | --- |",
    ]
    for r in results:
        job = r["responses_job"]
        report = job.get("report") or job.get("error") or job.get("body")
        times = r["responses_times"]
        split = f"{times['uploaded']:.1f} s / {times['writing']:.1f} s" if "writing" in times else "n/a"
        refusal = r["items_job"].get("error") or r["items_job"].get("body")
        lines.append(
            f"| {r['backend']} | {times['ended']:.1f} s ({split}) | {r['rows']:,} | {report} | "
            f"{r['rss_before_mb']:.0f} / {r['peak_mb']:.0f} MB | {r['idle_latency']} | {r['import_latency']} | "
            f"{r['items_seconds']:.1f} s (peak {r['items_peak_mb']:.0f} MB) | {refusal} | "
            f"{r['load_before']} / {r['load_after']} |"
        )
    lines += [
        "",
        "Targets (issue 17, item 11): 2 million answers in at most 15 s and 400 MB peak on PostgreSQL, at least "
        "as good on SQLite; the 50 MB items file refused in under 10 s; other requests not held up meanwhile.",
        "",
        "The peak is the server process's high-water mark of resident memory over its life (`VmHWM`), so it "
        "includes what the process held before the upload. The load average (machine-wide, 1 minute) shows how "
        "much of the cores other work took meanwhile.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2_000_000)
    parser.add_argument("--items", type=int, default=600, help="items in the bank")
    parser.add_argument("--per-student", type=int, default=24, help="answers a student")
    parser.add_argument("--item-rows", type=int, default=200_000, help="rows of the bad items file")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "imports.md")
    args = parser.parse_args(argv)
    responses = responses_file(args.answers, args.items, args.per_student, args.seed)
    items = items_file(args.item_rows)
    work = DATA / f"imports-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    results = []
    for backend in args.backends.split(","):
        if backend == "postgresql":
            url, name = create_database(args.pg)
            try:
                results.append(run_backend("PostgreSQL", url, responses, items, args.items, work))
            finally:
                drop_database(args.pg, name)
        elif backend == "sqlite":
            url = f"sqlite:///{work / 'bank.db'}"
            results.append(run_backend("SQLite", url, responses, items, args.items, work))
        else:
            parser.error(f"unknown backend {backend!r}")
        print(results[-1], flush=True)
    write_table(args.out, results, machine(), responses, items, args)
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
