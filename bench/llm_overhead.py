"""What the LLM path costs us, and what the prefetch saves, through the real service and SDKs.

A fake OpenAI-compatible server on 127.0.0.1 (``tests/fake_llm.py``) answers with a sensible
question after ``--model-seconds``; the real ``openai`` SDK talks to it. Storage is an in-memory
repository (``bench/turn_latency.py``'s), retrieval off, so only the writer differs.

1. **Our overhead per turn, model time excluded** (target <= 20 ms): every example persona, one
   turn = ``service.handle``; the template writer is the baseline, then the LLM writer with an
   instant model (prefetch off): the difference is what the LLM path adds (prompt building, the
   SDK, loopback HTTP, the output checks, the guard). The pure parts (prompt + checks) are timed
   on their own too.
2. **Answer -> next question with a model that answers in 2 s**, prefetch on vs off: the
   personas run at once (``--concurrent``, like several applicants); while a person "types"
   the bench awaits the drafts (a real person types for longer than 2 s). Hits (draft used) and
   misses are split; the hit rate is drafts used / drafts looked for.

Usage:  python bench/llm_overhead.py [--model-seconds 2.0] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from benchutil import pct  # noqa: E402
from fake_llm import FakeOpenAI, llm_settings, reset_llm_registries  # noqa: E402
from grant_interviewer.adapters.llm import build_llm_writer  # noqa: E402
from grant_interviewer.adapters.llm.writer import LLMQuestionWriter  # noqa: E402
from grant_interviewer.bootstrap import service_config  # noqa: E402
from grant_interviewer.domain.packs import load_pack  # noqa: E402
from grant_interviewer.service import InterviewService  # noqa: E402
from grant_interviewer.simulation import MAX_TURNS, Persona, load_persona, next_answer  # noqa: E402

# An interview ends when it finishes or its question budget is spent (the applicant could go on
# with /continue; the bench does not, so every run has the pack's question budget).
from turn_latency import MemoryRepository  # noqa: E402

PERSONAS = ROOT / "examples" / "personas"
OVERHEAD_TARGET_MS = 20.0
HIT_P50_TARGET_MS = 300.0


def _personas() -> list[Persona]:
    return [load_persona(p) for p in sorted(PERSONAS.glob("*.yaml"))]


def _service(settings: Any, writer: LLMQuestionWriter | None) -> InterviewService:
    return InterviewService(repository=MemoryRepository(), pack_loader=load_pack,
                            retriever=None, writer=writer, config=service_config(settings))


async def _interview(service: InterviewService, persona: Persona, user: str,
                     writer: LLMQuestionWriter | None) -> list[tuple[float, str]]:
    """(milliseconds, writer of the question it produced) for every answer -> question turn."""
    used: dict[str, int] = {}
    reply = await service.start(user, lang=persona.lang)
    timings: list[tuple[float, str]] = []
    while len(timings) < MAX_TURNS:
        if reply.finished or reply.question is None:  # finished, or the budget is spent
            break
        if writer is not None:
            await writer.drafts_settled()  # the person is typing
        answer = next_answer(persona, reply, used)
        started = time.perf_counter()
        reply = await service.handle(user, answer)
        elapsed = (time.perf_counter() - started) * 1000.0
        state = await service.find(reply.session_id)
        asked = state.turns[-1].writer if reply.question and state.turns else "-"
        timings.append((elapsed, asked))
    return timings


def _line(label: str, values: list[float], extra: str = "") -> None:
    if not values:
        print(f"  {label:<38} (none)")
        return
    print(f"  {label:<38} n={len(values):>3}  p50 {statistics.median(values):7.1f} ms  "
          f"p95 {pct(values, 0.95):7.1f} ms  max {max(values):7.1f} ms{extra}")


class _RemoteFake(FakeOpenAI):
    """The fake server in a process of its own, so its work is not counted as ours."""

    process: asyncio.subprocess.Process | None = None

    async def serve(self) -> _RemoteFake:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "tests" / "fake_llm.py"), "openai", str(self.delay),
            stdout=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None
        self.port = int((await self.process.stdout.readline()).decode())
        return self

    async def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            await self.process.wait()


async def overhead(rounds: int, data_dir: Path) -> bool:
    """Part 1: the LLM path's own cost per turn (instant model) against the template writer."""
    fake = await _RemoteFake().serve()
    reset_llm_registries()
    settings = llm_settings(fake, data_dir, llm_prefetch=False, llm_timeout=10.0)
    cast = _personas()
    template_ms: list[float] = []
    llm_ms: list[float] = []
    writer = build_llm_writer(settings)
    try:
        for r in range(rounds + 1):  # round 0 warms up imports, connections, caches
            for n, persona in enumerate(cast):
                base = await _interview(_service(settings, None), persona, f"t{r}-{n}", None)
                mine = await _interview(_service(settings, writer), persona, f"l{r}-{n}", writer)
                if r:
                    template_ms += [ms for ms, _ in base]
                    llm_ms += [ms for ms, w in mine if w.startswith("openai:")]
        round_trip_ms = await _round_trip(fake, cast)
    finally:
        await writer.aclose()
        await fake.stop()
    print("1. our overhead per turn, model time excluded (instant fake model in another "
          "process, prefetch off)")
    _line("template writer (baseline)", template_ms)
    _line("LLM writer, instant model", llm_ms)
    added50 = statistics.median(llm_ms) - statistics.median(template_ms)
    added95 = pct(llm_ms, 0.95) - pct(template_ms, 0.95)
    print(f"  added by the LLM path: p50 {added50:.1f} ms, p95 {added95:.1f} ms")
    _line("  of which the HTTP round trip alone", round_trip_ms,
          "  (raw httpx POST, same request)")
    ours50 = added50 - statistics.median(round_trip_ms)
    ours95 = added95 - pct(round_trip_ms, 0.95)
    ok = ours50 <= OVERHEAD_TARGET_MS
    print(f"  ours (SDK, guard, prompt, checks): p50 {ours50:.1f} ms, p95 {ours95:.1f} ms "
          f"(target p50 <= {OVERHEAD_TARGET_MS:.0f} ms: {'ok' if ok else 'MISSED'})")
    pure_ms = await _pure_parts(cast)
    _line("  of which prompt + output checks", pure_ms)
    return ok


