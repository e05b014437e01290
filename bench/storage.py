"""Storage in a question turn: the SQL repository as it was (a git revision) and as it is now.

A question turn of ``InterviewService.handle`` calls the repository three times: one
``active_for_user`` and two ``save`` (the answer, then the next question). The real service
(offline analyzer, template writer, no retrieval) runs the shipped personas' whole interviews
over each variant, each on its own SQLite file in a temporary directory; a timing proxy
measures every repository call:

* wall time (what the turn waits for),
* CPU of the event-loop thread (``time.thread_time``: what other users' turns wait for),
* CPU of the whole process (``time.process_time``: the loop plus the storage thread).

Variants, interleaved persona by persona (machine load drifts alike for all):

* ``before``: ``src/.../storage/repository.py`` at ``--baseline-rev`` (aiosqlite, statements
  built per call, three reads per load) over this checkout's rows/engine helpers;
* ``now``: the current repository (``synchronous=FULL``, the default);
* ``now, synchronous=NORMAL``: the same with the WAL synced at checkpoints only.

Then ``--burst N`` (0: skipped): per variant, N applicants past their name question send their
next answer at the same moment (``asyncio.gather``); each ``handle()`` is timed from the
burst's start — one storage thread serialises the SQLite calls; this shows it is no
bottleneck.

``--postgres URL`` adds ``before`` and ``now`` on PostgreSQL (a schema each, dropped after).

Usage:  HF_HUB_OFFLINE=1 python bench/storage.py [--rounds 2] [--burst 200]
        [--baseline-rev 1d1fbdb] [--postgres postgresql+asyncpg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchutil import pct
from grant_interviewer.adapters.storage.repository import SqlRepository
from grant_interviewer.bootstrap import build_analyzer, service_config
from grant_interviewer.domain.model import InterviewState
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.service import InterviewService
from grant_interviewer.settings import get_settings, reset_settings
from grant_interviewer.simulation import MAX_TURNS, Persona, load_persona, next_answer

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = ROOT / "examples" / "personas"
REPOSITORY = "src/grant_interviewer/adapters/storage/repository.py"
BASELINE_REV = "1d1fbdb"  # main before the storage work (issue #10)
TURN_P50_TARGET_MS, TURN_P95_TARGET_MS = 4.0, 6.0


@dataclass
class Cost:
    """Wall, loop-thread CPU and process CPU of repository calls, in ms."""

    wall: float = 0.0
    loop_cpu: float = 0.0
    cpu: float = 0.0

    def add(self, other: Cost) -> None:
        """Accumulate ``other``."""
        self.wall += other.wall
        self.loop_cpu += other.loop_cpu
        self.cpu += other.cpu


@dataclass
class Meter:
    """Per-call costs by method, and the sum since the last ``take``."""

    calls: dict[str, list[Cost]] = field(default_factory=dict)
    current: Cost = field(default_factory=Cost)

    async def timed(self, name: str, call: Awaitable[Any]) -> Any:
        """Await ``call`` and record its cost under ``name``."""
        wall, loop, proc = time.perf_counter(), time.thread_time(), time.process_time()
        result = await call
        cost = Cost((time.perf_counter() - wall) * 1e3, (time.thread_time() - loop) * 1e3,
                    (time.process_time() - proc) * 1e3)
        self.calls.setdefault(name, []).append(cost)
        self.current.add(cost)
        return result

    def take(self) -> Cost:
        """The cost since the previous ``take``."""
        spent, self.current = self.current, Cost()
        return spent


class TimedRepository:
    """The calls a turn makes, timed; the rest passed through."""

    def __init__(self, inner: Any, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter

    async def save(self, state: InterviewState) -> None:
        await self._meter.timed("save", self._inner.save(state))

    async def active_for_user(self, user_id: str) -> InterviewState | None:
        result: InterviewState | None = await self._meter.timed(
            "active_for_user", self._inner.active_for_user(user_id))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def baseline_class(rev: str) -> type[Any]:
    """``SqlRepository`` from ``repository.py`` at git revision ``rev``, as a fresh module."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{REPOSITORY}"],
                            check=True, capture_output=True, text=True).stdout
    name = "grant_interviewer.adapters.storage._bench_baseline_repository"
    module = types.ModuleType(name)
    module.__file__ = f"<{rev}:{REPOSITORY}>"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module.SqlRepository  # type: ignore[no-any-return]


