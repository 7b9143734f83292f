"""The benchmarks' figures as plots and tables: reads bench/results/*.json, writes
docs/performance.png (cost per operation against vault size, PolicyVault solid, the raw
baseline dashed), docs/performance-ratios.png (PolicyVault over raw against vault size, with
the goals; peak memory against vault size), and the tables of docs/performance.md between its
``<!-- bench/plot.py: NAME -->`` and ``<!-- /bench/plot.py: NAME -->`` markers.

    python bench/plot.py [--results bench/results] [--docs docs] [--check]

The output depends on the JSON alone: fixed figure size and resolution, no timestamps or
version strings in the images (the tables name each file's own timestamp). ``--check`` writes
nothing and exits 1 when the document's tables are not what the results give.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
DOCS = ROOT / "docs"
DOC = "performance.md"
FIGSIZE = (12.0, 7.2)
DPI = 100
ENGINES = {"sqlite": ("SQLite", "#1f77b4"), "postgres": ("PostgreSQL", "#d62728")}
# default sizes of each script: figures from other sizes are marked as a validation run
DEFAULTS = {
    "vault_throughput": {"subjects": 2000},
    "retention_sweep": {"sizes": [100_000, 1_000_000]},
    "scale": {"sizes": [10_000, 100_000, 1_000_000]},
    "export": {"sizes": [100_000, 1_000_000]},
    "http_read": {"subjects": 1000, "duration": 20.0, "rounds": 2},
}


@dataclass(frozen=True)
class Point:
    """One benchmark on one engine at one vault size."""

    benchmark: str  # the panel: collect, read, ...
    engine: str
    size: int  # items in the store
    policyvault_us: float
    raw_us: float
    ratio: float
    raw_label: str  # what the baseline is
    source: str  # the results file
    unit: str = "µs/op"


@dataclass(frozen=True)
class Memory:
    benchmark: str
    engine: str
    size: int
    mib: float
    measure: str
    source: str
    work: int  # due items swept, records exported: memory is compared at equal work


PANELS = (
    ("collect", "collect (5 items, 2 consents)"),
    ("read", "purpose-checked read of 3 items"),
    ("audit_append", "audit append"),
    ("audit_verify", "audit verify, per entry"),
    ("sweep", "retention sweep, per due item"),
    ("export", "access export, 1,000 records"),
)
GROWTH_FROM = 100_000


# --- reading the results ------------------------------------------------------------------------


def load(results: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(results.glob("*.json")):
        try:
            found[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"skipped {path.name}: {exc}", file=sys.stderr)
    return found


def _engines(report: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for engine, figures in report.get("results", {}).items():
        if isinstance(figures, dict) and "skipped" not in figures:
            yield engine, figures


def points(files: dict[str, dict[str, Any]]) -> tuple[list[Point], list[Memory]]:
    found: list[Point] = []
    memory: list[Memory] = []
    sweep_seen: set[tuple[str, int]] = set()
    # the main sweep file first: its sizes win over a separate run's (retention_sweep_10m.json)
    names = sorted(files, key=lambda n: (n != "retention_sweep.json", n))
    for name in names:
        report = files[name]
        kind = report.get("benchmark")
        if kind == "scale":
            for engine, figures in _engines(report):
                for size, f in figures.get("sizes", {}).items():
                    found += _scale_points(engine, int(size), f, name)
        elif kind == "retention_sweep":
            for engine, figures in _engines(report):
                for size, f in figures.get("sizes", {}).items():
                    if (engine, int(size)) in sweep_seen:
                        continue
                    sweep_seen.add((engine, int(size)))
                    pv, raw = f["policyvault"], f["raw_delete"]
                    found.append(
                        Point(
                            "sweep",
                            engine,
                            int(size),
                            pv["us_per_due_item"],
                            raw["us_per_due_item"],
                            f["ratio_policyvault_over_raw"],
                            "one DELETE of the due rows",
                            name,
                            "µs/due item",
                        )
                    )
                    if pv.get("peak_rss_mib") is not None:
                        memory.append(
                            Memory(
                                "sweep",
                                engine,
                                int(size),
                                pv["peak_rss_mib"],
                                "peak RSS of the sweep's process",
                                name,
                                f["due_items"],
                            )
                        )
        elif kind == "export":
            for engine, figures in _engines(report):
                for size, store in figures.get("stores", {}).items():
                    exports = store.get("exports", {})
                    if not exports:
                        continue
                    records = max(exports, key=int)
                    f = exports[records]
                    pv, raw = f["policyvault"], f["raw"]
                    found.append(
                        Point(
                            "export",
                            engine,
                            int(size),
                            pv["median_seconds"] * 1e6,
                            raw["median_seconds"] * 1e6,
                            f["ratio_policyvault_over_raw"],
                            f"SELECT + json.dumps + ZIP ({int(records):,} records)",
                            name,
                            "µs/export",
                        )
                    )
                    memory.append(
                        Memory(
                            "export",
                            engine,
                            int(size),
                            pv["tracemalloc_peak_mib"],
                            f"tracemalloc peak of an export of {int(records):,} records",
                            name,
                            int(records),
                        )
                    )
    return found, memory


def _scale_points(engine: str, size: int, f: dict[str, Any], source: str) -> list[Point]:
    made = []
    for op, raw_key, raw_label in (
        ("collect", "raw", "INSERT of the same rows"),
        ("read", "raw", "indexed SELECT"),
        ("audit_append", "raw_insert", "INSERT of the same entry"),
    ):
        pair = f[op]
        ratio_key = (
            "ratio_policyvault_over_raw_insert"
            if op == "audit_append"
            else "ratio_policyvault_over_raw"
        )
        made.append(
            Point(
                op,
                engine,
                size,
                pair["policyvault"]["us_per_op"],
                pair[raw_key]["us_per_op"],
                pair[ratio_key],
                raw_label,
                source,
            )
        )
    v = f["audit_verify"]
    made.append(
        Point(
            "audit_verify",
            engine,
            size,
            v["policyvault"]["us_per_entry"],
            v["raw_hash"]["us_per_entry"],
            v["ratio_policyvault_over_raw_hash"],
            "hashlib.sha256 of the same bytes",
            source,
            "µs/entry",
        )
    )
    return made


# --- the plots ------------------------------------------------------------------------------------


def plot(found: list[Point], memory: list[Memory], docs: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "svg.hashsalt": "policyvault", "path.simplify": False})
    written = []

    from matplotlib.ticker import NullFormatter

    sizes = [p.size for p in found] or [10_000, 1_000_000]
    xlim = (min(sizes) / 2, max(sizes) * 2)
    fig, axes = plt.subplots(2, 3, figsize=FIGSIZE, dpi=DPI)
    for ax, (key, title) in zip(axes.flat, PANELS, strict=True):
        mine = [p for p in found if p.benchmark == key]
        for engine, (_, colour) in ENGINES.items():
            # one line per results file: points of different runs are not joined
            for source in sorted({p.source for p in mine if p.engine == engine}):
                line = sorted(
                    (p for p in mine if p.engine == engine and p.source == source),
                    key=lambda p: p.size,
                )
                xs = [p.size for p in line]
                ax.plot(xs, [p.policyvault_us for p in line], "o-", color=colour)
                ax.plot(xs, [p.raw_us for p in line], "s--", color=colour, alpha=0.7)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*xlim)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(title)
        ax.set_xlabel("vault size (items)")
        ax.set_ylabel(mine[0].unit if mine else "µs/op")
        ax.grid(True, which="both", alpha=0.3)
        if not mine:
            ax.text(0.5, 0.5, "no results", ha="center", va="center", transform=ax.transAxes)
    handles = [
        plt.Line2D([], [], color=c, marker="o", label=f"{n}: PolicyVault")
        for n, c in ENGINES.values()
    ] + [
        plt.Line2D([], [], color=c, marker="s", ls="--", alpha=0.7, label=f"{n}: raw baseline")
        for n, c in ENGINES.values()
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False)
    fig.suptitle("Cost per operation against vault size (log-log; same run, same data)")
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    out = docs / "performance.png"
    fig.savefig(out, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    written.append(out)

    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGSIZE[0], FIGSIZE[1] * 0.6), dpi=DPI)
    styles = {key: marker for (key, _), marker in zip(PANELS, "osD^vP", strict=True)}
    for key, title in PANELS:
        for engine, (label, colour) in ENGINES.items():
            mine = [p for p in found if p.benchmark == key and p.engine == engine]
            for n, source in enumerate(sorted({p.source for p in mine})):
                line = sorted((p for p in mine if p.source == source), key=lambda p: p.size)
                left.plot(
                    [p.size for p in line],
                    [p.ratio for p in line],
                    marker=styles[key],
                    color=colour,
                    ls="-" if engine == "sqlite" else ":",
                    label=None if n else f"{title.split(',')[0].split(' (')[0]} ({label})",
                )
    for goal, text in ((3.0, "goal 3× (collect, read, sweep)"), (2.0, "goal 2× (verify)")):
        left.axhline(goal, color="black", lw=0.8, ls="--")
        left.text(
            1.0, goal, f" {text}", va="bottom", ha="right", transform=left.get_yaxis_transform()
        )
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlim(*xlim)
    left.xaxis.set_minor_formatter(NullFormatter())
    left.set_title("PolicyVault's time over the raw baseline's")
    left.set_xlabel("vault size (items)")
    left.set_ylabel("ratio (×)")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7, ncol=2, loc="best")
    for key in ("sweep", "export"):
        for engine, (label, colour) in ENGINES.items():
            mine = [m for m in memory if m.benchmark == key and m.engine == engine]
            for n, source in enumerate(sorted({m.source for m in mine})):
                line = sorted((m for m in mine if m.source == source), key=lambda m: m.size)
                right.plot(
                    [m.size for m in line],
                    [m.mib for m in line],
                    marker="o" if key == "sweep" else "s",
                    color=colour,
                    ls="-" if key == "sweep" else "--",
                    label=None if n else f"{key}: {line[0].measure} ({label})",
                )
    right.set_xscale("log")
    right.set_xlim(*xlim)
    right.xaxis.set_minor_formatter(NullFormatter())
    right.set_yscale("log")
    right.set_title("Peak memory against vault size (compare at equal work)")
    right.set_xlabel("vault size (items)")
    right.set_ylabel("MiB")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7)
    fig.tight_layout()
    out = docs / "performance-ratios.png"
    fig.savefig(out, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    written.append(out)
    return written


# --- the tables -----------------------------------------------------------------------------------

NAMES = dict(PANELS)


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def run_note(report: dict[str, Any]) -> str:
    """Whether a file comes from the script's default run, a --big one, or a reduced
    (validation) one."""
    kind = report.get("benchmark", "")
    defaults = DEFAULTS.get(kind, {})
    note = "default run"
    for key, value in defaults.items():
        got = report.get(key, (report.get("settings") or {}).get(key))
        if got == value:
            continue
        if key == "sizes" and isinstance(got, list) and max(got, default=0) >= 10_000_000:
            note = "big run (10M)"
        else:
            note = "validation (reduced sizes)"
            break
    share = report.get("due_share")
    if kind == "retention_sweep" and share not in (None, 0.1):
        note += f", {share:.0%} of subjects due"
    return note


def figures_table(files: dict[str, dict[str, Any]], found: list[Point]) -> str:
    lines = [
        "| benchmark | engine | vault size (items) | PolicyVault | raw baseline | ratio | "
        "baseline | results file |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    order = {key: n for n, (key, _) in enumerate(PANELS)}
    engines = list(ENGINES)
    for p in sorted(found, key=lambda p: (order[p.benchmark], engines.index(p.engine), p.size)):
        lines.append(
            f"| {NAMES[p.benchmark]} | {ENGINES[p.engine][0]} | {p.size:,} | "
            f"{_num(p.policyvault_us)} {p.unit} | {_num(p.raw_us)} {p.unit} | "
            f"{_num(p.ratio)}× | {p.raw_label} | `{p.source}` |"
        )
    for name, report in sorted(files.items()):
        kind = report.get("benchmark")
        if kind == "vault_throughput":
            for engine, f in sorted(_engines(report), key=lambda e: engines.index(e[0])):
                for op in ("collect", "read"):
                    pair = f[op]
                    lines.append(
                        f"| {op} ({'4 items, 1 consent' if op == 'collect' else '3 items'}), "
                        f"fresh vault | {ENGINES[engine][0]} | "
                        f"≤ {report['subjects'] * report['repeats']:,} subjects | "
                        f"{_num(pair['policyvault']['us_per_op'])} µs/op | "
                        f"{_num(pair['raw']['us_per_op'])} µs/op | "
                        f"{_num(pair['ratio_policyvault_over_raw'])}× | same rows | `{name}` |"
                    )
        elif kind == "http_read":
            try:
                median = report["results"]["median"]
                pv, bare = median["policyvault"], median["bare"]
                # as a time ratio, like every other row: the bare app's throughput over
                # PolicyVault's
                ratio = bare["requests_per_second"] / pv["requests_per_second"]
                db = report["settings"]["database"]
                db = db.get("engine", "?") if isinstance(db, dict) else str(db)
                engine = ENGINES.get(db, (db,))[0]
                lines.append(
                    f"| HTTP read, throughput | {engine} | "
                    f"{report['settings']['subjects']:,} subjects | "
                    f"{_num(pv['requests_per_second'])} req/s | "
                    f"{_num(bare['requests_per_second'])} req/s | {_num(ratio)}× | "
                    f"bare Starlette, same bytes (ratio: bare req/s over PolicyVault's) "
                    f"| `{name}` |"
                )
            except (KeyError, TypeError):
                lines.append(f"| HTTP read | | | | | | (not read: unknown layout) | `{name}` |")
    lines += [
        "",
        "| results file | run | timestamp (UTC) | duration | load average (start, end) | machine |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for name, report in sorted(files.items()):
        load = report.get("load_average") or {}
        info = report.get("machine") or {}
        lines.append(
            f"| `{name}` | {run_note(report)} | {report.get('timestamp', '?')} | "
            f"{report.get('duration_seconds', 0) / 60:.1f} min | "
            f"{load.get('start')}, {load.get('end')} | "
            f"{info.get('cpu_count', '?')} × {info.get('cpu_model', '?')}, "
            f"Python {info.get('python', '?')}, SQLite {info.get('sqlite', '?')} |"
        )
    return "\n".join(lines)


def _growth(found: list[Point], benchmark: str, engine: str) -> tuple[int, str, list[float]] | None:
    """The growth of PolicyVault's cost per operation from the first size of at least 100k
    to the largest, within one results file (one run, one version of the code); then, when
    another file has a larger size, from this file's largest to that, marked as such.
    Returns (the largest size, the text, the growths)."""
    mine = [
        p
        for p in found
        if p.benchmark == benchmark and p.engine == engine and p.size >= GROWTH_FROM
    ]
    if len({p.size for p in mine}) < 2:  # a smaller run: its growth, said to be that
        mine = [p for p in found if p.benchmark == benchmark and p.engine == engine]
    best: list[Point] = []
    for source in sorted({p.source for p in mine}):
        line = sorted((p for p in mine if p.source == source), key=lambda p: p.size)
        if len(line) > len(best):
            best = line
    if len(best) < 2:
        return None
    a, b = best[0], best[-1]
    values = [b.policyvault_us / a.policyvault_us]
    text = f"{values[0]:.2f}× ({a.size:,} → {b.size:,})"
    largest = b.size
    beyond = sorted((p for p in mine if p.size > b.size), key=lambda p: p.size)
    if beyond:
        c = beyond[-1]
        values.append(c.policyvault_us / b.policyvault_us)
        text += f", then {values[-1]:.2f}× to {c.size:,} in `{c.source}` (another run)"
        largest = c.size
    return largest, text, values


def goals_table(files: dict[str, dict[str, Any]], found: list[Point], memory: list[Memory]) -> str:
    lines = [
        "| goal (issue 7) | engine | measured | met |",
        "| --- | --- | --- | --- |",
    ]

    def row(goal: str, engine: str, measured: str, met: bool | None) -> None:
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {goal} | {engine} | {measured} | {verdict} |")

    for key, goal, limit in (
        ("collect", "collect within 3× of raw INSERTs", 3.0),
        ("read", "read within 3× of a raw indexed SELECT", 3.0),
        ("audit_verify", "verify at least half the speed of raw hashing (≤ 2×)", 2.0),
        ("sweep", "sweep within 3× of a raw DELETE", 3.0),
    ):
        for engine, (label, _) in ENGINES.items():
            mine = [p for p in found if p.benchmark == key and p.engine == engine]
            if not mine:
                row(goal, label, "not measured", None)
                continue
            ratios = [p.ratio for p in mine]
            measured = (
                f"{_num(min(ratios))}× to {_num(max(ratios))}× "
                f"({min(p.size for p in mine):,} to {max(p.size for p in mine):,} items)"
            )
            row(goal, label, measured, max(ratios) <= limit)
    for key in ("collect", "read", "audit_append", "audit_verify", "sweep", "export"):
        for engine, (label, _) in ENGINES.items():
            goal = f"cost per operation grows ≤ 1.5× from 100k to 10M: {NAMES[key]}"
            g = _growth(found, key, engine)
            if g is None:
                row(goal, label, "fewer than two sizes of at least 100k measured", None)
                continue
            largest, text, values = g
            flat = all(v <= 1.5 for v in values)
            if largest < 10_000_000:
                text += " — 10M not measured"
            if largest <= GROWTH_FROM:
                text += ", nor 1M: below the goal's range"
            settled = largest >= 10_000_000 or (largest > GROWTH_FROM and not flat)
            row(goal, label, text, flat if settled else None)
    for key in ("sweep", "export"):
        for engine, (label, _) in ENGINES.items():
            goal = f"{key}: peak memory independent of vault size"
            mine = [m for m in memory if m.benchmark == key and m.engine == engine]
            # compared at equal work (due items, records): the work sets the memory, and the
            # question is whether the store's size does too
            pairs = []
            for work in sorted({m.work for m in mine}):
                line = sorted((m for m in mine if m.work == work), key=lambda m: m.size)
                if len(line) > 1:
                    pairs.append((line[0], line[-1]))
            if not pairs:
                row(goal, label, "no two store sizes with the same work measured", None)
                continue
            cells, met = [], True
            for a, b in pairs:
                growth = b.mib / a.mib if a.mib else float("inf")
                met = met and growth <= 1.25
                other = "" if a.source == b.source else " (two runs)"
                cells.append(
                    f"{a.mib:,.1f} MiB at {a.size:,} → {b.mib:,.1f} MiB at {b.size:,} items "
                    f"({growth:.2f}×; {_work(key, a.work)}){other}"
                )
            row(goal, label, f"{mine[0].measure}: " + "; ".join(cells), met)
    scripts = ("vault_throughput", "retention_sweep", "scale", "export", "http_read")
    durations = {
        n: r.get("duration_seconds", 0.0)
        for n, r in files.items()
        if r.get("benchmark") in scripts and not n.endswith("_10m.json")
    }
    total = sum(durations.values())
    row(
        "`make bench` completes within 30 minutes at the 1M scale",
        "both",
        f"{total / 60:.1f} min, the sum of the scripts' durations ("
        + ", ".join(f"`{n}` {s / 60:.1f}" for n, s in sorted(durations.items()))
        + ")",
        total <= 1800 if all(run_note(files[n]) == "default run" for n in durations) else None,
    )
    return "\n".join(lines)


def _work(key: str, work: int) -> str:
    return f"{work:,} due items" if key == "sweep" else f"{work:,} records"


def replace_between(text: str, name: str, body: str) -> str:
    start, end = f"<!-- bench/plot.py: {name} -->", f"<!-- /bench/plot.py: {name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{DOC}: the markers {start} ... {end} are missing")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON files")
    parser.add_argument("--docs", type=Path, default=DOCS, help="where the PNGs and the doc are")
    parser.add_argument("--check", action="store_true", help="only check the doc's tables")
    args = parser.parse_args(argv)
    files = load(args.results)
    found, memory = points(files)
    doc = args.docs / DOC
    text = doc.read_text(encoding="utf-8")
    updated = replace_between(text, "figures", figures_table(files, found))
    updated = replace_between(updated, "goals", goals_table(files, found, memory))
    if args.check:
        if updated != text:
            print(f"{doc}: the tables are not those of {args.results}: run bench/plot.py")
            return 1
        return 0
    doc.write_text(updated, encoding="utf-8")
    for path in plot(found, memory, args.docs):
        print(f"wrote {path}")
    print(f"wrote the tables of {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