async def _round_trip(fake: FakeOpenAI, cast: list[Persona]) -> list[float]:
    """A bare HTTP POST of a typical request to the instant model: network + server, not ours."""
    import httpx

    from grant_interviewer.domain.engine import InterviewEngine
    from grant_interviewer.domain.model import QuestionRequest
    from grant_interviewer.domain.prompts import build_question_messages, load_question_prompt

    engine = InterviewEngine(load_pack(cast[0].lang))
    state = engine.new_state(session_id="rt", user_id="rt")
    state.name = cast[0].name
    plan = engine.plan_next(state)
    assert plan is not None and plan.reference_point is not None
    messages = build_question_messages(load_question_prompt(cast[0].lang),
                                       QuestionRequest(plan, state, engine.pack))
    body = {"model": "fake-model", "messages": messages, "max_tokens": 200, "temperature": 0.4}
    timings: list[float] = []
    async with httpx.AsyncClient(base_url=fake.base_url) as client:
        for n in range(120):
            started = time.perf_counter()
            response = await client.post("/chat/completions", json=body)
            response.json()
            if n >= 20:
                timings.append((time.perf_counter() - started) * 1000.0)
    return timings


async def _pure_parts(cast: list[Persona]) -> list[float]:
    """Prompt building and output validation alone, on real interview states."""
    from grant_interviewer.adapters.llm.validation import check_question
    from grant_interviewer.domain.engine import InterviewEngine
    from grant_interviewer.domain.model import QuestionRequest, utcnow
    from grant_interviewer.domain.prompts import (
        build_question_messages,
        given_texts,
        load_question_prompt,
    )
    from grant_interviewer.domain.template_writer import TemplateWriter
    from grant_interviewer.errors import QuestionRejectedError

    timings: list[float] = []
    for persona in cast:
        engine = InterviewEngine(load_pack(persona.lang))
        state = engine.new_state(session_id="bench", user_id="b")
        prompt = load_question_prompt(persona.lang)
        used: dict[str, int] = {}
        for _ in range(20):
            plan = engine.plan_next(state)
            if plan is None:
                break
            request = QuestionRequest(plan, state, engine.pack)
            text = TemplateWriter().compose(request)
            if plan.reference_point is not None:
                started = time.perf_counter()
                messages = build_question_messages(prompt, request)
                # template questions may fail "one question": only the timing matters here
                with contextlib.suppress(QuestionRejectedError):
                    check_question(text, lang=persona.lang,
                                   earlier=[t.question for t in state.turns],
                                   given=given_texts(prompt, request),
                                   echo_markers=prompt.echo_markers,
                                   instructions=prompt.instruction_lines)
                timings.append((time.perf_counter() - started) * 1000.0)
                assert messages
            engine.ask(state, plan, text, now=utcnow())
            rp = plan.reference_point.id if plan.reference_point else None
            answers = persona.answers.get(rp or "", ())
            index = used.get(rp or "", 0)
            answer = persona.name if rp is None else (
                answers[index] if index < len(answers) else persona.default)
            used[rp or ""] = index + 1
            engine.record_answer(state, answer, now=utcnow())
    return timings