async def set_synchronous(repo: SqlRepository, level: str) -> str:
    """Set ``PRAGMA synchronous`` on the connection the repository's SQLite thread uses."""
    def run(conn: Any) -> str:
        raw = conn.connection.driver_connection  # outside the transaction SQLAlchemy begins
        raw.execute(f"PRAGMA synchronous={level}")
        return str(raw.execute("PRAGMA synchronous").fetchone()[0])
    return await repo._call(run, write=False)


@dataclass
class Variant:
    """One repository under a service, and the costs of its question turns."""

    label: str
    repo: Any
    meter: Meter
    service: InterviewService
    base: Variant | None = None  # the "before" variant this one is compared with
    turns: list[Cost] = field(default_factory=list)


async def interview(variant: Variant, persona: Persona, user_id: str, timed: bool) -> None:
    """One whole interview; the storage cost of each question turn is kept if ``timed``."""
    used: dict[str, int] = {}
    reply = await variant.service.start(user_id, lang=persona.lang)
    for _ in range(MAX_TURNS):
        if reply.finished or reply.question is None:
            break
        answer = next_answer(persona, reply, used)
        variant.meter.take()
        reply = await variant.service.handle(user_id, answer)
        cost = variant.meter.take()
        if timed and not reply.finished:
            variant.turns.append(cost)


def line(label: str, values: list[float], base: list[float] | None) -> str:
    """``p50 / p95`` of ``values`` and the ratio against ``base``."""
    p50, p95 = pct(values, .5), pct(values, .95)
    text = f"{label:44} p50 {p50:6.2f}  p95 {p95:6.2f} ms"
    if base is not None:
        text += f"   x{p50 / pct(base, .5):5.2f} p50, x{p95 / pct(base, .95):5.2f} p95"
    return text


def report(variants: list[Variant]) -> None:
    """Per variant: the turn's storage (wall, loop CPU, process CPU) and each call's wall,
    with ratios against the ``before`` variant of the same database."""
    for variant in variants:
        base = variant.base or variant
        is_base = variant.base is None
        print(f"\n{variant.label}  ({len(variant.turns)} question turns)")
        for what in ("wall", "loop_cpu", "cpu"):
            values = [getattr(c, what) for c in variant.turns]
            reference = None if is_base else [getattr(c, what) for c in base.turns]
            title = {"wall": "storage in a turn, wall",
                     "loop_cpu": "  CPU on the event-loop thread",
                     "cpu": "  CPU of the process (all threads)"}[what]
            print(line(title, values, reference))
        for name in ("active_for_user", "save"):
            values = [c.wall for c in variant.meter.calls.get(name, [])]
            reference = None if is_base else [c.wall for c in base.meter.calls.get(name, [])]
            print(line(f"  one {name}() wall (n={len(values)})", values, reference))
    now = variants[1].turns
    p50, p95 = pct([c.wall for c in now], .5), pct([c.wall for c in now], .95)
    met = p50 <= TURN_P50_TARGET_MS and p95 <= TURN_P95_TARGET_MS
    print(f"\ntarget (now, default synchronous=FULL): storage in a question turn p50 <= "
          f"{TURN_P50_TARGET_MS:.0f} ms and p95 <= {TURN_P95_TARGET_MS:.0f} ms: p50 {p50:.2f}, "
          f"p95 {p95:.2f} -> {'met' if met else 'NOT met'}")


async def open_variants(data: Path, rev: str, postgres: str | None,
                        schemas: list[str]) -> list[Variant]:
    """The repositories, each on its own SQLite file (or PostgreSQL schema), one service each."""
    settings = get_settings().model_copy(update={"embedding_backend": "none"})
    before = baseline_class(rev)
    opened: list[tuple[str, Any, int | None]] = [
        (f"before ({rev}, aiosqlite)",
         await before.open(f"sqlite:///{data / 'before.sqlite3'}"), None),
        ("now (synchronous=FULL, the default)",
         await SqlRepository.open(f"sqlite:///{data / 'now.sqlite3'}"), 0),
        ("now, synchronous=NORMAL",
         await SqlRepository.open(f"sqlite:///{data / 'normal.sqlite3'}"), 0),
    ]
    assert await set_synchronous(opened[1][1], "FULL") == "2"
    assert await set_synchronous(opened[2][1], "NORMAL") == "1"
    if postgres:
        schemas += [f"bench_storage_{os.getpid()}_before", f"bench_storage_{os.getpid()}_now"]
        opened += [
            (f"PostgreSQL before ({rev})", await before.open(postgres, schema=schemas[0]), None),
            ("PostgreSQL now", await SqlRepository.open(postgres, schema=schemas[1]), 3),
        ]
    variants: list[Variant] = []
    for label, repo, base in opened:
        meter = Meter()
        service = InterviewService(
            repository=TimedRepository(repo, meter), pack_loader=load_pack, retriever=None,
            analyzer=build_analyzer(load_pack), config=service_config(settings, export_dir=None))
        variants.append(Variant(label, repo, meter, service,
                                base=variants[base] if base is not None else None))
    return variants


