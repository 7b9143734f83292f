"""One profiled run of each of a few operations (cProfile, stdlib), written as text: where the
time goes by area (SQLAlchemy, the database driver, crypto, PolicyVault's packages, ...), then
the top functions. Profiled times carry the profiler's overhead: read them as shares."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOP = 15


@dataclass(frozen=True)
class ProfiledRun:
    title: str
    run: Callable[[], None]
    operations: int
    sorts: tuple[str, ...] = ("cumulative",)  # pstats sort keys, one listing each


def write_profile(
    out: Path, header: Sequence[str], runs: Sequence[ProfiledRun]
) -> dict[str, dict[str, float]]:
    """Profile each run in turn, write the report to ``out``; the five largest areas of self
    time of each run, as shares of its total."""
    lines = list(header)
    areas = {}
    for run in runs:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            run.run()
        finally:
            profiler.disable()
        section, shares = _section(run, profiler)
        lines += section
        areas[run.title] = {area: round(share, 3) for area, share in shares[:5]}
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return areas


def _section(
    run: ProfiledRun, profiler: cProfile.Profile
) -> tuple[list[str], list[tuple[str, float]]]:
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    shares = _self_time_by_area(stats)
    lines = [
        "",
        f"=== {run.title}: {total:.2f} s for {run.operations}, "
        f"{total / run.operations * 1e6:.0f} us each",
        "",
        "Self time by area (share of the profiled total):",
        *(f"  {share:6.1%}  {area}" for area, share in shares[:12]),
    ]
    for sort in run.sorts:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(sort).print_stats(TOP)
        body = buffer.getvalue()
        heading = "cumulative time" if sort == "cumulative" else "self time"
        lines += [
            "",
            f"Top {TOP} functions by {heading}:",
            body[body.index("   ncalls") :].rstrip(),
        ]
    return lines, shares


def _self_time_by_area(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Each function's self time, summed by what it belongs to."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, self_time, _, _) in table.items():
        area = _area(filename, name)
        totals[area] = totals.get(area, 0.0) + self_time
    grand = sum(totals.values()) or 1.0
    return sorted(((a, t / grand) for a, t in totals.items()), key=lambda p: -p[1])


def _area(filename: str, name: str) -> str:
    if filename == "~":  # a function in C: name it by its object or module
        if "sqlite3" in name or "psycopg" in name:
            return "database driver (C): statements, commits and their fsync"
        if any(k in name for k in ("cryptography", "_hashlib", "hmac", "argon2", "_cffi")):
            return "crypto primitives (C, Rust)"
        if "posix." in name or "io.open" in name:
            return "file system calls (stat, open, urandom)"
        return "Python built-ins (isinstance, dict.get, re, ...)"
    path = filename.replace(os.sep, "/")
    if "/site-packages/" in path:
        package = path.split("/site-packages/")[1].split("/")[0]
        return f"{package} (library)"
    if "/policyvault/" in path:
        parts = path.split("/policyvault/")[1].split("/")
        return "policyvault." + ".".join(p.removesuffix(".py") for p in parts[:2])
    return f"stdlib {Path(path).stem}"