async def prefetch(model_seconds: float, data_dir: Path) -> bool:
    """Part 2: answer -> next question with a slow model, prefetch on vs off."""
    cast = _personas()
    results: dict[bool, list[tuple[float, str]]] = {}
    rates: dict[bool, float | None] = {}
    for enabled in (False, True):
        fake = await FakeOpenAI(delay=model_seconds).serve()
        reset_llm_registries()
        # a server that answers every request in model_seconds: no stream limit in the way
        settings = llm_settings(fake, data_dir, llm_prefetch=enabled,
                                llm_timeout=model_seconds + 8.0,
                                llm_max_concurrency=2 * len(cast))
        writer = build_llm_writer(settings)
        service = _service(settings, writer)
        try:
            runs = await asyncio.gather(*(
                _interview(service, persona, f"p{int(enabled)}-{n}", writer)
                for n, persona in enumerate(cast)))
        finally:
            rates[enabled] = writer.hit_rate()
            await writer.aclose()
            await fake.stop()
        results[enabled] = [item for run in runs for item in run]
    off = [ms for ms, w in results[False] if w.startswith("openai:")]
    on_all = [ms for ms, w in results[True] if w.startswith("openai:")]
    hits = [ms for ms, w in results[True] if w.endswith("+prefetch")]
    misses = [ms for ms, w in results[True] if w.startswith("openai:")
              and not w.endswith("+prefetch")]
    print(f"\n2. answer -> next question, model answers in {model_seconds:.1f} s, "
          f"{len(cast)} personas at once")
    _line("prefetch off (baseline)", off)
    _line("prefetch on, all model-written", on_all, _ratio(on_all, off))
    _line("prefetch on, hits (draft used)", hits)
    _line("prefetch on, misses (written in turn)", misses)
    rate = rates[True]
    ok = bool(hits) and statistics.median(hits) <= HIT_P50_TARGET_MS
    print(f"  hit rate over the personas: {rate:.0%} "
          f"({len(hits)} of {len(hits) + len(misses)} model-written questions)"
          if rate is not None else "  hit rate: no drafts looked for")
    print(f"  target p50 on hits <= {HIT_P50_TARGET_MS:.0f} ms: {'ok' if ok else 'MISSED'}")
    return ok


def _ratio(values: list[float], baseline: list[float]) -> str:
    if not values or not baseline:
        return ""
    return f"  ({statistics.median(values) / statistics.median(baseline):.2f}x of off)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import logging
    import tempfile

    logging.basicConfig(level=logging.ERROR)  # fallbacks (duplicate re-asks) are expected here

    with tempfile.TemporaryDirectory() as tmp:
        first = await overhead(args.rounds, Path(tmp))
        second = await prefetch(args.model_seconds, Path(tmp))
    sys.exit(0 if first and second else 1)


if __name__ == "__main__":
    asyncio.run(main())