async def drop_schemas(url: str, schemas: list[str]) -> None:
    """Drop the benchmark's PostgreSQL schemas."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def measure(args: argparse.Namespace, data: Path) -> None:
    """Warm up, run the rounds interleaved, print the report."""
    cast = [load_persona(p) for p in sorted(PERSONAS.glob("*.yaml"))]
    schemas: list[str] = []
    variants = await open_variants(data, args.baseline_rev, args.postgres, schemas)
    try:
        for variant in variants:  # untimed: imports, compiled-statement caches, the analyzer
            await interview(variant, cast[0], "warm", timed=False)
            variant.meter.calls.clear()
        for r in range(args.rounds):
            for i, persona in enumerate(cast):
                first = (i + r) % len(variants)  # rotate who goes first
                for variant in variants[first:] + variants[:first]:
                    await interview(variant, persona, f"u{r}-{i}", timed=True)
        load = os.getloadavg()
        print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        report(variants)
        if args.burst:
            await bursts(variants, cast, args.burst)
    finally:
        for variant in variants:
            await variant.repo.close()
        if schemas:
            await drop_schemas(args.postgres, schemas)


async def answered(service: InterviewService, user: str, answer: str, started: float) -> float:
    """Milliseconds from ``started`` until ``user``'s ``answer`` is answered."""
    await service.handle(user, answer)
    return (time.perf_counter() - started) * 1e3


async def bursts(variants: list[Variant], cast: list[Persona], count: int) -> None:
    """Each variant in turn: ``count`` applicants answer at once; latency from the start."""
    print(f"\nburst: {count} applicants past the name question answer at the same moment "
          f"(whole handle(), from the burst's start)")
    for variant in variants:
        service = variant.service
        answers = []
        for i in range(count):
            persona, used = cast[i % len(cast)], {}
            user = f"burst-{i}"
            reply = await service.start(user, lang=persona.lang)
            reply = await service.handle(user, next_answer(persona, reply, used))
            answers.append((user, next_answer(persona, reply, used)))
        cpu = time.process_time()
        started = time.perf_counter()
        times = await asyncio.gather(*(answered(service, u, a, started) for u, a in answers))
        total = (time.perf_counter() - started) * 1e3
        load = os.getloadavg()[0]
        print(f"{variant.label:44} p50 {pct(times, .5):7.1f}  p95 {pct(times, .95):7.1f}  "
              f"all {total:7.1f} ms, CPU {(time.process_time() - cpu) * 1e3:7.1f} ms "
              f"(load {load:.2f})")


def disk_sync_ms(directory: Path, count: int = 100) -> list[float]:
    """``fdatasync`` of a rewritten 16 KB block, ``count`` times: what a FULL commit waits for."""
    path = directory / "sync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    times = []
    try:
        for i in range(count):
            os.pwrite(fd, b"x" * 16384, (i % 8) * 16384)
            started = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - started) * 1e3)
    finally:
        os.close(fd)
        path.unlink()
    return times


def main() -> None:
    """Parse arguments and run in a temporary data directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="interviews per persona and variant")
    parser.add_argument("--burst", type=int, default=200, help="applicants in the burst (0: none)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="also before/now on this PostgreSQL (a schema each, dropped after)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.rounds} round(s) of every persona")
    with tempfile.TemporaryDirectory(prefix="gi-bench-storage-") as tmp:
        for name in [n for n in os.environ if n.upper().startswith("GRANT_INTERVIEWER_")]:
            del os.environ[name]  # the defaults, not this shell's configuration
        os.environ["GRANT_INTERVIEWER_DATA_DIR"] = str(Path(tmp) / "data")
        reset_settings()
        data = Path(tmp) / "db"
        data.mkdir()
        sync = disk_sync_ms(data)
        print(f"this disk: fdatasync of 16 KB p50 {pct(sync, .5):.2f} / p95 {pct(sync, .95):.2f} "
              f"ms (a synchronous=FULL commit waits for one)")
        asyncio.run(measure(args, data))
        sync = disk_sync_ms(data)
        print(f"\nthis disk at the end: fdatasync p50 {pct(sync, .5):.2f} / p95 "
              f"{pct(sync, .95):.2f} ms")


if __name__ == "__main__":
    main()
