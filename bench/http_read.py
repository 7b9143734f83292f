"""HTTP reads through ``policyvault serve`` against a bare Starlette endpoint returning the same
JSON, under a load generator on loopback, measured in the same run.

    python bench/http_read.py [--subjects N] [--duration S] [--rounds R] [--database postgres]

A sandbox vault (the Megazone CloudPlex policy) in a temporary home gets N product inquiries
through ``Vault.collect``; a service actor gets an API key and a grant for ``product.inquiry``.
Two servers listen on loopback, one uvicorn process each, started alike:

- ``policyvault serve --sweep-every 0 --requests-every 0``: POST /v1/subjects/{id}/read;
- a bare Starlette app on the same path (``uvicorn.run`` as ``serve`` calls it) that reads the
  request body and returns from a dict the bytes PolicyVault returned for that subject (fetched
  once per subject through ``policyvault serve`` before timing).

A load generator in a process of its own (asyncio and httpx, HTTP/1.1 keep-alive, C connections,
C requests in flight) reads random subjects for W seconds of warm-up, then D timed seconds, and
checks every response against the expected bytes. The targets take turns (PolicyVault, bare,
PolicyVault, bare, ...) for R rounds; each figure is the median of rounds. The generator shares
the machine's CPUs with the server: both processes' CPU time is recorded.
Results: bench/results/http_read.json (http_read_postgres.json with --database postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
import vault_throughput as vt
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from policyvault.bootstrap import api_keys, init_vault, open_vault
from policyvault.domain.audit import Actor

READER = Actor(id="bench-http-reader-1", role="service")  # the API key's actor, granted PURPOSE
READ_BODY = json.dumps({"items": list(vt.READ_ITEMS), "purpose": vt.PURPOSE}).encode()
GOAL = 0.60  # PolicyVault's throughput over the bare app's (the goal; reported only)
SAMPLE = 50  # subjects both servers must answer alike before timing
# uvicorn.run's logging arguments, the same for both servers. "serve": what `policyvault serve`
# passes (log level info, access log on). "quiet": warning, no access log; serve has no option
# for it, so its uvicorn.run is wrapped (QUIET_SERVE) and the command is otherwise the same.
LOGS: dict[str, dict[str, Any]] = {
    "serve": {"log_level": "info"},
    "quiet": {"log_level": "warning", "access_log": False},
}
QUIET_SERVE = """import sys, uvicorn
_run = uvicorn.run
uvicorn.run = lambda app, **kw: _run(app, **{**kw, "log_level": "warning", "access_log": False})
from policyvault.cli.main import main
sys.argv[0] = "policyvault"
main()
"""

console = Console(highlight=False)


# --- the two servers -----------------------------------------------------------------------------


def clean_environ() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POLICYVAULT_")}
    return {**environ, "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    name: str
    base: str
    pid: int


@contextmanager
def running(name: str, command: list[str], port: int, log: Path) -> Iterator[Server]:
    """``command``, a server on ``port`` with its output in ``log``, until the block ends."""
    with log.open("w") as sink:
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            command, stdout=sink, stderr=subprocess.STDOUT, env=clean_environ()
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):  # a minute
                if process.poll() is not None or _health(base) == 200:
                    break
                time.sleep(0.1)
            if process.poll() is not None or _health(base) != 200:
                raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')}")
            yield Server(name, base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _health(base: str) -> int | None:
    try:
        return httpx.get(f"{base}/v1/health", timeout=1).status_code
    except httpx.TransportError:
        return None


def serve_command(home: Path, port: int, logs: str) -> list[str]:
    exe = shutil.which("policyvault", path=str(Path(sys.executable).parent))
    if exe is None:
        raise RuntimeError("the policyvault console script is not installed beside this Python")
    args = ["serve", "--home", str(home), "--port", str(port)]
    args += ["--sweep-every", "0", "--requests-every", "0"]
    return [exe, *args] if logs == "serve" else [sys.executable, "-c", QUIET_SERVE, *args]


def serve_bare(bodies_file: Path, port: int, logs: str) -> None:
    """The baseline (this script with --serve-bare): the same path, the bytes from a dict."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bodies = {k: v.encode() for k, v in json.loads(bodies_file.read_text()).items()}

    async def read(request: Request) -> Response:
        await request.body()
        body = bodies.get(request.path_params["subject_id"])
        if body is None:
            return Response(b'{"error":"not_found"}', 404, media_type="application/json")
        return Response(body, media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    routes = [Route("/v1/subjects/{subject_id}/read", read, methods=["POST"])]
    app = Starlette(routes=[*routes, Route("/v1/health", health)])
    uvicorn.run(app, host="127.0.0.1", port=port, **LOGS[logs])


# --- the vault -----------------------------------------------------------------------------------


def make_vault(home: Path, database_url: str | None, subjects: int) -> tuple[str, list[str]]:
    """A sandbox vault with ``subjects`` inquiries collected: the reader's API key, the ids."""
    environ = clean_environ()
    init_vault(home, vt.POLICY, database_url=database_url, sandbox=True, environ=environ)
    runtime = open_vault(home, environ)
    try:
        vault, workload = runtime.vault, vt.Workload(runtime.policy)
        collect = vault.collect
        ids = [
            collect(vt.POINT, i.values, workload.consents, vt.EVIDENCE, vt.SERVICE).subject_id
            for i in workload.inquiries(subjects)
        ]
        vault.grant(READER.id, vt.PURPOSE, vt.ADMIN)
        _, secret = api_keys(runtime.config).create(READER.role, READER.id, datetime.now(UTC))
    finally:
        runtime.close()
    return secret, ids


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema on the server at ``url``, dropped afterwards; yields the vault's URL."""
    import psycopg

    schema = f"pv_bench_http_{uuid.uuid4().hex[:10]}"
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with_path = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield with_path.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def read_all(server: Server, headers: dict[str, str], ids: Sequence[str]) -> list[httpx.Response]:
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as client:
        return [client.post(f"/v1/subjects/{s}/read", content=READ_BODY) for s in ids]


def check_same(pv: Server, bare: Server, headers: dict[str, str], ids: Sequence[str]) -> None:
    """Both servers answer with the same status, content type and bytes."""
    both = zip(ids, read_all(pv, headers, ids), read_all(bare, headers, ids), strict=True)
    for subject, *answers in both:
        if len({(r.status_code, r.headers.get("content-type"), r.content) for r in answers}) > 1:
            raise RuntimeError(f"the servers answer {subject} differently: {answers}")


# --- the load generator (a process of its own) ---------------------------------------------------


@dataclass(frozen=True)
class Load:
    bases: tuple[str, ...]  # one target, or several processes of it: loop n uses bases[n % k]
    headers: dict[str, str]
    expected: dict[str, bytes]  # subject id -> response body
    concurrency: int
    warmup: float
    duration: float
    seed: int
    server_pids: tuple[int, ...]


def process_cpu_seconds(pid: int) -> float | None:
    """User + system time of a process, all its threads (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(ordered: Sequence[float], share: float) -> float | None:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else None


async def drive(load: Load) -> dict[str, Any]:
    """``concurrency`` loops, each with a client of its own and one keep-alive connection (one
    pool shared by as many requests costs httpx far more CPU: encode/httpx#3215)."""
    subjects, clock = list(load.expected), time.perf_counter
    latencies: list[float] = []  # of the requests answered 200 in the timed window
    window: Counter[str] = Counter()  # outcome -> requests answered in the window
    late: Counter[str] = Counter()  # ... answered after it (a long tail, or stuck requests)
    start = clock() + load.warmup
    end = start + load.duration
    cpu: dict[str, tuple[float, float, float | None]] = {}  # wall, generator, server CPU

    async def worker(number: int) -> None:
        rng = random.Random(load.seed * 1000 + number)  # noqa: S311 (which subject, not secrets)
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=load.bases[number % len(load.bases)],
            headers=load.headers,
            limits=limits,
            timeout=60,
        ) as client:
            while clock() < end:
                subject, began = rng.choice(subjects), clock()
                try:
                    response = await client.post(f"/v1/subjects/{subject}/read", content=READ_BODY)
                    outcome = (
                        "ok" if response.status_code == 200 else f"HTTP {response.status_code}"
                    )
                    if outcome == "ok" and response.content != load.expected[subject]:
                        outcome = "mismatch"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                done = clock()
                if done > end:
                    late[outcome] += 1
                elif done >= start:
                    window[outcome] += 1
                    if outcome == "ok":
                        latencies.append(done - began)

    async def sample() -> None:
        for mark, at in (("start", start), ("end", end)):
            await asyncio.sleep(max(0.0, at - clock()))
            cpu[mark] = (clock(), time.process_time(), _servers_cpu(load.server_pids))

    await asyncio.gather(sample(), *(worker(n) for n in range(load.concurrency)))
    ordered = sorted(latencies)
    errors = {k: n for k, n in window.items() if k != "ok"}

    def cpu_share(index: int) -> float | None:  # CPU seconds per second of the timed window
        first, last = cpu["start"][index], cpu["end"][index]
        if first is None or last is None:
            return None
        return round((last - first) / (cpu["end"][0] - cpu["start"][0]), 2)

    return {
        "requests": len(ordered),
        "requests_per_second": round(len(ordered) / load.duration, 1),
        "latency_ms": {
            name: None if (v := percentile(ordered, q)) is None else round(v * 1000, 2)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "answered_after_window": dict(late),
        "server_cpu_share": cpu_share(2),
        "generator_cpu_share": cpu_share(1),
        "generator_cpu_seconds_total": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 2),
    }


def _servers_cpu(pids: Sequence[int]) -> float | None:
    """The CPU seconds of every process of a target (None when one cannot be read)."""
    seconds = [process_cpu_seconds(pid) for pid in pids]
    return None if any(s is None for s in seconds) else sum(s for s in seconds if s is not None)


def generate(load: Load, conn: Any) -> None:
    conn.send(asyncio.run(drive(load)))
    conn.close()


def measure(load: Load) -> dict[str, Any]:
    """One run of the generator in a fresh process (spawned: no GIL, no state shared)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=generate, args=(load, send), name="http-load")
    process.start()
    send.close()
    try:
        if not receive.poll(load.warmup + load.duration + 120):
            raise RuntimeError("the load generator did not report")
        figures: dict[str, Any] = receive.recv()
    finally:
        process.join(30)
        if process.is_alive():
            process.kill()
    if "mismatch" in figures["error_kinds"] or "mismatch" in figures["answered_after_window"]:
        raise RuntimeError(f"{load.bases[0]} answered bytes other than PolicyVault's")
    return figures


# --- the run and the report ----------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path, stack: ExitStack) -> dict[str, Any]:
    """The vault, both servers, the check, then the rounds; the database's settings too."""
    database: dict[str, Any] = {"engine": args.database}
    url = None
    if args.database == "postgres":
        server = args.postgres_url or os.environ.get(
            "POLICYVAULT_TEST_POSTGRES_URL", vt.DEFAULT_POSTGRES
        )
        if problem := vt.postgres_reachable(server):
            raise SystemExit(f"error: {problem}")
        url = stack.enter_context(postgres_schema(server))
        database["host"] = make_url(server).host
    else:
        database.update(directory=str(workdir), filesystem=vt.filesystem(workdir))
    console.print(f"collecting {args.subjects} subjects into a sandbox vault ({args.database})")
    secret, ids = make_vault(workdir / "vault", url, args.subjects)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    servers = []
    for number in range(args.processes):
        # Several processes of `serve` on one PostgreSQL vault: the scale-out of docs/deploy.md
        port = free_port()
        command = serve_command(workdir / "vault", port, args.logs)
        log = workdir / f"serve-{number}.log"
        servers.append(stack.enter_context(running("policyvault", command, port, log)))
    pv = servers[0]
    expected = {}
    for subject, response in zip(ids, read_all(pv, headers, ids), strict=True):
        if response.status_code != 200:
            raise RuntimeError(f"PolicyVault answered {response.status_code}: {response.text}")
        expected[subject] = response.content
    bodies = workdir / "bodies.json"
    bodies.write_text(json.dumps({k: v.decode() for k, v in expected.items()}))
    port = free_port()
    command = [sys.executable, __file__, "--serve-bare", str(bodies), "--port", str(port)]
    bare = stack.enter_context(
        running("bare", [*command, "--logs", args.logs], port, workdir / "bare.log")
    )
    sample = random.Random(3).sample(ids, min(SAMPLE, len(ids)))  # noqa: S311
    check_same(pv, bare, headers, sample)
    console.print(f"both servers answer the same bytes for {len(sample)} subjects")

    rounds: dict[str, list[dict[str, Any]]] = {"policyvault": [], "bare": []}
    load = Load((), headers, expected, args.concurrency, args.warmup, args.duration, 0, ())
    targets = {
        "policyvault": (tuple(s.base for s in servers), tuple(s.pid for s in servers)),
        "bare": ((bare.base,), (bare.pid,)),
    }
    for number in range(args.rounds):
        for target in (pv, bare):
            bases, pids = targets[target.name]
            figures = measure(replace(load, bases=bases, seed=number, server_pids=pids))
            rounds[target.name].append(figures)
            failed = Counter(figures["error_kinds"]) + Counter(figures["answered_after_window"])
            del failed["ok"]
            console.print(
                f"  round {number + 1}/{args.rounds} {target.name}: "
                f"{figures['requests_per_second']:,.0f} req/s, p99 "
                f"{figures['latency_ms']['p99']} ms"
                + (f", FAILED: {dict(failed)}" if failed else "")
            )
    return {"database": database, "sample": len(sample), "rounds": rounds}


def median_of(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def med(values: list[Any]) -> Any:
        present = [v for v in values if v is not None]
        return round(statistics.median(present), 2) if present else None

    late: Counter[str] = sum((Counter(r["answered_after_window"]) for r in rounds), Counter())
    return {
        "requests_per_second": med([r["requests_per_second"] for r in rounds]),
        "latency_ms": {
            q: med([r["latency_ms"][q] for r in rounds]) for q in ("p50", "p90", "p99", "max")
        },
        "errors": sum(r["errors"] for r in rounds),
        "answered_after_window": dict(late),
        "failed": sum(r["errors"] for r in rounds) + sum(n for k, n in late.items() if k != "ok"),
        **{k: med([r[k] for r in rounds]) for k in ("server_cpu_share", "generator_cpu_share")},
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def print_table(summary: dict[str, Any], ratios: dict[str, Any], met: bool, title: str) -> None:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.{1 if value < 100 else 0}f}"

    table = Table(title=title, caption="latency in ms; CPU: CPU seconds per timed second")
    table.add_column("target", no_wrap=True)
    for heading in ("req/s", "p50", "p90", "p99", "max", "failed", "CPU\nserver", "CPU\ngen"):
        table.add_column(heading, justify="right", no_wrap=True)
    for name, row in summary.items():
        latency = [ms(row["latency_ms"][q]) for q in ("p50", "p90", "p99", "max")]
        cpu = (str(row["server_cpu_share"]), str(row["generator_cpu_share"]))
        table.add_row(
            name, f"{row['requests_per_second']:,.0f}", *latency, str(row["failed"]), *cpu
        )
    console.print(table)
    shown = {k: "-" if v is None else f"{v:.2f}" for k, v in ratios.items()}
    console.print(
        f"PolicyVault / bare: throughput {shown['throughput']} (goal ≥ {GOAL:.2f} with no "
        f"failed request: {'met' if met else 'not met'}); latency p50 {shown['p50']}×, "
        f"p99 {shown['p99']}×"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1000, help="subjects collected (1000)")
    parser.add_argument("--duration", type=float, default=20.0, help="timed seconds a run (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds first (3)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each target (2)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="`policyvault serve` processes on the one vault, loops spread over them (1); "
        "more than one needs --database postgres",
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=None, help="the server for --database postgres")
    parser.add_argument("--logs", choices=tuple(LOGS), default="serve", help="uvicorn logging")
    parser.add_argument("--results", type=Path, default=vt.RESULTS, help="where figures go")
    parser.add_argument("--workdir", type=Path, default=None, help="for the temporary vault")
    parser.add_argument("--serve-bare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port, args.logs)
        return 0
    if min(args.subjects, args.rounds, args.concurrency, args.processes) < 1 or args.duration <= 0:
        parser.error("--subjects, --rounds, --concurrency, --processes, --duration are positive")
    if args.processes > 1 and args.database != "postgres":
        parser.error("several serve processes need --database postgres (SQLite: one writer)")

    started, load_at_start = datetime.now(UTC), os.getloadavg()[0]
    with (  # on the way out: the servers stop, the schema goes, then the directory
        tempfile.TemporaryDirectory(prefix="policyvault-http-", dir=args.workdir) as tmp,
        ExitStack() as stack,
    ):
        measured = run(args, Path(tmp), stack)
    summary = {name: median_of(figures) for name, figures in measured["rounds"].items()}
    pv, bare = summary["policyvault"], summary["bare"]
    ratios = {"throughput": ratio(pv["requests_per_second"], bare["requests_per_second"])}
    ratios |= {q: ratio(pv["latency_ms"][q], bare["latency_ms"][q]) for q in ("p50", "p99")}
    met = (ratios["throughput"] or 0) >= GOAL and not pv["failed"] and not bare["failed"]
    cpus = os.cpu_count()
    caveats = [
        f"the load generator runs on the same machine ({cpus} CPUs) as the server and competes "
        "with it for CPU: generator_cpu_share near 1.0 means it, not the server, sets the pace",
        "closed loop: each of the concurrency loops sends its next request when its last one "
        "is answered, so latency is about concurrency / throughput",
        "a PolicyVault read is a write transaction (its audit entry), committed before it answers",
    ]
    if pv["failed"] or bare["failed"]:
        failed = {name: row["failed"] for name, row in summary.items()}
        caveats.append(f"failed requests (error_kinds, answered_after_window): {failed}")
    if (bare["generator_cpu_share"] or 0) >= 0.9:
        saturated = "the generator was saturated against the bare app: the bare figure is a floor"
        caveats.append(saturated + ", and the ratio flatters PolicyVault")
    info = vt.machine()
    info["packages"] |= {
        p: metadata.version(p) for p in ("fastapi", "starlette", "uvicorn", "httpx", "h11")
    }
    info["uvicorn_loop"] = "uvloop" if find_spec("uvloop") else "asyncio"
    info["uvicorn_http"] = "httptools" if find_spec("httptools") else "h11"
    report = {
        "benchmark": "http_read",
        "timestamp": started.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": info,
        "load_average": {"start": round(load_at_start, 2), "end": round(os.getloadavg()[0], 2)},
        "settings": {
            **{k: getattr(args, k) for k in ("subjects", "duration", "warmup", "rounds")},
            "concurrency": args.concurrency,
            "policyvault_processes": args.processes,
            "connections": args.concurrency,
            "database": measured["database"],
            "logs": {"mode": args.logs, "uvicorn_run": LOGS[args.logs]},
            "policyvault": "policyvault serve --sweep-every 0 --requests-every 0",
            "request": {"path": "POST /v1/subjects/{id}/read", "body": READ_BODY.decode()},
            "generator": "asyncio + httpx, a process of its own, a client per loop",
            "policy": str(vt.POLICY.relative_to(vt.ROOT)),
        },
        "statistic": "median of rounds; a run counts the requests answered in its timed window",
        "verified": f"same status, content type and bytes from both for {measured['sample']} "
        "subjects before timing; every timed response compared with PolicyVault's bytes",
        "caveats": caveats,
        "results": {"median": summary, "rounds": measured["rounds"]},
        "ratio_policyvault_over_bare": ratios,
        "goal": {"throughput_ratio_at_least": GOAL, "no_failed_requests": True, "met": met},
    }
    args.results.mkdir(parents=True, exist_ok=True)
    name = "http_read" + ("" if args.database == "sqlite" else "_postgres")
    name += "" if args.processes == 1 else f"_{args.processes}_processes"
    out = args.results / f"{name}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(
        summary,
        ratios,
        met,
        f"HTTP reads, {args.database}, concurrency {args.concurrency}, "
        f"{args.processes} serve process{'es' if args.processes > 1 else ''}",
    )
    for caveat in caveats[:1] + caveats[3:]:
        console.print(f"note: {caveat}")
    console.print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
