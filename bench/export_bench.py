"""An access-request export among a big store, against a raw export of the same rows, measured
in the same run: time, and peak memory (RSS and tracemalloc).

    python bench/export_bench.py [--size 1000000] [--records 10,100,1000] [--no-postgres]

For each backend and each store size (``--size`` items, and a store ten times smaller, to show
whether memory depends on the size of the vault), a fresh sandbox vault (the Megazone
CloudPlex policy, which keeps statutory records) is seeded by bulk SQL with product inquiries
(``seeding.py``: the rows a real collect writes; the raw database beside it gets the same rows
with the plaintext). Then, per record count R in ``--records``, one more subject is collected
through ``Vault.collect`` and gets R statutory records (contracts, payments, complaints, tax
books, electronic financial transactions: kept live while the account is open), sealed with
the subject's key and planned by the vault (no deadline yet: the account is open), and the
same rows in plaintext in the raw database.

The subject's access request goes through ``RequestDesk``: a sign-in token
(``subject_token``), ``submit`` (verified by the token, fulfilled at once), the result mail
(sent by the desk's work to a recording sender) and the one-time link in it; further links for
the repeats through ``fulfilment.new_download``. In a process of its own per store (the vault
opened and warmed up first, untimed):

- PolicyVault: ``RequestDesk.download(token, out, actor)``: the link spent, the package built
  (every item opened, its purposes, recipients and deadline; every record opened) and written
  as a ZIP (package.json, four CSVs, index.html, the JSON Schema) to ``out``, audited;
- raw: the plain driver SELECTs the same rows (items, records, consents: plaintext) and writes
  them with ``json.dumps`` into a one-member ZIP (package.json), streamed row by row.

``out`` counts the bytes and keeps none. Time: the median of ``--repeats`` (the two sides
alternate). Memory: the peak RSS of the process during the export (``VmHWM`` after resetting
it through /proc/self/clear_refs), less the RSS before, and the tracemalloc peak of a separate
pass (tracemalloc slows Python down: never timed). Results: bench/results/export.json.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from raw_engine import Plaintext, mirror_rows, plaintext_lookups
from rich.console import Console
from rich.table import Table
from seeding import (
    DEFAULT_POSTGRES,
    RECORD_COLUMNS,
    Seeder,
    Sink,
    Target,
    Values,
    check_seeded,
    drop_empty_separate_schema,
    environ,
    learn_template,
    load_average,
    postgres_reachable,
    postgres_target,
    raw_connection,
    separate_schema_exists,
    sqlite_target,
    table_counts,
    to_us,
    vm_kib,
)
from sqlalchemy.engine import make_url
from vault_throughput import machine

from policyvault.bootstrap import open_vault
from policyvault.domain.audit import Actor
from policyvault.domain.requests import RequestKind, RequestStatus
from policyvault.services.outbox.smtp import RecordingSender
from policyvault.services.requests import fulfilment
from policyvault.services.requests.facade import RequestDesk
from policyvault.services.requests.intake import Submission
from policyvault.services.requests.settings import RequestSettings
from policyvault.services.retention.records import record_binding
from policyvault.services.vault import ConsentChoice, Evidence
from policyvault.services.vault.deadlines import reschedule

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
RESULTS = Path(__file__).resolve().parent / "results"
POINT = "product_inquiry"
SERVICE = Actor(id="bench-webshop-1", role="service")  # collects, signs the subject in
SUBJECT_APP = Actor(id="svc.privacy-center-1", role="service")  # submits and downloads
EVIDENCE = Evidence(channel="web", notice_hash="sha256:bench")
PUBLIC_URL = "https://vault.example.com"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/v1/downloads/([A-Za-z0-9_\-]+)")
DEFAULT_SIZE = 1_000_000
DEFAULT_RECORDS = (10, 100, 1000)
# Kept live while the account is open (separate_from: account_closed), each with a period.
RECORD_TYPES = (
    "contract_or_withdrawal",
    "payment_and_supply",
    "complaint_or_dispute",
    "tax_books",
    "electronic_financial_transactions",
)
EXPORT_NUMBERS = 2_000_000_000  # value numbers of the exported subjects
GOAL = {
    "memory_independent_of_vault_size": True,
    "source": "issue 7: peak memory independent of vault size for sweep and export (streamed)",
}

console = Console(highlight=False)


# --- the exported subjects ------------------------------------------------------------------------


def payload(rng: random.Random, record_type: str, number: int) -> dict[str, Any]:
    """A statutory record's JSON, synthetic: an order, a payment, a complaint, a tax book line,
    an electronic transfer."""
    amount = rng.randrange(1_000, 5_000_000, 100)
    base = {"reference": f"{record_type[:3].upper()}-{number:07d}", "currency": "KRW"}
    if record_type == "contract_or_withdrawal":
        return {**base, "product": f"CloudPlex plan {rng.choice('SML')}", "term_months": 12}
    if record_type == "payment_and_supply":
        return {**base, "amount": amount, "method": rng.choice(["card", "transfer"]), "paid": True}
    if record_type == "complaint_or_dispute":
        return {**base, "channel": "web", "summary": "late invoice", "resolved": True}
    if record_type == "tax_books":
        return {**base, "amount": amount, "vat": amount // 11, "document": "tax invoice"}
    return {**base, "amount": amount, "account": f"000-{number % 10_000:04d}-example"}


def add_subject(
    runtime: Any,
    sink_target: Target,
    values: Values,
    number: int,
    records: int,
    consents: Sequence[ConsentChoice],
    engine: Any,
) -> str:
    """One subject through ``Vault.collect``, then ``records`` statutory records by bulk SQL
    (sealed with the subject's key, bound to the record id, as ``add_record`` seals them), its
    deadlines planned again by the vault (``reschedule``, as ``add_record`` does: records in
    ordinary use until the account closes have none yet), and the same rows with the
    plaintext in the raw database."""
    ctx = runtime.vault.context
    sid = runtime.vault.collect(
        POINT, values.raw(number), list(consents), EVIDENCE, SERVICE
    ).subject_id
    items = values.canonical(number)
    kinds = {kind.value: key for key, kind in values.index_kinds.items()}
    plain = Plaintext(items, plaintext_lookups(items, kinds), EVIDENCE.sealed_payload())
    rows = mirror_rows(engine, [sid], {sid: plain})[0]
    rng = random.Random(number)  # noqa: S311 (synthetic data, not secrets)
    now = ctx.now()
    vault_rows, raw_rows = [], []
    with ctx.session() as session:
        key = ctx.sealing_key(session, ctx.subject(session, sid))
        for n in range(records):
            record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            record_type = RECORD_TYPES[n % len(RECORD_TYPES)]
            occurred = now - timedelta(days=1 + rng.randrange(700), seconds=rng.randrange(86_400))
            data = json.dumps(
                payload(rng, record_type, n), sort_keys=True, ensure_ascii=False
            ).encode()
            sealed = ctx.seal(key, sid, record_binding(record_id), data)
            common = (record_id, sid, record_type, to_us(occurred))
            vault_rows.append((*common, sealed, to_us(now)))
            raw_rows.append((*common, data, to_us(now)))
    sink = Sink(sink_target)
    sink.write("vault_records", RECORD_COLUMNS, vault_rows, raw_rows)
    for table, values_ in rows:  # the collect's rows, plaintext, in the raw database
        sink.write(table, _column_names(table), [], [values_])
    sink.close(analyze=False)
    with ctx.session() as session:
        reschedule(ctx, session, sid)
        held = len(session.records(sid))
    if held != records:
        raise RuntimeError(f"the vault holds {held} records of {sid}, not {records}")
    return sid


def _column_names(table: str) -> list[str]:
    from raw_engine import MIRRORED, columns

    return next(columns(t) for t, _ in MIRRORED if t.name == table)


def request_export(runtime: Any, subject_id: str) -> tuple[str, str]:
    """The access request of a signed-in subject, fulfilled at once; the one-time link mailed
    with the result. Returns (request id, link token)."""
    sender = RecordingSender()
    desk = RequestDesk(runtime.vault.context, RequestSettings(public_url=PUBLIC_URL), sender=sender)
    token, _ = desk.subject_token(subject_id, SERVICE)
    received = desk.submit(Submission(kind=RequestKind.access, subject_token=token), SUBJECT_APP)
    request = desk.get(received.request_id)
    if request.status is not RequestStatus.completed:
        raise RuntimeError(f"the access request is {request.status.value}, not completed")
    desk.work()
    links = [m.group(1) for e in sender.sent if (m := LINK.search(e.text))]
    if len(links) != 1:
        raise RuntimeError(f"expected one download link in the result mail, found {len(links)}")
    return received.request_id, links[0]


# --- the export, in a process of its own ----------------------------------------------------------


class Discard(io.RawIOBase):
    """Where the ZIP goes: counted, not kept (not seekable, as an HTTP response is not)."""

    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(data)
        self.count += size
        return size


def raw_export(conn: Any, mark: str, subject_id: str, out: Discard) -> int:
    """The same rows through the plain driver, plaintext, ``json.dumps`` row by row into a
    one-member ZIP (one JSON document, streamed). Returns the records written."""
    queries = {  # S608: fixed names; the subject is a parameter
        "items": "SELECT item_key, sealed, point, collected_at_us, updated_at_us "  # noqa: S608
        f"FROM vault_items WHERE subject_id = {mark} ORDER BY item_key",
        "records": "SELECT id, record_type, occurred_at_us, sealed FROM vault_records "  # noqa: S608
        f"WHERE subject_id = {mark} ORDER BY occurred_at_us, id",
        "consents": "SELECT category, purposes, action, at_us FROM vault_consents "  # noqa: S608
        f"WHERE subject_id = {mark} ORDER BY seq",
    }
    docs = {
        "items": lambda r: {
            "key": r[0],
            "value": bytes(r[1]).decode(),
            "collection_point": r[2],
            "collected_at": _iso(r[3]),
            "updated_at": _iso(r[4]),
        },
        "records": lambda r: {
            "id": r[0],
            "record_type": r[1],
            "occurred_at": _iso(r[2]),
            "value": json.loads(bytes(r[3])),
        },
        "consents": lambda r: {
            "category": r[0],
            "purposes": json.loads(r[1]),
            "action": r[2],
            "at": _iso(r[3]),
        },
    }
    counts = {}
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("package.json", "w") as member,
    ):
        text = io.TextIOWrapper(member, encoding="utf-8")
        text.write("{" + json.dumps("subject_id") + ": " + json.dumps(subject_id))
        for key, sql in queries.items():
            text.write(f',\n"{key}": [')
            n = 0
            for n, row in enumerate(conn.execute(sql, (subject_id,)), start=1):
                text.write(
                    ("\n" if n == 1 else ",\n") + json.dumps(docs[key](row), ensure_ascii=False)
                )
            text.write("]")
            counts[key] = n
        text.write("}\n")
        text.flush()
        text.detach()
    return counts["records"]


def _iso(us: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that cannot be done."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def export_job(job: dict[str, Any]) -> dict[str, Any]:
    """Open the vault (untimed), warm up, then per subject: the two sides alternately,
    ``repeats`` times each, timed with the peak RSS, then one tracemalloc pass each."""
    import psycopg  # noqa: F401 (imported before measuring, as the vault's driver is)

    target: Target = job["target"]
    runtime = open_vault(target.home, environ())
    try:
        desk = RequestDesk(runtime.vault.context, RequestSettings(public_url=PUBLIC_URL))
        download = desk.download
        mark = "?" if target.backend == "sqlite" else "%s"

        def new_token(request_id: str) -> str:
            url, _ = fulfilment.new_download(desk.desk, request_id, SUBJECT_APP)
            return url.rsplit("/", 1)[1]

        tokens = {request_id: [token] for _, _, request_id, token in job["subjects"]}

        def token_for(request_id: str) -> str:
            waiting = tokens[request_id]
            return waiting.pop() if waiting else new_token(request_id)

        with raw_connection(target, "raw") as raw:

            def vault_side(subject: str, request_id: str) -> tuple[int, int]:
                out = Discard()
                got = download(token_for(request_id), out, SUBJECT_APP)
                return got.totals.records, out.count

            def raw_side(subject: str, request_id: str) -> tuple[int, int]:
                out = Discard()
                return raw_export(raw, mark, subject, out), out.count

            sides = {"policyvault": vault_side, "raw": raw_side}
            # warm-up: templates, statements, caches, on the smallest subject
            _, warm_subject, warm_request, _ = job["subjects"][0]
            for side in sides.values():
                side(warm_subject, warm_request)
                side(warm_subject, warm_request)
            can_reset = _reset_peak()
            found: dict[str, Any] = {}
            for records, subject, request_id, _ in job["subjects"]:
                figures: dict[str, Any] = {
                    name: {"seconds": [], "peak_rss_mib": [], "rss_growth_mib": []}
                    for name in sides
                }
                for repeat in range(job["repeats"]):
                    order = list(sides.items())
                    if repeat % 2:
                        order.reverse()
                    for name, side in order:
                        before = vm_kib("VmRSS") or 0
                        _reset_peak()
                        started = time.perf_counter()
                        written, size = side(subject, request_id)
                        seconds = time.perf_counter() - started
                        peak = vm_kib("VmHWM") or 0
                        if written != records:
                            raise RuntimeError(f"{name} wrote {written} records of {records}")
                        f = figures[name]
                        f["seconds"].append(round(seconds, 4))
                        f["peak_rss_mib"].append(round(peak / 1024, 1))
                        f["rss_growth_mib"].append(round((peak - before) / 1024, 1))
                        f["zip_bytes"] = size
                for name, side in sides.items():
                    tracemalloc.start()
                    tracemalloc.reset_peak()
                    side(subject, request_id)
                    figures[name]["tracemalloc_peak_mib"] = round(
                        tracemalloc.get_traced_memory()[1] / 2**20, 2
                    )
                    tracemalloc.stop()
                for name in sides:
                    f = figures[name]
                    f["median_seconds"] = round(statistics.median(f["seconds"]), 4)
                    f["us_per_record"] = round(f["median_seconds"] / max(records, 1) * 1e6, 1)
                    f["max_rss_growth_mib"] = max(f["rss_growth_mib"])
                found[str(records)] = {
                    **figures,
                    "ratio_policyvault_over_raw": round(
                        figures["policyvault"]["median_seconds"] / figures["raw"]["median_seconds"],
                        2,
                    ),
                    "records": records,
                }
        found["_process"] = {"peak_reset_available": can_reset}
        return found
    finally:
        runtime.close()


def in_child(job: dict[str, Any]) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(export_job, (job,))
    return result


# --- one store ------------------------------------------------------------------------------------


def measure(target: Target, records: Sequence[int], repeats: int) -> dict[str, Any]:
    started = time.perf_counter()
    runtime = open_vault(target.home, environ())
    try:
        policy = runtime.policy
        point = policy.collection_points[POINT]
        consents = [ConsentChoice(c.category, tuple(c.purposes)) for c in point.consents]
        values = Values(policy, [*point.required, *point.optional], seed=target.size)
        template = learn_template(
            runtime, POINT, values.raw(EXPORT_NUMBERS - 1), consents, EVIDENCE, SERVICE
        )
        before = table_counts(target)
        console.print(f"  {target.backend} {target.size:,}: seeding")
        seeded = Seeder(runtime, target, template, values, seed=target.size).seed(target.size)
        checked = check_seeded(runtime, target, template, seeded, before)
        console.print(
            f"  {target.backend} {target.size:,}: seeded {seeded.items:,} items in "
            f"{seeded.seconds['total']:.0f} s; the exported subjects"
        )
        engine = runtime.vault.context.store.engine  # type: ignore[attr-defined]
        subjects = []
        for number, count in enumerate(sorted(records)):
            sid = add_subject(
                runtime, target, values, EXPORT_NUMBERS + number, count, consents, engine
            )
            request_id, token = request_export(runtime, sid)
            subjects.append((count, sid, request_id, token))
    finally:
        runtime.close()
    console.print(f"  {target.backend} {target.size:,}: exporting")
    exports = in_child({"target": target, "subjects": subjects, "repeats": repeats})
    process = exports.pop("_process")
    return {
        "store": {"items": seeded.items, "subjects": seeded.subjects},
        "seed": seeded.figures(),
        "verified": [
            *checked["passed"],
            "each exported subject: its records held by the vault, its access request "
            "completed, one link in the result mail",
            "each export: as many records written as the subject holds, on both sides",
        ],
        "exports": exports,
        "peak_reset_available": process["peak_reset_available"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def independence(stores: dict[str, Any]) -> dict[str, Any]:
    """The export's memory and time at the largest store over the same at the smallest."""
    sizes = sorted(stores, key=int)
    if len(sizes) < 2:
        return {}
    small, large = stores[sizes[0]]["exports"], stores[sizes[-1]]["exports"]
    found = {}
    for records in small:
        a, b = small[records]["policyvault"], large[records]["policyvault"]
        found[records] = {
            "store_sizes": [int(sizes[0]), int(sizes[-1])],
            "max_rss_growth_mib": [a["max_rss_growth_mib"], b["max_rss_growth_mib"]],
            "tracemalloc_peak_mib": [a["tracemalloc_peak_mib"], b["tracemalloc_peak_mib"]],
            "tracemalloc_ratio_large_over_small": round(
                b["tracemalloc_peak_mib"] / a["tracemalloc_peak_mib"], 2
            ),
            "time_ratio_large_over_small": round(b["median_seconds"] / a["median_seconds"], 2),
        }
    return found


def run_backend(name: str, target_for: Any, sizes: Sequence[int], args: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {"stores": {}}
    for size in sizes:
        with target_for(size) as target:
            figures["settings"] = target.settings
            figures["stores"][str(size)] = measure(target, args.records, args.repeats)
        for records, f in figures["stores"][str(size)]["exports"].items():
            console.print(
                f"  {name} {size:,} items, {int(records):,} records: export "
                f"{f['policyvault']['median_seconds'] * 1000:,.0f} ms "
                f"(raw {f['raw']['median_seconds'] * 1000:,.1f} ms, "
                f"{f['ratio_policyvault_over_raw']:,.0f}×), tracemalloc peak "
                f"{f['policyvault']['tracemalloc_peak_mib']:.1f} MiB"
            )
    figures["memory_independence"] = independence(figures["stores"])
    return figures


def print_table(results: dict[str, Any]) -> None:
    table = Table(title="Access-request export against a raw export of the same rows")
    for heading, right in (
        ("backend", False),
        ("store items", True),
        ("records", True),
        ("PV ms", True),
        ("raw ms", True),
        ("ratio", True),
        ("PV RSS +MiB", True),
        ("raw RSS +MiB", True),
        ("PV tracemalloc\nMiB", True),
        ("raw tracemalloc\nMiB", True),
    ):
        table.add_column(heading, justify="right" if right else "left")
    for backend, figures in results.items():
        if "skipped" in figures:
            table.add_row(backend, "skipped", *[""] * 8)
            continue
        for size, store in figures["stores"].items():
            for records, f in store["exports"].items():
                pv, raw = f["policyvault"], f["raw"]
                table.add_row(
                    backend,
                    f"{int(size):,}",
                    f"{int(records):,}",
                    f"{pv['median_seconds'] * 1000:,.1f}",
                    f"{raw['median_seconds'] * 1000:,.2f}",
                    f"{f['ratio_policyvault_over_raw']:,.0f}×",
                    f"{pv['max_rss_growth_mib']:,.1f}",
                    f"{raw['max_rss_growth_mib']:,.1f}",
                    f"{pv['tracemalloc_peak_mib']:,.2f}",
                    f"{raw['tracemalloc_peak_mib']:,.2f}",
                )
    console.print(table)


def _parse_counts(text: str) -> list[int]:
    counts = sorted({int(s.replace("_", "")) for s in text.split(",") if s.strip()})
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("record counts are at least 1")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="items in the store (1M)")
    parser.add_argument(
        "--small-size",
        type=int,
        default=None,
        help="the smaller store (default: --size / 10; 0: none)",
    )
    parser.add_argument(
        "--records",
        type=_parse_counts,
        default=list(DEFAULT_RECORDS),
        help="statutory records of the exported subjects (10,100,1000)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed exports per side (3)")
    parser.add_argument("--big", action="store_true", help="the store of 10,000,000 items")
    parser.add_argument("--postgres-url", default=None, help="PostgreSQL server to use too")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where figures go")
    parser.add_argument("--workdir", type=Path, default=None, help="for the temporary vaults")
    args = parser.parse_args(argv)
    size = 10_000_000 if args.big else args.size
    small = size // 10 if args.small_size is None else args.small_size
    if size < 1000 or args.repeats < 1 or (small and small < 1000):
        parser.error("stores hold at least 1000 items; --repeats is at least 1")
    sizes = sorted({size, *([small] if small else [])})

    started = datetime.now(UTC)
    load_at_start = load_average()
    args.results.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="policyvault-export-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        console.print(f"SQLite in {workdir}")
        results["sqlite"] = run_backend(
            "sqlite", lambda s: sqlite_target(workdir, POLICY, s, "export"), sizes, args
        )
        url = args.postgres_url or os.environ.get("POLICYVAULT_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
        problem = "--no-postgres" if args.no_postgres else postgres_reachable(url)
        if problem is None:
            console.print(f"PostgreSQL at {make_url(url).host}")
            existed = separate_schema_exists(url)
            try:
                results["postgres"] = run_backend(
                    "postgres",
                    lambda s: postgres_target(workdir, POLICY, s, url, "export"),
                    sizes,
                    args,
                )
            finally:
                if not existed and (note := drop_empty_separate_schema(url)):
                    console.print(note)
        else:
            console.print(f"PostgreSQL skipped: {problem}")
            results["postgres"] = {"skipped": problem}

    report = {
        "benchmark": "export",
        "timestamp": started.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": machine(),
        "load_average": {"start": load_at_start, "end": load_average()},
        "sizes": sizes,
        "records": args.records,
        "repeats": args.repeats,
        "statistic": (
            "time: the median of the repeats (time.perf_counter), the sides alternating; "
            "rss_growth: VmHWM during the export (reset just before) less VmRSS before; "
            "tracemalloc_peak: Python allocations at their peak, in a separate untimed pass"
        ),
        "goal": GOAL,
        "workload": {
            "policy": str(POLICY.relative_to(ROOT)),
            "store": f"product inquiries ({POINT}: 4 items, 1 consent), bulk-seeded "
            "(bench/seeding.py); the raw database holds the same rows with the plaintext",
            "exported_subject": "collected through Vault.collect at product_inquiry, plus R "
            "statutory records (5 types kept live while the account is open, JSON of 100 to "
            "150 B), sealed with the subject's key; planned: no deadline while the account "
            "is open",
            "request": "RequestDesk: subject_token, submit (access, verified by the token, "
            "fulfilled at once), the link from the result mail (RecordingSender); repeats: "
            "fulfilment.new_download",
            "policyvault": "RequestDesk.download(token, out, actor): ZIP of package.json, "
            "items.csv, records.csv, consents.csv, requests.csv, index.html, schema.json",
            "raw": "plain driver SELECTs of the subject's items, records and consents "
            "(plaintext) and json.dumps of each row into a one-member ZIP, streamed",
            "out": "a byte counter (no seek), nothing kept",
        },
        "results": results,
    }
    out = args.results / "export.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    console.print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
